/**
 * mariadb: `mariadbd` on 127.0.0.1 with a fresh datadir made by `mariadb-install-db`, root with a
 * random password (over TCP and the socket).
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { defineComponent, findBinary, freePort, tcpProbe } from '../shared.ts';

/** LabInfo['mariadb']: where to connect, as root. */
export interface MariadbInfo {
  host: string;
  port: number;
  socket: string;
  user: string;
  password: string;
}

/** A MariaDB server for the database operations. */
export const mariadb = defineComponent<MariadbInfo>({
  packages: { 'mariadb-server': ['/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db'] },
  needs: [],
  async start(lab) {
    const installDb = findBinary('mariadb-install-db');
    const mariadbd = findBinary('mariadbd');
    const dir = await lab.mkdir('mariadb');
    const datadir = path.join(dir, 'data');
    const tmpdir = await lab.mkdir('mariadb', 'tmp');
    const socket = path.join(dir, 'mysqld.sock');
    const password = randomBytes(12).toString('hex');
    const host = os.hostname().replace(/'/g, "''");
    const initSql = path.join(dir, 'init.sql');
    // bootstrap runs with --skip-grant-tables; FLUSH PRIVILEGES loads them so ALTER USER works
    await fsp.writeFile(
      initSql,
      [
        'FLUSH PRIVILEGES;',
        `ALTER USER 'root'@'localhost' IDENTIFIED BY '${password}';`,
        `ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '${password}';`,
        `ALTER USER 'root'@'::1' IDENTIFIED BY '${password}';`,
        host && host !== 'localhost' ? `DROP USER IF EXISTS 'root'@'${host}';` : '',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const serverOpts = [
      `--tmpdir=${tmpdir}`,
      '--skip-log-bin',
      '--skip-name-resolve',
      '--skip-performance-schema',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      '--innodb-fast-shutdown=2',
      '--innodb-buffer-pool-dump-at-shutdown=0',
      '--innodb-buffer-pool-load-at-startup=0',
      '--loose-feedback=OFF',
    ];
    await lab.run('mariadb-install-db', installDb, [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      `--extra-file=${initSql}`,
      ...serverOpts,
    ]);
    await fsp.rm(initSql, { force: true });
    const port = await freePort();
    const proc = lab.spawn('mariadbd', mariadbd, [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--user=root',
      `--pid-file=${path.join(dir, 'mariadbd.pid')}`,
      '--max-connections=300',
      ...serverOpts,
    ]);
    // MySQL protocol: the server speaks first; a greeting means the accept loop is serving.
    await lab.waitUntil(
      'mariadbd',
      async () =>
        /ready for connections/.test(proc.output()) && ((await tcpProbe('127.0.0.1', port, true))?.length ?? 0) > 0,
      proc,
    );
    return { host: '127.0.0.1', port, socket, user: 'root', password };
  },
});
