import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServerProcess, type PrivateDatabase } from './private-database.js';
import { freePort } from './process.js';
import { tempDir } from './tmp.js';

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const v = readdirSync(base)
    .sort((a, b) => Number(b) - Number(a))
    .find((x) => existsSync(join(base, x, 'bin', 'initdb')));
  if (!v) throw new Error('no PostgreSQL found under /usr/lib/postgresql (run bash test/lab/setup.sh)');
  return join(base, v, 'bin');
}

function postgresUser(): { uid: number; gid: number } {
  const f = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'))!
    .split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/**
 * A PostgreSQL of this test file's own (the shared lab's must never be stopped): a fresh
 * cluster as the `postgres` system user, trust over TCP on 127.0.0.1, which a test can stop
 * (fast shutdown, SIGINT, as `pg_ctl stop` does) and start again on the same port and data.
 */
export async function startPrivatePostgres(): Promise<PrivateDatabase> {
  const bin = binDir();
  const who = postgresUser();
  const dir = tempDir('serein-pg-');
  chmodSync(dir, 0o755);
  chownSync(dir, who.uid, who.gid);
  const data = join(dir, 'data');
  const as = {
    uid: who.uid,
    gid: who.gid,
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LC_ALL: 'C.UTF-8' },
  };
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'],
    { ...as, encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`initdb: ${init.stderr}`);
  mkdirSync(join(dir, 'sock'));
  chownSync(join(dir, 'sock'), who.uid, who.gid);
  const port = await freePort();
  const server = await startServerProcess({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args: [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      join(dir, 'sock'),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'shared_buffers=16MB',
      '-c',
      'dynamic_shared_memory_type=mmap',
    ],
    options: as,
    port,
    ready: /ready to accept connections/,
    stopSignal: 'SIGINT',
    exitSignal: 'SIGQUIT',
    dir,
  });
  return { host: '127.0.0.1', port, user: 'postgres', password: 'trust-needs-none', ...server };
}
