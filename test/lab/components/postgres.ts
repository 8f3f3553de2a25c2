/**
 * postgres: PostgreSQL on 127.0.0.1 with a fresh cluster, run as the `postgres` system user
 * (initdb and postgres refuse root), scram-sha-256 over TCP, trust on the socket.
 */
import { spawnSync, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { defineComponent, freePort, tcpProbe } from '../shared.ts';

/** LabInfo['postgres']: where to connect, as the postgres superuser. */
export interface PostgresInfo {
  host: string;
  port: number;
  socketDir: string;
  user: string;
  password: string;
}

function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(base);
  } catch {
    /* none */
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(base, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'postgres'))) return bin;
  }
  throw new Error('lab: no /usr/lib/postgresql/*/bin/initdb found; run "bash test/lab/setup.sh"');
}

function systemUser(name: string): { uid: number; gid: number; home: string } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`lab: system user "${name}" does not exist`);
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
}

/** A PostgreSQL server for the database operations. */
export const postgres = defineComponent<PostgresInfo>({
  packages: { postgresql: ['/usr/lib/postgresql/*/bin/initdb'], 'util-linux': ['/usr/bin/ipcs'] },
  needs: [],
  async start(lab) {
    const bin = postgresBinDir();
    const pgUser = systemUser('postgres');
    const dir = await lab.mkdir('postgres');
    await fsp.chown(dir, pgUser.uid, pgUser.gid);
    await fsp.chmod(dir, 0o755);
    const datadir = path.join(dir, 'data');
    const password = randomBytes(12).toString('hex');
    const pwfile = path.join(dir, 'pwfile');
    await fsp.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    await fsp.chown(pwfile, pgUser.uid, pgUser.gid);
    // Node's uid/gid options, not runuser (which stays the parent, is slow to stop and relays signals badly)
    const asPostgres: SpawnOptions = {
      uid: pgUser.uid,
      gid: pgUser.gid,
      cwd: dir,
      env: { ...process.env, HOME: dir, USER: 'postgres', LOGNAME: 'postgres', LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
    };
    try {
      await lab.run(
        'initdb',
        path.join(bin, 'initdb'),
        [
          '-D',
          datadir,
          '-U',
          'postgres',
          `--pwfile=${pwfile}`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '-E',
          'UTF8',
          '--locale=C.UTF-8',
          '--no-sync',
          '--no-instructions',
        ],
        asPostgres,
      );
    } finally {
      await fsp.rm(pwfile, { force: true });
    }
    const port = await freePort();
    const proc = lab.spawn(
      'postgres',
      path.join(bin, 'postgres'),
      [
        '-D',
        datadir,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=32MB',
        '-c',
        'dynamic_shared_memory_type=mmap',
        '-c',
        'unix_socket_permissions=0777',
      ],
      {
        ...asPostgres,
        stopSignal: 'SIGINT', // fast shutdown: SIGTERM ("smart") would wait for every client to disconnect
        emergencySignal: 'SIGQUIT', // immediate shutdown, from the synchronous exit handler
      },
    );
    await lab.waitUntil(
      'postgres',
      async () =>
        /ready to accept connections/.test(proc.output()) && (await tcpProbe('127.0.0.1', port, false)) !== null,
      proc,
    );
    return { host: '127.0.0.1', port, socketDir: dir, user: 'postgres', password };
  },

  /** A postgres that had to be SIGKILLed leaves its SysV segment behind (key = inode of the data folder). */
  afterStop(lab) {
    let ino: number;
    try {
      ino = fs.statSync(path.join(lab.dir, 'postgres', 'data')).ino;
    } catch {
      return;
    }
    const key = `0x${(ino % 2 ** 32).toString(16).padStart(8, '0')}`;
    const r = spawnSync('ipcs', ['-m'], { encoding: 'utf8' });
    for (const line of (r.stdout ?? '').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[0] === key && f[5] === '0' && f[1]) spawnSync('ipcrm', ['-m', f[1]], { stdio: 'ignore' });
    }
  },

  shellCleanup: {
    // a postgres killed hard leaves its SysV segment (key = inode of the data folder, nattch 0)
    afterKill: String.raw`
pgino=$(stat -c %i "$dir/postgres/data" 2>/dev/null)
if [ -n "$pgino" ]; then
  key=$(printf '0x%08x' $(( pgino & 0xffffffff )))
  ipcs -m 2>/dev/null | while read -r k id _ _ _ nattch _; do
    [ "$k" = "$key" ] && [ "$nattch" = 0 ] && ipcrm -m "$id" 2>/dev/null
  done
fi
`,
  },
});
