#!/bin/sh
# `npm run install-command [-- DIR]`: puts `serein` on the PATH as DIR/serein (default
# /usr/local/bin), a symbolic link to this install's bin/serein.js. Then `serein` always
# runs this install, from any folder, in cron and scripts too; `npx serein` outside this
# folder would instead ask the public npm registry for a package named serein and run it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
dir=${1:-/usr/local/bin}
link="$dir/serein"
target="$root/bin/serein.js"
if [ -e "$link" ] && [ ! -L "$link" ]; then
  echo "install-command: $link exists and is not a link: move it away first, then run this again." >&2
  exit 1
fi
mkdir -p "$dir"
chmod a+x "$target"
ln -sfn "$target" "$link"
echo "serein is now $link -> $target"
case ":$PATH:" in
  *":$dir:"*) ;;
  *) echo "  $dir is not on your PATH: add it (export PATH=\"$dir:\$PATH\"), or run $link." ;;
esac
