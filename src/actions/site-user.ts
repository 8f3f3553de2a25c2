import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { SYMLINK_EXIT, SymlinkRefused, WALK } from '../targets/site-folder.js';
import type { Target } from '../targets/target.js';
import { TENANT_ID_PATTERN } from '../tenant-id.js';
import { Mutex, wait } from '../util/concurrency.js';
import { denyScheduling, endSiteUserAccess, forgetDenied } from './site-user-access.js';
import { siteFolderInUse, siteKeptForAnother, siteUserFailed, siteUserTaken } from './vhost-errors.js';

// A site of its own: each site's system user and group, and its folders
// (<web root>/<domain>/ root's, the SFTP chroot; <web root>/<domain>/public/ the user's).

/** A system user name as useradd accepts it (as src/actions/sftp-sshd.ts reads it back). */
export const SITE_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** The site's writable folder, one level inside its root-owned home: what nginx serves. */
export const PUBLIC_FOLDER = 'public';

/**
 * The user of a site, from its name alone: `w-` (never a system account's name), the
 * domain's letters and digits (at most 18, dashes for the rest) and 10 hex digits (40 bits)
 * of the domain's SHA-256, so two domains whose first letters agree still get two users and
 * a tenant cannot find, by trying names, a domain of its own whose user is a victim's future
 * site's (24 bits took minutes); at most 31 characters. A clash left (another account of that
 * name) is refused by ensureSiteUser, which knows a site's user by its comment. A recorded
 * site keeps the name its record holds (sites made with the shorter hash included).
 */
export function siteUserName(domain: string): string {
  const words = domain
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 18)
    .replace(/^-+|-+$/g, '');
  const name = `w-${words}-${createHash('sha256').update(domain).digest('hex').slice(0, 10)}`;
  if (!SITE_USER.test(name)) throw new TypeError(`cannot derive a user name from ${JSON.stringify(domain)}`);
  return name;
}

/**
 * The comment (GECOS) serein gives a site's user: how it knows the account is that site's and
 * may be removed, and whose it is. A user (and the files it owns) kept after its site was
 * deleted must never pass to another tenant given the domain later (see claimSiteUser).
 */
export const userComment = (domain: string, tenant: string) => `serein site ${domain} ${tenant}`;

/**
 * Who a site user belongs to, from its comment: undefined when the account is not that
 * site's at all; null for a site user made before the comment named its tenant.
 */
export function commentTenant(comment: string, domain: string): string | null | undefined {
  const prefix = `serein site ${domain}`;
  if (comment === prefix) return null;
  if (!comment.startsWith(`${prefix} `)) return undefined;
  const tenant = comment.slice(prefix.length + 1);
  return TENANT_ID_PATTERN.test(tenant) ? tenant : undefined;
}

/**
 * Whether a site's run may take the existing account `user` (comment as getent read it) for
 * `tenant`: a site user of this domain that is this tenant's, or any of this domain's when the
 * site is already recorded as the tenant's (an update, or one made before the comment named
 * its tenant). Throws the refusal otherwise: another tenant's kept user and files, or an
 * unknown account of that name.
 */
export function claimSiteUser(
  comment: string,
  o: { user: string; domain: string; tenant: string; recorded: boolean },
): void {
  const owner = commentTenant(comment, o.domain);
  if (owner === undefined) throw siteUserTaken(o.domain, `${o.user} exists with comment "${comment}"`);
  if (owner === o.tenant || o.recorded) return;
  throw siteKeptForAnother(
    o.domain,
    `the user ${o.user} (comment "${comment}") and the files it owns were kept when ${owner === null ? 'an earlier site of that name (made before site users named their tenant)' : `tenant ${owner}'s site`} was deleted; ${o.tenant} may not have them. An admin deletes them (give the domain back, create the site again, delete it with its files) or restores them for their owner first`,
  );
}

/** The site's home (root's, its SFTP chroot) and document root in the site-user layout. */
export function siteLayout(webRoot: string, domain: string): { home: string; root: string } {
  const home = posix.join(posix.normalize(webRoot).replace(/\/+$/, ''), domain);
  return { home, root: posix.join(home, PUBLIC_FOLDER) };
}

// useradd and userdel lock /etc/passwd: jobs of one daemon take turns per target; another
// daemon's lock is waited for by retrying (exit 1 or 10: "cannot lock").
const accounts = new Map<string, Mutex>();
const turn = <T>(target: Target, fn: () => Promise<T>) => {
  let m = accounts.get(target.name);
  if (!m) accounts.set(target.name, (m = new Mutex()));
  return m.run(fn);
};

/** Runs an account command, again while another holds the accounts' lock; returns its exit code, 0 or one of `accepted`. */
async function runAccount(
  target: Target,
  argv: string[],
  retryCodes: number[],
  beforeRetry?: (code: number, attempt: number) => Promise<unknown>,
  accepted: number[] = [],
): Promise<number> {
  for (let attempt = 0, delay = 50; ; attempt++, delay = Math.min(delay * 2, 1000)) {
    const r = await target.run(argv, { timeoutMs: 30_000 });
    if (r.code === 0 || accepted.includes(r.code)) return r.code;
    if (!retryCodes.includes(r.code) || attempt >= 12)
      throw siteUserFailed(`${target.name}: ${argv.join(' ')}: exit ${r.code}: ${(r.stderr || r.stdout).trim()}`);
    await beforeRetry?.(r.code, attempt);
    await wait(delay);
  }
}

/**
 * The ids site users and groups are numbered from: not the system range (`useradd -r`, about
 * 900 ids, which a server of a thousand sites exhausts), and above the ids people's own
 * accounts take, so a site's files never belong to a person; room for 100,000 sites.
 */
export const SITE_ID_RANGE = [
  '-K',
  'UID_MIN=200000',
  '-K',
  'UID_MAX=299999',
  '-K',
  'GID_MIN=200000',
  '-K',
  'GID_MAX=299999',
  // No subordinate ids: a user's sub-uid range (65,536 from 100,000 by default) would cover other
  // sites' uids, which newuidmap would then let this site's code become in a user namespace.
  '-K',
  'SUB_UID_COUNT=0',
  '-K',
  'SUB_GID_COUNT=0',
];

/** The account command for a site's user, the same in the plan a dry run shows and in the run. */
export const useraddArgv = (user: string, domain: string, home: string, tenant: string): string[] => [
  'useradd',
  '-M',
  '-U',
  ...SITE_ID_RANGE,
  '-s',
  '/usr/sbin/nologin',
  '-d',
  home,
  '-c',
  userComment(domain, tenant),
  '--',
  user,
];

/** The account's comment, or undefined when no such user exists. */
export async function userCommentOf(target: Target, user: string): Promise<string | undefined> {
  if (!SITE_USER.test(user)) throw new TypeError(`invalid user name ${JSON.stringify(user)}`);
  const r = await target.run(['getent', 'passwd', user]);
  if (r.code === 2) return undefined;
  if (r.code !== 0) throw siteUserFailed(`${target.name}: getent passwd ${user}: exit ${r.code} ${r.stderr.trim()}`);
  return r.stdout.trim().split(':')[4] ?? '';
}

/** useradd's exit code for a name already in use, a user's or (with -U) a group's: nothing was changed. */
const NAME_IN_USE = 9;

/**
 * Makes the site's system user and its group of the same name (no home made, no login
 * shell): 'created', or 'existed' when the site's own user is already there (files kept
 * from an earlier site of that name, the tenant's own: see claimSiteUser). Another
 * account of that name, or another tenant's kept user, is refused. Only useradd takes the
 * accounts' turn on the target (one program, not a look first: useradd refuses a name in
 * use and changes nothing, and the account is read then); a burst of new sites waits on
 * the accounts' lock for as short as it can.
 */
export async function ensureSiteUser(
  target: Target,
  o: { user: string; domain: string; home: string; tenant: string; recorded: boolean },
): Promise<'created' | 'existed'> {
  const code = await turn(target, () =>
    runAccount(target, useraddArgv(o.user, o.domain, o.home, o.tenant), [1, 10], undefined, [NAME_IN_USE]),
  );
  if (code === NAME_IN_USE) {
    const comment = await userCommentOf(target, o.user);
    if (comment === undefined)
      throw siteUserFailed(`${target.name}: useradd ${o.user}: a group of that name exists without its user`);
    claimSiteUser(comment, o);
  }
  // Before the site's code can run: a job it left in cron or at would outlive its site. Under each file's own lock.
  await denyScheduling(target, o.user);
  return code === NAME_IN_USE ? 'existed' : 'created';
}

/**
 * Removes the site's user and its group, only when the account is this site's (its
 * comment says so); absent is done. A pool's last worker may still run as the user for
 * a moment after php-fpm reloaded: userdel is asked again (exit 8, "user in use"), and
 * the user's processes are ended if it stays in use.
 */
export async function removeSiteUser(target: Target, user: string, domain: string): Promise<'removed' | 'absent'> {
  return turn(target, async () => {
    const comment = await userCommentOf(target, user);
    if (comment === undefined) return 'absent';
    if (commentTenant(comment, domain) === undefined)
      throw siteUserTaken(domain, `${user} has comment "${comment}": not removed`);
    // Nothing of the site's may outlive it: its processes, SFTP sessions, crontab and at jobs.
    await endSiteUserAccess(target, user);
    // Still used after a moment (exit 8): an SFTP session, a script the client left running. Its site and files
    // are gone, so its processes end too: one left running as a removed uid would reach the next site given it.
    await runAccount(target, ['userdel', '--', user], [1, 8, 10], (code, attempt) =>
      code === 8 && attempt >= 2 ? target.run(['pkill', '-KILL', '-U', user]) : Promise.resolve(),
    );
    // userdel takes the user's own group along unless something else uses it; never leave it to a new user.
    if ((await target.run(['getent', 'group', user])).code === 0)
      await runAccount(target, ['groupdel', '--', user], [1, 10]);
    await forgetDenied(target, user);
    return 'removed';
  });
}

/** Exit code of the layout script when a folder is already there and not as the layout needs it. */
const IN_USE_EXIT = 4;

/**
 * The site-user layout, made without following links (see src/targets/site-folder.ts):
 * the home <base>/<domain> made root's 0755 (or found so: nobody else may write there,
 * as sshd requires of a chroot), then public inside, the user's and nginx's group's,
 * 2750 (setgid: what the site adds stays readable by nginx and nobody else), with the
 * placeholder page when new. Prints "<home> <public>", each "created" or "existed".
 */
const LAYOUT_SCRIPT = `${WALK}
base=$1 dom=$2 pub=$3 user=$4 group=$5
walk "$base" "$dom" create || fail 2 "could not create $dom"
case " $made " in
  *" $dom "*) chown 0:0 . && chmod 0755 . || fail 2 "cannot open up $here"; home=created ;;
  *) set -- $(stat -c '%u %a' .)
     [ "$1" = 0 ] || fail ${IN_USE_EXIT} "$here is not root's (uid $1): a folder of an earlier site"
     [ $(( 0$2 & 022 )) -eq 0 ] || fail ${IN_USE_EXIT} "$here is writable by group or others (mode $2)"
     home=existed ;;
esac
[ -n "$pub" ] || { echo "$home none"; exit 0; }
made=
walk "$here" "$pub" create || fail 2 "could not create $pub"
case " $made " in
  *" $pub "*)
    # A disk full or read-only halfway: the page and the folder go again (still 0700 and root's), nothing half-made.
    cat > index.html || { rm -f -- index.html; cd -P .. && rmdir -- "$pub"; fail 2 "cannot write the placeholder page"; }
    chmod 0644 index.html && chown -h -- "$user:$group" index.html || fail 2 "cannot give the page to $user"
    chown -- "$user:$group" . && chmod 2750 . || fail 2 "cannot give $here to $user"
    echo "$home created" ;;
  *) [ "$(stat -c %U .)" = "$user" ] || fail ${IN_USE_EXIT} "$here belongs to $(stat -c %U .), not $user"
     echo "$home existed" ;;
esac`;

/**
 * Makes (or finds, as it must be) the site's home and public folder; says what it made.
 * `page: null` makes the home only (a restore then unpacks the public folder itself).
 */
export async function createSiteLayout(
  target: Target,
  o: { webRoot: string; domain: string; user: string; group: string; page: string | null },
): Promise<{ home: boolean; root: boolean }> {
  const base = posix.normalize(o.webRoot).replace(/\/+$/, '');
  for (const n of [o.user, o.group]) if (!SITE_USER.test(n)) throw new TypeError(`invalid name ${n}`);
  if (!/^[a-z0-9.-]+$/.test(o.domain) || o.domain.startsWith('.')) throw new TypeError(`invalid domain ${o.domain}`);
  const r = await target.run(
    [
      'sh',
      '-c',
      LAYOUT_SCRIPT,
      'serein-site-layout',
      base,
      o.domain,
      o.page === null ? '' : PUBLIC_FOLDER,
      o.user,
      o.group,
    ],
    { stdin: o.page ?? '', timeoutMs: 120_000 },
  );
  const said = (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).slice(0, 2000);
  if (r.code === SYMLINK_EXIT) throw new SymlinkRefused(`${target.name}: making the folders of ${o.domain}: ${said}`);
  if (r.code === IN_USE_EXIT) throw siteFolderInUse(o.domain, said);
  if (r.code !== 0) {
    const what = `${target.name}: making the folders of ${o.domain} failed: ${said}`;
    // A disk full or read-only is told as such (src/errors.ts reads it from the text), not as the account's failure.
    if (/No space left on device|Disk quota exceeded|Read-only file system/.test(said)) throw new Error(what);
    throw siteUserFailed(what);
  }
  const [home, root] = r.stdout.trim().split('\n').pop()!.split(' ');
  return { home: home === 'created', root: root === 'created' };
}
