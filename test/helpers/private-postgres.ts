import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { freePort } from './process.js';
import { tempDir } from './tmp.js';

/**
 * A PostgreSQL of this test file's own (the shared lab's must never be stopped): a fresh
 * cluster as the `postgres` system user, trust over TCP on 127.0.0.1, which a test can stop
 * (fast shutdown, as `pg_ctl stop` does) and start again on the same port and data.
 */
export interface PrivatePostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  running(): boolean;
  /** Fast shutdown (SIGINT): sessions are cut, the server exits. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  remove(): Promise<void>;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const v = readdirSync(base).sort((a, b) => Number(b) - Number(a)).find((x) => existsSync(join(base, x, 'bin', 'initdb')));
  if (!v) throw new Error('no PostgreSQL found under /usr/lib/postgresql (run bash test/lab/setup.sh)');
  return join(base, v, 'bin');
}

function postgresUser(): { uid: number; gid: number } {
  const f = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))!.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

const accepts = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), ok(true)));
    s.once('error', () => ok(false));
  });

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const who = postgresUser();
  const dir = tempDir('serein-pg-');
  chmodSync(dir, 0o755);
  chownSync(dir, who.uid, who.gid);
  const data = join(dir, 'data');
  const as = { uid: who.uid, gid: who.gid, cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LC_ALL: 'C.UTF-8' } };
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'], { ...as, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb: ${init.stderr}`);
  mkdirSync(join(dir, 'sock'));
  chownSync(join(dir, 'sock'), who.uid, who.gid);
  const port = await freePort();
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const onExit = () => proc?.exitCode === null && proc.kill('SIGQUIT');
  process.on('exit', onExit);

  const start = async () => {
    let out = '';
    proc = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', join(dir, 'sock'), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=16MB', '-c', 'dynamic_shared_memory_type=mmap'], { ...as, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b) => (out += b));
    proc.stderr!.on('data', (b) => (out += b));
    const p = proc;
    exited = new Promise((r) => p.once('exit', () => r()));
    for (let delay = 10; !(/ready to accept connections/.test(out) && (await accepts(port))); delay = Math.min(delay * 2, 200)) {
      if (p.exitCode !== null) throw new Error(`postgres did not start: ${out}`);
      await new Promise((r) => setTimeout(r, delay));
    }
  };
  const stop = async () => {
    if (proc?.exitCode === null) {
      proc.kill('SIGINT');
      await exited;
    }
  };
  await start();
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'trust-needs-none',
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
