/**
 * What tests' sites leave on the machine, outside the lab's folder. A web server on a local or
 * SSH target gives each new site its own user (useradd -r: uids 100-999, a few hundred at most),
 * named in /etc/cron.deny and /etc/at.deny; SFTP tests put their sites under /srv (sshd refuses
 * a chroot under /tmp), in a folder named after the test process (`srvTestDir`). A test whose
 * daemon stops without deleting its sites, or that is killed, leaves them; a test that removes
 * its users with userdel leaves their names in the deny files. At the lab's teardown, only what
 * tests made goes: a /srv test folder whose process is gone, an account serein made for a site
 * ("serein site <domain>") whose test folder is gone (the home's web root's parent: nothing of
 * that test runs any more), and a site user's name in the deny files that no account has.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

/** Where SFTP tests' site folders go: sshd takes a chroot there (root's, 0755 all the way up). */
const SRV = '/srv';
/** `serein-sftp-<pid of the test process>-<random>`: the pid says when the test is over. */
const SRV_TEST_DIR = /^serein-sftp-([0-9]+)-[0-9a-f]+$/;
/** Any SFTP test's folder, those named before the pid was included too: a site user homed in one that is gone is over. */
const ANY_SRV_TEST_DIR = /^serein-sftp-[0-9a-f-]+$/;
/** A site user's name as serein makes it (`w-<letters>-<hex of the domain's hash>`, 6 hex digits before). */
const SITE_USER_NAME = /^w-[a-z0-9-]+-[0-9a-f]{6,10}$/;

/** A new folder under /srv for this test process's site folders (see SRV_TEST_DIR). */
export function srvTestDir(): string {
  const dir = join(SRV, `serein-sftp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { mode: 0o755 });
  return dir;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the /srv test folders whose process is gone; returns their paths. */
function removeLeftSrvDirs(): string[] {
  const removed: string[] = [];
  for (const name of existsSync(SRV) ? readdirSync(SRV) : []) {
    const m = SRV_TEST_DIR.exec(name);
    const dir = join(SRV, name);
    if (!m || alive(Number(m[1])) || !lstatSync(dir).isDirectory()) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

// Under flock of the file itself, as serein adds and takes names (src/actions/site-user-access.ts),
// and with the accounts read inside the lock: a user made meanwhile is named after it, by its maker.
const FORGET_GONE_SCRIPT = [
  'f=$1 re=$2',
  '[ -e "$f" ] || exit 0',
  'exec 9>>"$f" || exit 2',
  'flock 9 || exit 2',
  'declare -A live',
  'while IFS=: read -r u _; do live[$u]=1; done < <(getent passwd)',
  'rest=() gone=0',
  'while IFS= read -r u || [ -n "$u" ]; do',
  '  if [[ $u =~ $re ]] && [ -z "${live[$u]}" ]; then gone=1; else rest+=("$u"); fi',
  'done < "$f"',
  '[ "$gone" = 1 ] || exit 0',
  'if [ ${#rest[@]} -gt 0 ]; then printf \'%s\\n\' "${rest[@]}" > "$f"; else : > "$f"; fi',
].join('\n');

/** Takes out of cron's and at's deny files the site users' names that no account has any more. */
function forgetGoneDenied(): void {
  for (const file of ['/etc/cron.deny', '/etc/at.deny'])
    spawnSync('bash', ['-c', FORGET_GONE_SCRIPT, 'serein-lab-forget', file, SITE_USER_NAME.source]);
}

/** Removes what tests' sites left (see the top of this file); returns the site users removed. */
export function removeLeftSiteUsers(): string[] {
  removeLeftSrvDirs();
  const passwd = spawnSync('getent', ['passwd'], { encoding: 'utf8' });
  const removed: string[] = [];
  for (const line of passwd.status === 0 ? passwd.stdout.split('\n') : []) {
    const [name, , , , comment, home] = line.split(':');
    if (!name || !comment?.startsWith('serein site ')) continue;
    // <test folder>/www/<domain>: another run's live test still has its folder.
    const testDir = home ? dirname(dirname(home)) : '';
    const fromTest =
      testDir.startsWith('/tmp/') || (dirname(testDir) === SRV && ANY_SRV_TEST_DIR.test(testDir.slice(SRV.length + 1)));
    if (!fromTest || existsSync(testDir)) continue;
    if (spawnSync('userdel', ['--', name]).status !== 0) continue;
    spawnSync('groupdel', ['--', name]);
    removed.push(name);
  }
  forgetGoneDenied();
  return removed;
}
