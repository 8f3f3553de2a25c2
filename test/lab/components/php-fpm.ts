/**
 * php-fpm: Debian's php8.2-fpm master, run as root (`-R`) in the foreground, with a folder
 * of pools serein adds one per site (each runs as its site's user) and a base pool of its
 * own (php-fpm starts only with at least one pool).
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { defineComponent, findBinary } from '../shared.ts';

/** LabInfo['phpFpm']: serein's `php` settings for a web server, and the base pool's socket. */
export interface PhpFpmInfo {
  /** argv that runs this php-fpm with its configuration: serein's `php.fpm`; -t is appended to test it. */
  fpm: string[];
  /** Included by the master's configuration (`*.conf`). */
  poolDir: string;
  socketDir: string;
  /** The master's: SIGUSR2 reloads it. */
  pidFile: string;
  /** The lab's own pool (user nobody), proof that the master answers. */
  baseSocket: string;
}

/** PHP for the sites of the lab's nginx. */
export const phpFpm = defineComponent<PhpFpmInfo>({
  packages: { 'php8.2-fpm': ['/usr/sbin/php-fpm8.2'], 'php8.2-mysql': ['/etc/php/8.2/mods-available/mysqli.ini'] },
  needs: [],
  async start(lab) {
    const bin = findBinary('php-fpm8.2');
    const dir = await lab.mkdir('php-fpm');
    const poolDir = await lab.mkdir('php-fpm', 'pool.d');
    const socketDir = await lab.mkdir('php-fpm', 'run');
    const conf = path.join(dir, 'fpm.conf');
    const pidFile = path.join(dir, 'fpm.pid');
    const baseSocket = path.join(socketDir, 'lab.sock');
    await fsp.writeFile(
      conf,
      `; serein test lab
[global]
pid = ${pidFile}
error_log = ${path.join(dir, 'error.log')}
daemonize = no
include = ${poolDir}/*.conf

[lab]
user = nobody
group = nogroup
listen = ${baseSocket}
listen.mode = 0600
pm = ondemand
pm.max_children = 1
`,
    );
    const fpm = [bin, '-R', '-y', conf];
    const proc = lab.spawn('php-fpm', bin, ['-R', '-y', conf, '-F']);
    await lab.waitUntil(
      'php-fpm',
      async () => {
        const [pid, sock] = await Promise.all([
          fsp.readFile(pidFile, 'utf8').catch(() => ''),
          fsp.stat(baseSocket).catch(() => undefined),
        ]);
        return /^\d+/.test(pid.trim()) && !!sock?.isSocket();
      },
      proc,
      [path.join(dir, 'error.log')],
    );
    return { fpm, poolDir, socketDir, pidFile, baseSocket };
  },
});
