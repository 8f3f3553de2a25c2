import { checkOwner, modeString } from './common.js';
import { OPEN_UP, split, SymlinkRefused, SYMLINK_EXIT, WALK } from './site-folder.js';
import { TargetError, type Target } from './target.js';

/**
 * A site's files kept in the trash and put back, and a site's size, with the same rule as
 * ./site-folder.ts: the folder is entered one component at a time (`cd -P`, checked with
 * `pwd -P`) and worked on only relative to where the shell stands, so a client swapping a
 * folder for a symbolic link can never make serein read or write another tenant's files
 * or the host's. tar never follows a link it meets (no -h), stays on one file system, and
 * puts links back as links, inside the folder.
 */

/** Exit code of the restore when the copy holds a name that would leave its folder (absolute, or with ..). */
const OUTSIDE_EXIT = 5;

/** Archives the folder's content (relative to it) to `file`, written as `file.part` and renamed once complete. */
const ARCHIVE_SCRIPT = `${WALK}
walk "$1" "$2" || { echo absent; exit 0; }
file=$3
umask 077
mkdir -p -- "\${file%/*}" && chmod 0700 -- "\${file%/*}" || fail 2 "cannot create the folder of $file"
rm -f -- "$file.part"
tar --create --gzip --one-file-system --numeric-owner --file="$file.part" .
rc=$?
# 1 is a file that changed while it was read (the client writing): the copy holds it as it was read.
[ "$rc" -le 1 ] || { rm -f -- "$file.part"; fail 2 "could not archive $here (tar exit $rc)"; }
mv -f -- "$file.part" "$file" || fail 2 "could not keep the copy of $here"
wc -c < "$file"`;

/**
 * Puts a copy back into a NEW folder: refused ("exists", nothing changed) when the folder
 * is already there. The new folder stays root's and 0700 until everything is unpacked
 * (no owner, no setuid bits from the copy), so the client cannot reach into it half-done;
 * a marker holding a nonce (stdin) says it is serein's until the very end, for the undo.
 */
const RESTORE_SCRIPT = `${WALK}
base=$1 rel=$2 file=$3 mode=$4 owner=$5 marker=$6
[ -f "$file" ] && [ ! -L "$file" ] || fail 2 "the copy $file is missing"
tar -tzf "$file" > /dev/null || fail 2 "the copy $file cannot be read"
bad=$(tar -tzf "$file" | while IFS= read -r m; do case "/$m/" in */../*) echo "$m"; break;; esac; case "$m" in /*) echo "$m"; break;; esac; done)
[ -z "$bad" ] || fail ${OUTSIDE_EXIT} "the copy holds a name outside its folder: $bad"
walk "$base" "$rel" create || fail 2 "could not create $rel"
last=\${rel##*/}
case " $made " in
  *" $last "*) ;;
  *) echo exists; exit 0 ;;
esac
cat > "$marker" || fail 2 "cannot mark $here as being restored"
tar --extract --gzip --file="$file" --no-same-owner --no-overwrite-dir --delay-directory-restore --exclude="./$marker" || fail 2 "could not unpack the copy into $here"
find . -xdev ! -type l \\( -perm -4000 -o -perm -2000 \\) -exec chmod ug-s -- {} + || fail 2 "cannot clear set-id bits in $here"
if [ -n "$owner" ]; then find . -mindepth 1 ! -name "$marker" -exec chown -h -- "$owner" {} + || fail 2 "cannot give the files of $here to $owner"; fi
site=$here
${OPEN_UP}
cd -P -- "$site" && [ "$(pwd -P)" = "$site" ] && rm -f -- "$marker"
echo restored`;

/** Undoes a restore cut short: the folder goes only while it still holds this restore's marker (nonce on stdin). */
const UNDO_RESTORE_SCRIPT = `${WALK}
walk "$1" "$2" || { echo absent; exit 0; }
name=\${here##*/}
if [ -f "$3" ] && [ ! -L "$3" ] && cmp -s "$3" -; then
  chown 0:0 . && chmod 0700 . || fail 2 "cannot take $here over"
  rm -rf -- ./* ./.[!.]* ./..?* || fail 2 "could not empty $here"
  cd -P .. && rmdir -- "$name" || fail 2 "could not remove $here"
  echo removed
else
  cd -P .. && rmdir -- "$name" 2>/dev/null
  echo kept
fi`;

/** The folder's size in KiB, on one file system, links not followed. */
const SIZE_SCRIPT = `${WALK}
walk "$1" "$2" || { echo absent; exit 0; }
du -s -x -k . | { read -r k _; echo "$k"; }`;

async function runScript(
  target: Target,
  script: string,
  args: string[],
  what: string,
  stdin?: string,
): Promise<string> {
  const r = await target.run(['sh', '-c', script, 'serein-site-archive', ...args], { stdin, timeoutMs: 3_600_000 });
  const message = (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).slice(0, 2000);
  if (r.code === SYMLINK_EXIT) throw new SymlinkRefused(`${target.name}: ${what}: ${message}`);
  if (r.code === OUTSIDE_EXIT)
    throw new TargetError(
      `${target.name}: ${what}: ${message}`,
      'the copy was not made by serein; keep it for a look and restore nothing from it',
      'archive_outside',
    );
  if (r.code !== 0)
    throw new TargetError(
      `${target.name}: ${what} failed: ${message}`,
      'check the folder, the trash folder and the free space on the target',
      'site_archive_failed',
    );
  return r.stdout.trim().split('\n').pop() ?? '';
}

const checkFile = (file: string) => {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(file) || file.split('/').includes('..'))
    throw new TypeError(`${file} is not a trash file serein names`);
};

/** Archives the site folder to `file`: its size in bytes, or undefined when the folder is not there. */
export async function archiveSiteFolder(
  target: Target,
  webRoot: string,
  folder: string,
  file: string,
): Promise<number | undefined> {
  const { base, rel } = split(webRoot, folder);
  checkFile(file);
  const said = await runScript(target, ARCHIVE_SCRIPT, [base, rel, file], `archiving ${folder}`);
  return said === 'absent' ? undefined : Number(said) || 0;
}

/** The marker a restore leaves in its new folder until it is done (named by the trash item, so never a client's value). */
const restoreMarker = (id: string) => `.serein-restore-${id.replace(/[^a-z0-9-]/gi, '')}`;

/**
 * Unpacks `file` into the folder, which must not exist yet: 'exists' changes nothing.
 * `nonce` goes into the marker that lets undoRestoreSiteFolder know the folder is this restore's.
 */
export async function restoreSiteFolder(
  target: Target,
  webRoot: string,
  folder: string,
  o: { file: string; id: string; nonce: string; mode: number; owner?: string },
): Promise<'restored' | 'exists'> {
  const { base, rel } = split(webRoot, folder);
  checkFile(o.file);
  checkOwner(o.owner);
  const said = await runScript(
    target,
    RESTORE_SCRIPT,
    [base, rel, o.file, modeString(o.mode), o.owner ?? '', restoreMarker(o.id)],
    `restoring ${folder}`,
    o.nonce,
  );
  return said === 'exists' ? 'exists' : 'restored';
}

/** Removes a folder a restore created and did not finish (its marker and nonce still there); leaves anything else, an empty folder excepted. */
export async function undoRestoreSiteFolder(
  target: Target,
  webRoot: string,
  folder: string,
  o: { id: string; nonce: string },
): Promise<'removed' | 'kept' | 'absent'> {
  const { base, rel } = split(webRoot, folder);
  return (await runScript(
    target,
    UNDO_RESTORE_SCRIPT,
    [base, rel, restoreMarker(o.id)],
    `undoing the restore of ${folder}`,
    o.nonce,
  )) as 'removed' | 'kept' | 'absent';
}

/** The folder's size in bytes (du, links not followed), or undefined when it is not there. */
export async function siteFolderBytes(target: Target, webRoot: string, folder: string): Promise<number | undefined> {
  const { base, rel } = split(webRoot, folder);
  const said = await runScript(target, SIZE_SCRIPT, [base, rel], `measuring ${folder}`);
  return said === 'absent' ? undefined : Number(said) * 1024;
}
