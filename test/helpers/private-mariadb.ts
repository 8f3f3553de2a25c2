import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { PrivatePostgres } from './private-postgres.js';
import { freePort } from './process.js';
import { tempDir } from './tmp.js';

const accepts = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), ok(true)));
    s.once('error', () => ok(false));
  });

/**
 * A MariaDB of this test file's own (the shared lab's must never be stopped), root with a
 * random password over TCP, which a test can stop (a normal shutdown, SIGTERM) and start
 * again on the same port and data. Same shape as PrivatePostgres.
 */
export async function startPrivateMariadb(): Promise<PrivatePostgres> {
  const dir = tempDir('serein-maria-');
  const data = join(dir, 'data');
  mkdirSync(join(dir, 'tmp'));
  const password = randomBytes(12).toString('hex');
  const init = join(dir, 'init.sql');
  const host = hostname().replace(/'/g, "''");
  writeFileSync(
    init,
    ['FLUSH PRIVILEGES;', ...['localhost', '127.0.0.1', '::1'].map((h) => `ALTER USER 'root'@'${h}' IDENTIFIED BY '${password}';`), host && host !== 'localhost' ? `DROP USER IF EXISTS 'root'@'${host}';` : '', ''].join('\n'),
    { mode: 0o600 },
  );
  const opts = [`--tmpdir=${join(dir, 'tmp')}`, '--skip-log-bin', '--skip-name-resolve', '--skip-performance-schema', '--innodb-buffer-pool-size=16M', '--innodb-log-file-size=8M', '--loose-feedback=OFF'];
  const made = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db', `--extra-file=${init}`, ...opts], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mariadb-install-db: ${made.stderr}`);
  rmSync(init);
  const port = await freePort();
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const onExit = () => proc?.exitCode === null && proc.kill('SIGKILL');
  process.on('exit', onExit);
  const start = async () => {
    let out = '';
    proc = spawn('mariadbd', ['--no-defaults', `--datadir=${data}`, `--socket=${join(dir, 'mysqld.sock')}`, `--port=${port}`, '--bind-address=127.0.0.1', '--user=root', `--pid-file=${join(dir, 'mariadbd.pid')}`, ...opts], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b) => (out += b));
    proc.stderr!.on('data', (b) => (out += b));
    const p = proc;
    exited = new Promise((r) => p.once('exit', () => r()));
    for (let delay = 10; !(/ready for connections/.test(out) && (await accepts(port))); delay = Math.min(delay * 2, 200)) {
      if (p.exitCode !== null) throw new Error(`mariadbd did not start: ${out}`);
      await new Promise((r) => setTimeout(r, delay));
    }
  };
  const stop = async () => {
    if (proc?.exitCode === null) {
      proc.kill('SIGTERM');
      await exited;
    }
  };
  await start();
  return {
    host: '127.0.0.1',
    port,
    user: 'root',
    password,
    running: () => proc?.exitCode === null,
    stop,
    start,
    remove: async () => {
      await stop();
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
