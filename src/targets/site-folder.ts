import { chmod, mkdir, open, rm, rmdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { checkOwner, checkPath, modeString } from './common.js';
import { LocalTarget } from './local.js';
import { TargetError, type Target } from './target.js';

/**
 * Creating and removing a site's folder below a web root without ever following a
 * symbolic link, on every kind of target (local, SSH, container) alike.
 *
 * A client can write inside its own site folder, so it can swap any folder there for a
 * symbolic link at any moment: a check ("no symlink here") followed by an operation on
 * the path is a race it can win, and serein runs as root. So these scripts never act on
 * a path twice: they enter one folder at a time (`cd -P`), check that the shell really
 * stands where it meant to (`pwd -P`), and then work only relative to the folder they
 * stand in, whose identity can no longer change under them. Node has no openat(), and the
 * SSH and container targets only run programs, so one POSIX sh script (busybox, dash,
 * bash) serves all three.
 */

/** Exit code of the scripts when a component is a symbolic link, or changed under them (swapped, moved, appeared). */
export const SYMLINK_EXIT = 3;

/**
 * Shared prelude: `walk BASE REL [create]` enters BASE, then each component of REL, and
 * fails with SYMLINK_EXIT when one is a symbolic link or the shell did not land where it
 * should (a swap between the test and the cd). With `create`, missing folders are made
 * (mode 0700 until the caller opens them up, so nobody can plant anything inside first)
 * and `made` lists them. Leaves the shell standing in the last folder, `here` its path.
 */
export const WALK = `
set -u
fail() { printf 'serein: %s\\n' "$2" >&2; exit "$1"; }
made=
walk() {
  # The web root is the admin's: made as any folder when missing, then trusted as the base.
  if [ ! -d "$1" ]; then
    [ "\${3:-}" = create ] || return 1
    mkdir -p -- "$1" || fail 2 "cannot create the web root $1"
  fi
  cd -P -- "$1" 2>/dev/null || fail 2 "cannot enter $1"
  here=$(pwd -P)
  oldifs=$IFS; IFS=/; set -f
  for c in $2; do
    [ -n "$c" ] || continue
    case $c in .|..) fail 2 "refusing the path component $c";; esac
    if [ "\${3:-}" = create ] && [ ! -e "$c" ] && [ ! -L "$c" ]; then
      if ! err=$(mkdir -m 0700 -- "$c" 2>&1); then
        # A full or read-only disk is said as such; anything else is something that changed under serein.
        case $err in
          *"Read-only file system"*|*"No space left on device"*|*"Disk quota exceeded"*) fail 2 "cannot create $here/$c: \${err##*: }";;
        esac
        fail ${SYMLINK_EXIT} "$here/$c appeared while it was being created"
      fi
      made="$made $c"
    fi
    [ -L "$c" ] && fail ${SYMLINK_EXIT} "$here/$c is a symbolic link"
    # Missing while creating means it vanished between two looks: a swap, not an absence; a link
    # or a folder seen right after "not a folder" is a swap too (only a file is "not a folder").
    [ -d "$c" ] || { { [ -L "$c" ] || [ -d "$c" ]; } && fail ${SYMLINK_EXIT} "$here/$c changed while serein was looking at it"; [ -e "$c" ] && fail 2 "$here/$c is not a folder"; [ "\${3:-}" = create ] && fail ${SYMLINK_EXIT} "$here/$c disappeared while serein was working in it"; return 1; }
    cd -P -- "$c" 2>/dev/null || fail ${SYMLINK_EXIT} "$here/$c changed while serein was entering it"
    next=\${here%/}/$c
    [ "$(pwd -P)" = "$next" ] || fail ${SYMLINK_EXIT} "$next was replaced by a symbolic link"
    here=$next
  done
  IFS=$oldifs; set +f
  return 0
}
`;

/**
 * After `walk ... create` and the caller's own work inside: opens up the folders made
 * (`$mode`, and `$owner` when set), deepest first, each through the folder the shell
 * stands in, so a folder swapped for a link meanwhile is never what is changed.
 */
export const OPEN_UP = `while [ -n "$made" ]; do
  chmod "$mode" . || fail 2 "cannot set the mode of $here"
  [ -z "$owner" ] || chown -- "$owner" . || fail 2 "cannot give $here to $owner"
  made=\${made% *}
  [ -n "$made" ] || break
  cd -P .. && here=$(pwd -P)
done`;

/** Prints "present" or "missing"; fails on any symbolic link on the way. */
const CHECK_SCRIPT = `${WALK}
walk "$1" "$2" && echo present || echo missing`;

/**
 * Creates the folder (and missing parents), writes the placeholder page from stdin into a
 * new final folder, then hands each created folder to the owner. Prints "created" or "existed".
 */
const CREATE_SCRIPT = `${WALK}
base=$1 rel=$2 mode=$3 owner=$4
walk "$base" "$rel" create || fail 2 "could not create $rel"
last=\${rel##*/}
# A disk full or read-only halfway: the page and the folders made go again, deepest first
# (still 0700 and root's), so nothing is left half-created.
undo_made() {
  rm -f -- index.html
  while [ -n "$made" ]; do
    gone=\${made##* }
    cd -P .. && rmdir -- "$gone" 2>/dev/null || return 0
    made=\${made% *}
  done
}
case " $made " in
  *" $last "*)
    # Still 0700 and root's: nobody else can have put anything here.
    cat > index.html || { undo_made; fail 2 "cannot write the placeholder page"; }
    chmod 0644 index.html
    [ -z "$owner" ] || chown -h -- "$owner" index.html || fail 2 "cannot give the placeholder page to $owner"
    status=created ;;
  *) status=existed ;;
esac
${OPEN_UP}
echo "$status"`;

/**
 * Removes the folder's content and then the folder: first it is taken from the client
 * (root's, mode 0700) so nothing can be swapped inside by path while it is emptied;
 * `rm -r` itself never follows a link it meets. Refused (SYMLINK_EXIT) only before anything
 * changed; once emptied, a folder above that moved leaves the empty folder ("emptied").
 */
const REMOVE_SCRIPT = `${WALK}
walk "$1" "$2" || { echo absent; exit 0; }
site=$here
chown 0:0 . && chmod 0700 . || fail 2 "cannot take $site over before emptying it"
rm -rf -- ./* ./.[!.]* ./..?* || fail 2 "could not empty $site"
name=\${site##*/}
cd -P .. || fail 2 "cannot leave $site"
if [ "$(pwd -P)" != "\${site%/*}" ] && [ "$(pwd -P)/" != "\${site%/*}/" ]; then
  echo emptied; exit 0
fi
rmdir -- "$name" 2>/dev/null || [ ! -e "$name" ] || fail 2 "could not remove $site"
echo removed`;

/**
 * Undoes a creation: removes the placeholder page only if it is still the one serein
 * wrote (read from stdin), then the folder only if it is empty.
 */
const UNDO_CREATE_SCRIPT = `${WALK}
walk "$1" "$2" || { echo absent; exit 0; }
if [ -f index.html ] && [ ! -L index.html ] && cmp -s index.html -; then rm -f -- index.html; fi
name=\${here##*/}
cd -P .. && rmdir -- "$name" 2>/dev/null
echo done`;

/** The web root and the site folder below it, checked: both absolute, one inside the other. */
export function split(webRoot: string, folder: string): { base: string; rel: string } {
  checkPath(webRoot);
  checkPath(folder);
  const base = posix.normalize(webRoot).replace(/\/+$/, '') || '/';
  const path = posix.normalize(folder).replace(/\/+$/, '');
  const rel = path.startsWith(`${base}/`) ? path.slice(base.length + 1) : '';
  if (!rel || rel.split('/').some((c) => c === '..' || c === '.'))
    throw new TypeError(`${folder} is not a folder inside ${webRoot}`);
  return { base, rel };
}

/** A symbolic link was met, or a folder changed under serein: said plainly (callers turn it into a client error). */
export class SymlinkRefused extends TargetError {
  constructor(message: string) {
    super(
      message,
      'serein does not follow symbolic links in site folders; replace the link by a real folder',
      'symlink_refused',
    );
    this.name = 'SymlinkRefused';
  }
}

async function runScript(
  target: Target,
  script: string,
  args: string[],
  what: string,
  stdin?: string,
): Promise<string> {
  const r = await target.run(['sh', '-c', script, 'serein-site-folder', ...args], { stdin, timeoutMs: 120_000 });
  const message = (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).slice(0, 2000);
  if (r.code === SYMLINK_EXIT) throw new SymlinkRefused(`${target.name}: ${what}: ${message}`);
  if (r.code !== 0)
    throw new TargetError(
      `${target.name}: ${what} failed: ${message}`,
      'check the folder, its owner and the free space on the target',
      'site_folder_failed',
    );
  return r.stdout.trim().split('\n').pop() ?? '';
}

/** Whether the folder exists, refusing any symbolic link on the way to it. */
export async function siteFolderExists(target: Target, webRoot: string, folder: string): Promise<boolean> {
  const { base, rel } = split(webRoot, folder);
  return (await runScript(target, CHECK_SCRIPT, [base, rel], `checking ${folder}`)) === 'present';
}

/**
 * Creates the site folder (and missing parents) with `mode` and `owner`, and puts `page`
 * in it as index.html when the folder is new. Returns whether serein created it.
 */
export async function createSiteFolder(
  target: Target,
  webRoot: string,
  folder: string,
  o: { mode: number; owner?: string; page: string },
): Promise<boolean> {
  const { base, rel } = split(webRoot, folder);
  checkOwner(o.owner);
  if (target instanceof LocalTarget && !rel.includes('/') && !o.owner && (await newChildFolder(base, rel, o)))
    return true;
  return (
    (await runScript(
      target,
      CREATE_SCRIPT,
      [base, rel, modeString(o.mode), o.owner ?? ''],
      `creating ${folder}`,
      o.page,
    )) === 'created'
  );
}

/**
 * A site's default folder, right inside the web root of the machine serein runs on, made
 * without starting a program (at hundreds of sites at once each one is a fork of the daemon):
 * only root writes in the web root, so nothing can be swapped there, and mkdir fails on
 * anything already at that name, a link included. False, with nothing left behind, for
 * anything but a new folder made whole (one there already, a full or read-only disk): the
 * script then decides and words the outcome as always.
 */
async function newChildFolder(base: string, name: string, o: { mode: number; page: string }): Promise<boolean> {
  const dir = `${base}/${name}`;
  try {
    // The web root is the admin's: made as any folder when missing, as the script does.
    await mkdir(base, { recursive: true });
    await mkdir(dir, { mode: 0o700 }); // root's and closed until it holds its page, as the script does
  } catch {
    return false;
  }
  try {
    const page = await open(`${dir}/index.html`, 'wx', 0o644);
    try {
      await page.writeFile(o.page);
      await page.chmod(0o644);
    } finally {
      await page.close();
    }
    await chmod(dir, o.mode);
    return true;
  } catch {
    await rm(`${dir}/index.html`, { force: true }).catch(() => undefined);
    await rmdir(dir).catch(() => undefined);
    return false;
  }
}

/**
 * Deletes the site folder and everything in it, never anything a link inside points to:
 * 'absent' when it was not there, 'emptied' when its content went but the folder above it
 * moved (the empty folder, root's, stays where the client put it). A SymlinkRefused means
 * that nothing was changed: the client's own folder is exactly as it was.
 */
export async function removeSiteFolder(
  target: Target,
  webRoot: string,
  folder: string,
): Promise<'removed' | 'emptied' | 'absent'> {
  const { base, rel } = split(webRoot, folder);
  const said = await runScript(target, REMOVE_SCRIPT, [base, rel], `removing ${folder}`);
  return said === 'removed' || said === 'emptied' ? said : 'absent';
}

/** Undoes createSiteFolder: the placeholder page if unchanged, then the folder if empty. */
export async function undoCreateSiteFolder(
  target: Target,
  webRoot: string,
  folder: string,
  page: string,
): Promise<void> {
  const { base, rel } = split(webRoot, folder);
  await runScript(target, UNDO_CREATE_SCRIPT, [base, rel], `undoing the creation of ${folder}`, page);
}
