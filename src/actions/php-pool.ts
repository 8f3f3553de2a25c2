import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { PhpConfig } from '../config/sites.js';
import type { Target } from '../targets/target.js';
import { Mutex } from '../util/concurrency.js';
import { phpRejected, phpReloadFailed, siteUserFailed } from './vhost-errors.js';
import { SITE_USER } from './site-user.js';

// A site's PHP: one php-fpm pool per site, running as the site's own user, confined by
// open_basedir to the site's home, its socket usable by nginx's worker only.

/** Answered by the pool itself (php-fpm's ping.path) through the site's nginx: the probe that PHP runs. */
export const PHP_PING_PATH = '/.well-known/serein-php-ping';

/** Characters every value written into a pool file is made of: nothing php-fpm's ini reader treats specially. */
const SAFE_VALUE = /^[A-Za-z0-9._/-]+$/;

/** The pool's file (one per site, so a site's change never rewrites another's) and its socket. */
export function poolPaths(php: PhpConfig, user: string): { file: string; socket: string } {
  if (!SITE_USER.test(user)) throw new TypeError(`invalid user name ${JSON.stringify(user)}`);
  return { file: posix.join(php.poolDir, `serein-${user}.conf`), socket: posix.join(php.socketDir, `${user}.sock`) };
}

/** A fresh token per rendering: the probe proves that this very pool answers. */
export const newPingToken = () => `serein-php-${randomBytes(8).toString('hex')}`;

/** The pool file of a site. Every value is derived and checked; none comes from the client as typed. */
export function renderPool(
  php: PhpConfig,
  o: { user: string; home: string; domain: string; tenant: string; token: string },
): string {
  const { socket } = poolPaths(php, o.user);
  for (const v of [o.home, o.domain, o.tenant, o.token, socket, php.listenOwner])
    if (!SAFE_VALUE.test(v)) throw new TypeError(`unsafe value for a php-fpm pool: ${JSON.stringify(v)}`);
  return [
    `; Managed by serein for ${o.tenant}: ${o.domain}. Written again on each change: edit nothing here.`,
    `[serein-${o.user}]`,
    `user = ${o.user}`,
    `group = ${o.user}`,
    `listen = ${socket}`,
    `listen.owner = ${php.listenOwner}`,
    'listen.mode = 0600',
    'pm = ondemand',
    'pm.max_children = 5',
    'pm.process_idle_timeout = 10s',
    `ping.path = ${PHP_PING_PATH}`,
    `ping.response = ${o.token}`,
    'chdir = /',
    'security.limit_extensions = .php',
    // The site's own folder only: its scripts cannot open another site's files, even one left readable.
    `php_admin_value[open_basedir] = ${o.home}/`,
    // Its temporary files and sessions in its own folders (./php-pool.ts PHP_FOLDERS), inside open_basedir:
    // never in the shared /tmp, where they would outlive the site's user and be seen by others.
    `php_admin_value[upload_tmp_dir] = ${o.home}/tmp`,
    `php_admin_value[sys_temp_dir] = ${o.home}/tmp`,
    `php_admin_value[session.save_path] = ${o.home}/sessions`,
    `env[TMPDIR] = ${o.home}/tmp`,
    'php_admin_flag[allow_url_include] = off',
    '',
  ].join('\n');
}

/** The site's folders for PHP's temporary files and its sessions, in its home: the user's, 0700, never served. */
export const PHP_FOLDERS = ['tmp', 'sessions'];

// In the home (root's 0755: the site's user cannot put a link there), each folder made or found as it must be;
// prints those it made.
const PHP_FOLDERS_SCRIPT = `home=$1 user=$2
shift 2
cd -P -- "$home" || exit 2
for d; do
  if [ -L "$d" ] || { [ -e "$d" ] && [ ! -d "$d" ]; }; then echo "$home/$d is not a folder" >&2; exit 2; fi
  if [ ! -d "$d" ]; then mkdir -m 0700 -- "$d" || exit 2; echo "$d"; fi
  chown -h -- "$user:$user" "$d" && chmod 0700 "$d" || exit 2
done`;

/** Makes (or finds) the site's PHP_FOLDERS; returns the paths of those it made, for the undo. */
export async function ensurePhpFolders(target: Target, home: string, user: string): Promise<string[]> {
  if (!SITE_USER.test(user) || !SAFE_VALUE.test(home)) throw new TypeError(`invalid site ${user} ${home}`);
  const r = await target.run(['sh', '-c', PHP_FOLDERS_SCRIPT, 'serein-php-folders', home, user, ...PHP_FOLDERS]);
  if (r.code !== 0) throw siteUserFailed(`${target.name}: the PHP folders of ${user} in ${home}: ${said(r)}`);
  return r.stdout
    .split('\n')
    .filter((d) => PHP_FOLDERS.includes(d))
    .map((d) => posix.join(home, d));
}

/** A pool file as it was before a change (content undefined: there was none), for the undo. */
export interface PreviousPool {
  path: string;
  content?: string;
}

// One php-fpm configuration is tested and reloaded by one job at a time (per target and pool folder).
const locks = new Map<string, Mutex>();
const lockOf = (target: Target, php: PhpConfig) => {
  const key = `${target.name}\0${php.poolDir}`;
  let m = locks.get(key);
  if (!m) locks.set(key, (m = new Mutex()));
  return m;
};

const said = (r: { code: number; stdout: string; stderr: string }) =>
  `exit ${r.code}: ${(r.stderr.trim() || r.stdout.trim()).slice(0, 2000)}`;

/** Reloads php-fpm gracefully: the configured argv, else SIGUSR2 to the pid file's master, else systemd. */
async function reloadFpm(target: Target, php: PhpConfig): Promise<void> {
  let argv = php.reload;
  if (!argv && php.pidFile) {
    const pid = (await target.readFile(php.pidFile))?.toString('utf8').trim() ?? '';
    if (!/^[1-9][0-9]{0,9}$/.test(pid)) throw phpReloadFailed(`${php.pidFile} holds no pid: ${JSON.stringify(pid)}`);
    argv = ['kill', '-USR2', pid];
  }
  argv ??= ['systemctl', 'reload', 'php8.2-fpm'];
  const r = await target.run(argv);
  if (r.code !== 0) throw phpReloadFailed(`${argv.join(' ')}: ${said(r)}`);
}

/**
 * Writes (content) or removes (null) one pool file, tests php-fpm's whole configuration
 * (`-t`), then reloads it. The previous file is handed to `onPrevious` before anything is
 * written (the caller's checkpoint). A refused test puts the previous file back (the refused
 * one kept as `<file>.rejected` for the admin) and reloads nothing; a failed reload puts it
 * back and reloads again.
 */
export async function applyPool(
  target: Target,
  php: PhpConfig,
  change: { path: string; content: string | null },
  o: { onPrevious: (p: PreviousPool) => Promise<void>; log: (m: string) => void },
): Promise<void> {
  await lockOf(target, php).run(async () => {
    const before = (await target.readFile(change.path))?.toString('utf8');
    await o.onPrevious({ path: change.path, ...(before !== undefined ? { content: before } : {}) });
    if (before === (change.content ?? undefined)) return;
    await put(target, change.path, change.content);
    const test = await target.run([...php.fpm, '-t']);
    if (test.code !== 0) {
      if (change.content !== null) await target.writeFile(`${change.path}.rejected`, change.content, { mode: 0o640 });
      await put(target, change.path, before ?? null);
      throw phpRejected(`${[...php.fpm, '-t'].join(' ')}: ${said(test)}`);
    }
    try {
      await reloadFpm(target, php);
    } catch (err) {
      await put(target, change.path, before ?? null);
      await reloadFpm(target, php).catch(() => undefined);
      throw err;
    }
    o.log(`${change.content === null ? 'removed' : 'wrote'} ${change.path}; php-fpm tested and reloaded`);
  });
}

async function put(target: Target, path: string, content: string | null): Promise<void> {
  if (content === null) await target.remove(path);
  // Read by php-fpm's master (root) only: a site's user has no business reading whose sites share the server.
  else await target.writeFile(path, content, { mode: 0o640 });
}

/** Undo of applyPool: the previous file back, php-fpm reloaded when something changed. */
export async function restorePool(target: Target, php: PhpConfig, previous: PreviousPool): Promise<void> {
  await lockOf(target, php).run(async () => {
    const now = (await target.readFile(previous.path))?.toString('utf8');
    if (now === previous.content) return;
    await put(target, previous.path, previous.content ?? null);
    await reloadFpm(target, php);
  });
}
