import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type PrivateDatabase } from './private-database.js';
import { freePort } from './process.js';
import { tempDir } from './tmp.js';

/**
 * A MariaDB of this test file's own (the shared lab's must never be stopped), root with a
 * random password over TCP, which a test can stop (a normal shutdown, SIGTERM) and start
 * again on the same port and data.
 */
export async function startPrivateMariadb(): Promise<PrivateDatabase> {
  const dir = tempDir('serein-maria-');
  const data = join(dir, 'data');
  mkdirSync(join(dir, 'tmp'));
  const password = randomBytes(12).toString('hex');
  const init = join(dir, 'init.sql');
  const host = hostname().replace(/'/g, "''");
  writeFileSync(
    init,
    [
      'FLUSH PRIVILEGES;',
      ...['localhost', '127.0.0.1', '::1'].map((h) => `ALTER USER 'root'@'${h}' IDENTIFIED BY '${password}';`),
      host && host !== 'localhost' ? `DROP USER IF EXISTS 'root'@'${host}';` : '',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const opts = [
    `--tmpdir=${join(dir, 'tmp')}`,
    '--skip-log-bin',
    '--skip-name-resolve',
    '--skip-performance-schema',
    '--innodb-buffer-pool-size=16M',
    '--innodb-log-file-size=8M',
    '--loose-feedback=OFF',
  ];
  const made = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${data}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      `--extra-file=${init}`,
      ...opts,
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`mariadb-install-db: ${made.stderr}`);
  rmSync(init);
  const port = await freePort();
  const server = await startServerProcess({
    name: 'mariadbd',
    command: 'mariadbd',
    args: [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--user=root',
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      ...opts,
    ],
    port,
    ready: /ready for connections/,
    stopSignal: 'SIGTERM',
    exitSignal: 'SIGKILL',
    dir,
  });
  return { host: '127.0.0.1', port, user: 'root', password, ...server };
}
