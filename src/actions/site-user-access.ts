import type { Target } from '../targets/target.js';
import { siteUserFailed } from './vhost-errors.js';
import { SITE_USER } from './site-user.js';
import { SCHEDULER_DENY_FILES } from '../check/scheduling.js';

// What a site's user may still do on the server besides serving its site, and how it ends:
// cron and at are denied to it from the start (its code would otherwise leave jobs that run
// after the site is deleted), and a delete ends its jobs and processes; closing SFTP ends
// its open sessions (locking a password or reloading sshd leaves an established one alone).

/** Debian cron's spool: a denied user's crontab cannot be removed with `crontab -r -u`, only here. */
const CRONTAB_SPOOL = '/var/spool/cron/crontabs';

// Adds the name once to each file, under flock of that file (other daemons and an admin's tools alike), in one
// program for both files; a file made here is 0644 as cron's and at's own programs need to read it.
const DENY_SCRIPT = `u=$1; shift
umask 022
for f; do
  exec 9>>"$f" || exit 2
  flock 9 || exit 2
  grep -qxF -- "$u" "$f" || printf '%s\\n' "$u" >&9 || exit 2
  exec 9>&-
done`;

const checked = (user: string) => {
  if (!SITE_USER.test(user)) throw new TypeError(`invalid user name ${JSON.stringify(user)}`);
  return user;
};

const said = (r: { code: number; stdout: string; stderr: string }) =>
  `exit ${r.code}: ${(r.stderr.trim() || r.stdout.trim()).slice(0, 500)}`;

/** Names the site's user in cron's and at's deny files, so that its code can schedule nothing. */
export async function denyScheduling(target: Target, user: string): Promise<void> {
  const r = await target.run(['sh', '-c', DENY_SCRIPT, 'serein-deny', checked(user), ...SCHEDULER_DENY_FILES]);
  if (r.code !== 0)
    throw siteUserFailed(`${target.name}: denying ${user} in ${SCHEDULER_DENY_FILES.join(' and ')}: ${said(r)}`);
}

// Takes a name out again (the user is gone), under the same lock; the file keeps its owner and mode.
const UNDENY_SCRIPT = `f=$1 u=$2
[ -e "$f" ] || exit 0
exec 9>>"$f" || exit 2
flock 9 || exit 2
grep -qxF -- "$u" "$f" || exit 0
rest=$(grep -vxF -- "$u" "$f")
if [ -n "$rest" ]; then printf '%s\\n' "$rest" > "$f"; else : > "$f"; fi`;

/** After userdel: the name leaves the deny files (a later user of that name is denied when made). */
export async function forgetDenied(target: Target, user: string): Promise<void> {
  for (const file of SCHEDULER_DENY_FILES) {
    const r = await target.run(['sh', '-c', UNDENY_SCRIPT, 'serein-undeny', file, checked(user)]);
    if (r.code !== 0) throw siteUserFailed(`${target.name}: taking ${user} out of ${file}: ${said(r)}`);
  }
}

/** Ends every process of the user: absent or none running is fine. */
async function killAll(target: Target, user: string): Promise<void> {
  const r = await target.run(['pkill', '-KILL', '-U', user]);
  if (r.code > 1) throw siteUserFailed(`${target.name}: pkill -KILL -U ${user}: ${said(r)}`);
}

/**
 * A site's user, its site deleted (files kept or not): its processes ended, its crontab and
 * at jobs removed, then its processes ended again (a job that started meanwhile). An absent
 * crontab, at or cron not installed, no process: all fine.
 */
export async function endSiteUserAccess(target: Target, user: string): Promise<void> {
  checked(user);
  await killAll(target, user);
  // `crontab -r -u` works for a user not denied yet (a site made before); a denied user's is removed from the spool.
  await target.run(['crontab', '-r', '-u', user]);
  const rm = await target.run(['rm', '-f', '--', `${CRONTAB_SPOOL}/${user}`]);
  if (rm.code !== 0) throw siteUserFailed(`${target.name}: removing the crontab of ${user}: ${said(rm)}`);
  const q = await target.run(['atq']);
  if (q.code === 0) {
    // atq as root: "<job>\t<date> <queue> <user>", every user's jobs.
    const jobs = q.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length > 2 && f[f.length - 1] === user && /^[0-9]+$/.test(f[0]))
      .map((f) => f[0]);
    if (jobs.length) {
      const r = await target.run(['atrm', '--', ...jobs]);
      if (r.code !== 0) throw siteUserFailed(`${target.name}: atrm ${jobs.join(' ')}: ${said(r)}`);
    }
  }
  await killAll(target, user);
}

/**
 * Ends the user's open SFTP sessions (sshd's processes running as that user), not its PHP
 * workers: a session already open stays so after its password is locked or sshd reloaded.
 * Returns whether one was open.
 */
export async function endSftpSessions(target: Target, user: string): Promise<boolean> {
  const r = await target.run(['pkill', '-KILL', '-u', checked(user), '-x', 'sshd']);
  if (r.code > 1) throw siteUserFailed(`${target.name}: ending the SFTP sessions of ${user}: ${said(r)}`);
  return r.code === 0;
}
