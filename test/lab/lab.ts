/**
 * The test lab: real servers on loopback, free ports, one temporary folder per lab.
 *
 *   const lab = await startLab(['pebble', 'sshd']);   // dependencies (dns, nginx) come along
 *   await lab.ensure(['postgres']);                     // grow it later
 *   await lab.stop();                                   // kills every process by pid, removes the folder
 *
 * Nothing here is shared between labs: every file lives under `<os.tmpdir()>/serein-lab-XXXXXX`.
 * Three layers make sure nothing is left behind:
 *   1. stop(): graceful stop of every process (then SIGKILL), podman containers removed, folder removed;
 *   2. a process 'exit' handler that SIGKILLs the children synchronously and runs the cleanup script
 *      synchronously (this is what runs when vitest is interrupted with Ctrl-C / SIGTERM);
 *   3. a detached watchdog (bash) holding a pipe to this process: when this process dies without
 *      cleaning up (SIGKILL, crash), the pipe closes and the watchdog runs the same cleanup script.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Writable } from 'node:stream';

export type Component = 'dns' | 'pebble' | 'nginx' | 'sshd' | 'mariadb' | 'postgres' | 'podman';

export const ALL_COMPONENTS: readonly Component[] = ['dns', 'pebble', 'nginx', 'sshd', 'mariadb', 'postgres', 'podman'];

export interface LabInfo {
  /** pebble-challtestsrv: DNS on host:port (udp+tcp), management API (POST JSON /add-a, /set-txt, ...). */
  dns?: { host: string; port: number; managementUrl: string };
  pebble?: {
    directoryUrl: string;
    /** HTTPS, same certificate as the API; `/roots/0` is the issuing root. */
    managementUrl: string;
    /** PEM of the self-signed TLS certificate pebble's HTTPS API (and management API) use. */
    caCertPath: string;
    /** Port pebble validates http-01 against (= nginx.port). */
    httpPort: number;
  };
  nginx?: {
    binary: string;
    prefix: string;
    confPath: string;
    /** Included inside http{} as vhostDir/*.conf; reload with `kill -HUP <pid from pidFile>`. */
    vhostDir: string;
    /** Listens on 127.0.0.1:port and [::1]:port (default_server, 200 on `/`). */
    port: number;
    /** Free on 127.0.0.1 and ::1; nothing listens there until a vhost does. */
    tlsPort: number;
    pidFile: string;
    /** Root of the default server; /.well-known/acme-challenge/ is served from webRoot/.well-known/acme-challenge. */
    webRoot: string;
  };
  sshd?: { host: string; port: number; username: string; privateKeyPath: string; hostKeySha256: string };
  mariadb?: { host: string; port: number; socket: string; user: string; password: string };
  postgres?: { host: string; port: number; socketDir: string; user: string; password: string };
  podman?: { socketPath: string; image: string; container: string };
}

export interface Lab extends LabInfo {
  /** The lab's temporary folder (removed by stop()). */
  readonly dir: string;
  /** Milliseconds each component took to become ready (including its own setup, excluding waiting for dependencies). */
  readonly timings: Partial<Record<Component, number>>;
  /** Start the given components (and their dependencies) if not started yet; concurrent-safe. */
  ensure(components: readonly Component[]): Promise<LabInfo>;
  /** JSON-safe snapshot of the started components. */
  info(): LabInfo;
  stop(): Promise<void>;
}

export async function startLab(components: readonly Component[]): Promise<Lab> {
  const lab = await LabImpl.create();
  try {
    await lab.ensure(components);
  } catch (err) {
    await lab.stop().catch(() => undefined);
    throw err;
  }
  return lab;
}

// ---------------------------------------------------------------------------------------------
// constants

const DEPENDENCIES: Record<Component, Component[]> = {
  dns: [],
  nginx: [],
  pebble: ['dns', 'nginx'],
  sshd: [],
  mariadb: [],
  postgres: [],
  podman: [],
};

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const IMAGE = 'localhost/serein-lab:latest';

/**
 * Cleanup run by the exit handler (synchronously) and by the watchdog (after this process died).
 * $1 = the lab folder. Removes the podman containers, stops every process whose command line
 * mentions the folder, unmounts what podman left mounted, removes leftover cgroups, removes the folder.
 */
const CLEANUP_SCRIPT = String.raw`
set +e
dir=$1
case "$dir" in /*/serein-lab-*) ;; *) exit 0 ;; esac
[ -d "$dir" ] || exit 0
pm="$dir/podman"
ids=$(ls "$pm/storage/vfs-containers" 2>/dev/null)
cpids=""
for s in "$pm"/runc/*/state.json; do
  [ -f "$s" ] || continue
  p=$(grep -o '"init_process_pid":[0-9]*' "$s" | grep -o '[0-9]*$')
  [ -n "$p" ] && cpids="$cpids $p"
done
if [ -f "$pm/containers.conf" ] && command -v podman >/dev/null 2>&1; then
  CONTAINERS_CONF="$pm/containers.conf" CONTAINERS_STORAGE_CONF="$pm/storage.conf" TMPDIR="$pm/tmp" \
    timeout 20 podman --runtime-flag "root=$pm/runc" rm -a -f -t 0 >/dev/null 2>&1
fi
for p in $cpids; do
  grep -qs 'libpod-' "/proc/$p/cgroup" && kill -KILL "$p" 2>/dev/null
done
pgino=$(stat -c %i "$dir/postgres/data" 2>/dev/null)
self=$$
list() {
  local f p
  for f in /proc/[0-9]*/cmdline; do
    p=\${f#/proc/}; p=\${p%/cmdline}
    [ "$p" = "$self" ] && continue
    mapfile -d '' -t a < "$f" 2>/dev/null || continue
    case " \${a[*]} " in *"$dir/"*) echo "$p" ;; esac
  done
}
pids=$(list)
if [ -n "$pids" ]; then
  kill -TERM $pids 2>/dev/null
  for i in $(seq 40); do
    alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  [ -n "$alive" ] && kill -KILL $alive 2>/dev/null
fi
# a postgres killed hard leaves its SysV segment (key = inode of the data folder, nattch 0)
if [ -n "$pgino" ]; then
  key=$(printf '0x%08x' $(( pgino & 0xffffffff )))
  ipcs -m 2>/dev/null | while read -r k id _ _ _ nattch _; do
    [ "$k" = "$key" ] && [ "$nattch" = 0 ] && ipcrm -m "$id" 2>/dev/null
  done
fi
mps=""
while read -r _ _ _ _ mp _; do case "$mp" in "$dir"/*) mps="$mp $mps" ;; esac; done < /proc/self/mountinfo
for mp in $mps; do umount -l "$mp" 2>/dev/null; done
for id in $ids; do
  for c in /sys/fs/cgroup/*/libpod_parent/libpod-"$id" /sys/fs/cgroup/libpod_parent/libpod-"$id"; do
    [ -d "$c" ] && rmdir "$c" 2>/dev/null
  done
done
rm -rf "$dir"
`.replace(/\\\$\{/g, '${');

const WATCHDOG_SCRIPT = `cat >/dev/null 2>&1\n${CLEANUP_SCRIPT}`;

// ---------------------------------------------------------------------------------------------
// small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  throw new Error(`lab: binary "${name}" not found; run "bash test/lab/setup.sh" (or npm test) to install the lab packages`);
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

const handedOutPorts = new Set<number>();

function listenOnce(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ host, port, exclusive: true }, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => resolve(p));
    });
  });
}

function bindUdpOnce(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind({ address: host, port, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 (tcp), and optionally on ::1 (tcp) and 127.0.0.1 (udp) too. */
export async function freePort(opts: { ipv6?: boolean; udp?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await listenOnce('127.0.0.1', 0);
    if (port === null || handedOutPorts.has(port)) continue;
    if (opts.ipv6 && (await listenOnce('::1', port)) === null) continue;
    if (opts.udp && !(await bindUdpOnce('127.0.0.1', port))) continue;
    handedOutPorts.add(port);
    return port;
  }
  throw new Error('lab: could not find a free port');
}

function tcpProbe(host: string, port: number, wantBytes: boolean, timeoutMs = 1000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let done = false;
    const finish = (v: Buffer | null) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      sock.destroy();
      resolve(v);
    };
    const t = setTimeout(() => finish(null), timeoutMs);
    sock.once('error', () => finish(null));
    sock.once('connect', () => {
      if (!wantBytes) finish(Buffer.alloc(0));
    });
    sock.once('data', (d: Buffer) => finish(d));
  });
}

interface HttpResult {
  status: number;
  body: string;
}

function httpRequest(
  url: string,
  opts: { method?: string; ca?: string | Buffer; socketPath?: string; body?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      {
        hostname: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        socketPath: opts.socketPath,
        ca: opts.ca,
        agent: false,
        headers: opts.body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 2000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

function processCmdline(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids (other than ours) whose command line mentions `${dir}/`. */
function pidsReferencing(dir: string): number[] {
  const out: number[] = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const pid = Number(ent);
    if (pid === process.pid) continue;
    const cmd = processCmdline(pid);
    if (cmd && cmd.includes(`${dir}/`)) out.push(pid);
  }
  return out;
}

async function killPids(pids: number[], graceMs: number): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + graceMs;
  let delay = 10;
  while (pids.some(pidAlive) && Date.now() < deadline) {
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
  for (const pid of pids.filter(pidAlive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

// ---------------------------------------------------------------------------------------------
// processes

const TAIL_BYTES = 16 * 1024;

class Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<void>;
  /** Resolves when stdout and stderr are closed (may never happen if a daemonized grandchild keeps them). */
  readonly closed: Promise<void>;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  private out = '';
  private spawnError: Error | null = null;
  private isExited = false;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    opts: SpawnOptions,
    readonly stopSignal: NodeJS.Signals = 'SIGTERM',
  ) {
    this.child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (d: Buffer) => {
      this.out += d.toString('utf8');
      if (this.out.length > TAIL_BYTES * 2) this.out = this.out.slice(-TAIL_BYTES);
    };
    this.child.stdout?.on('data', append);
    this.child.stderr?.on('data', append);
    this.exited = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        this.isExited = true;
        resolve();
      });
      this.child.once('error', (err) => {
        this.spawnError = err;
        if (this.child.pid === undefined) {
          this.isExited = true;
          resolve();
        }
      });
    });
    this.closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.pid = this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !this.isExited && this.pid > 0;
  }

  output(): string {
    return this.out;
  }

  tail(lines = 25): string {
    return this.out.trimEnd().split('\n').slice(-lines).join('\n');
  }

  describeExit(): string {
    if (this.spawnError) return `${this.name} failed to start: ${this.spawnError.message}`;
    return `${this.name} exited (code ${this.exitCode}, signal ${this.exitSignal})`;
  }

  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.alive) return;
    try {
      process.kill(this.pid, this.stopSignal);
    } catch {
      /* gone */
    }
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const outcome = await Promise.race([this.exited.then(() => 'exited' as const), t]);
    clearTimeout(timer);
    if (outcome === 'timeout' && this.alive) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await this.exited;
    }
  }

  killSync(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.alive) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      /* gone */
    }
  }
}

// ---------------------------------------------------------------------------------------------
// crash safety: exit handler + watchdog

const liveLabs = new Set<LabImpl>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const lab of liveLabs) lab.emergencyCleanupSync();
  });
}

// ---------------------------------------------------------------------------------------------
// the lab

interface PodmanCtx {
  env: NodeJS.ProcessEnv;
  globalArgs: string[];
  base: string;
}

class LabImpl implements Lab {
  dns?: LabInfo['dns'];
  pebble?: LabInfo['pebble'];
  nginx?: LabInfo['nginx'];
  sshd?: LabInfo['sshd'];
  mariadb?: LabInfo['mariadb'];
  postgres?: LabInfo['postgres'];
  podman?: LabInfo['podman'];
  readonly timings: Partial<Record<Component, number>> = {};

  private readonly procs = new Set<Proc>();
  private readonly starting = new Map<Component, Promise<void>>();
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private watchdog: ChildProcess | null = null;
  private podmanCtx: PodmanCtx | null = null;
  /** ids of the containers podmanCleanup() removed (their cgroups are removed after) */
  private podmanIds: string[] = [];

  private constructor(readonly dir: string) {}

  static async create(): Promise<LabImpl> {
    // realpath: os.tmpdir() may be a symlink; command lines must mention the real path for the sweep.
    const dir = await fsp.mkdtemp(path.join(fs.realpathSync(os.tmpdir()), 'serein-lab-'));
    await fsp.chmod(dir, 0o755); // postgres runs as its own user and must traverse it
    const lab = new LabImpl(dir);
    installExitHandler();
    liveLabs.add(lab);
    lab.startWatchdog();
    return lab;
  }

  private startWatchdog(): void {
    const wd = spawn('bash', ['-c', WATCHDOG_SCRIPT, 'serein-lab-watchdog', this.dir], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    wd.on('error', () => undefined);
    wd.unref();
    const stdin = wd.stdin as (Writable & { unref?: () => void }) | null;
    stdin?.on('error', () => undefined);
    stdin?.unref?.();
    this.watchdog = wd;
  }

  info(): LabInfo {
    const info: LabInfo = {};
    if (this.dns) info.dns = { ...this.dns };
    if (this.pebble) info.pebble = { ...this.pebble };
    if (this.nginx) info.nginx = { ...this.nginx };
    if (this.sshd) info.sshd = { ...this.sshd };
    if (this.mariadb) info.mariadb = { ...this.mariadb };
    if (this.postgres) info.postgres = { ...this.postgres };
    if (this.podman) info.podman = { ...this.podman };
    return info;
  }

  async ensure(components: readonly Component[]): Promise<LabInfo> {
    for (const c of components) {
      if (!ALL_COMPONENTS.includes(c)) throw new Error(`lab: unknown component "${String(c)}"`);
    }
    await Promise.all(components.map((c) => this.ensureOne(c)));
    return this.info();
  }

  private ensureOne(c: Component): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('lab: stopped'));
    let p = this.starting.get(c);
    if (!p) {
      p = (async () => {
        await Promise.all(DEPENDENCIES[c].map((d) => this.ensureOne(d)));
        const t0 = performance.now();
        await this.startComponent(c);
        this.timings[c] = Math.round(performance.now() - t0);
      })();
      p.catch(() => undefined); // failures are reported to whoever awaits; avoid unhandled rejections
      this.starting.set(c, p);
    }
    return p;
  }

  private startComponent(c: Component): Promise<void> {
    switch (c) {
      case 'dns':
        return this.startDns();
      case 'nginx':
        return this.startNginx();
      case 'pebble':
        return this.startPebble();
      case 'sshd':
        return this.startSshd();
      case 'mariadb':
        return this.startMariadb();
      case 'postgres':
        return this.startPostgres();
      case 'podman':
        return this.startPodman();
    }
  }

  // --- process plumbing -------------------------------------------------------------------

  private spawnProc(name: string, command: string, args: string[], opts: SpawnOptions = {}, stopSignal?: NodeJS.Signals, allowWhileStopping = false): Proc {
    if (this.stopping && !allowWhileStopping) throw new Error('lab: stopped');
    const proc = new Proc(name, command, args, { cwd: this.dir, ...opts }, stopSignal);
    this.procs.add(proc);
    void proc.exited.then(() => this.procs.delete(proc));
    return proc;
  }

  /** Run a command to completion; reject with its output on failure. */
  private async run(
    name: string,
    command: string,
    args: string[],
    opts: SpawnOptions & { timeoutMs?: number; allowWhileStopping?: boolean } = {},
  ): Promise<string> {
    const { timeoutMs = 60_000, allowWhileStopping = false, ...spawnOpts } = opts;
    const proc = this.spawnProc(name, command, args, spawnOpts, 'SIGKILL', allowWhileStopping);
    const timer = setTimeout(() => proc.killSync(), timeoutMs);
    await proc.exited;
    clearTimeout(timer);
    // Exit may precede the last output chunk; give the pipes a moment (or not: a daemonized
    // grandchild such as conmon may keep them open forever).
    await Promise.race([proc.closed, sleep(100)]);
    if (proc.exitCode !== 0) {
      throw new Error(`lab: ${command} ${args.join(' ')}: ${proc.describeExit()}\n${proc.tail(40)}`);
    }
    return proc.output();
  }

  /** Poll `check` with backoff until it returns true; fail early if `proc` dies. */
  private async waitUntil(what: string, check: () => Promise<boolean>, proc: Proc | null, logFiles: string[] = []): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let delay = 5;
    let lastError = '';
    for (;;) {
      if (this.stopping) throw new Error(`lab: stopped while waiting for ${what}`);
      if (proc && !proc.alive) {
        throw new Error(`lab: ${what} never became ready: ${proc.describeExit()}\n${proc.tail()}${this.readLogs(logFiles)}`);
      }
      try {
        if (await check()) return;
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `lab: ${what} not ready after ${READY_TIMEOUT_MS} ms${lastError ? ` (last error: ${lastError})` : ''}\n${proc?.tail() ?? ''}${this.readLogs(logFiles)}`,
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 200);
    }
  }

  private readLogs(files: string[]): string {
    let s = '';
    for (const f of files) {
      try {
        s += `\n--- ${f}\n${fs.readFileSync(f, 'utf8').trimEnd().split('\n').slice(-25).join('\n')}`;
      } catch {
        /* missing */
      }
    }
    return s;
  }

  private async mkdir(...parts: string[]): Promise<string> {
    const d = path.join(this.dir, ...parts);
    await fsp.mkdir(d, { recursive: true });
    return d;
  }

  // --- dns: pebble-challtestsrv -----------------------------------------------------------

  private async startDns(): Promise<void> {
    const bin = findBinary('pebble-challtestsrv');
    await this.mkdir('dns');
    const port = await freePort({ udp: true });
    const mport = await freePort();
    const proc = this.spawnProc('pebble-challtestsrv', bin, [
      '-dns01', `127.0.0.1:${port}`,
      '-http01', '',
      '-https01', '',
      '-tlsalpn01', '',
      '-management', `127.0.0.1:${mport}`,
      '-defaultIPv4', '127.0.0.1',
      '-defaultIPv6', '',
    ], { cwd: path.join(this.dir, 'dns') });
    const managementUrl = `http://127.0.0.1:${mport}`;
    await this.waitUntil('pebble-challtestsrv management API', async () => (await httpRequest(`${managementUrl}/`, { timeoutMs: 500 })).status > 0, proc);
    const resolver = new Resolver({ timeout: 300, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    await this.waitUntil('pebble-challtestsrv DNS', async () => (await resolver.resolve4('lab-ready.serein.test')).includes('127.0.0.1'), proc);
    this.dns = { host: '127.0.0.1', port, managementUrl };
  }

  // --- nginx ------------------------------------------------------------------------------

  private async startNginx(): Promise<void> {
    const bin = findBinary('nginx');
    const prefix = await this.mkdir('nginx');
    const vhostDir = await this.mkdir('nginx', 'vhosts');
    const webRoot = await this.mkdir('nginx', 'www');
    await this.mkdir('nginx', 'www', '.well-known', 'acme-challenge');
    await this.mkdir('nginx', 'logs');
    await this.mkdir('nginx', 'tmp');
    const port = await freePort({ ipv6: true });
    const tlsPort = await freePort({ ipv6: true });
    const confPath = path.join(prefix, 'nginx.conf');
    const pidFile = path.join(prefix, 'nginx.pid');
    await fsp.writeFile(path.join(webRoot, 'index.html'), 'serein lab nginx\n');
    await fsp.writeFile(confPath, nginxConfText({ prefix, pidFile, port, webRoot, vhostDir }));
    const proc = this.spawnProc('nginx', bin, ['-p', `${prefix}/`, '-c', confPath, '-e', 'stderr', '-g', 'daemon off;']);
    const errorLog = path.join(prefix, 'logs', 'error.log');
    await this.waitUntil(
      'nginx',
      async () =>
        (await httpRequest(`http://127.0.0.1:${port}/`, { timeoutMs: 500 })).status === 200 &&
        (await httpRequest(`http://[::1]:${port}/`, { timeoutMs: 500 })).status === 200,
      proc,
      [errorLog],
    );
    this.nginx = { binary: bin, prefix, confPath, vhostDir, port, tlsPort, pidFile, webRoot };
  }

  // --- pebble -----------------------------------------------------------------------------

  private async startPebble(): Promise<void> {
    const bin = findBinary('pebble');
    const openssl = findBinary('openssl');
    if (!this.dns || !this.nginx) throw new Error('lab: pebble needs dns and nginx');
    const dir = await this.mkdir('pebble');
    const certPath = path.join(dir, 'cert.pem');
    const keyPath = path.join(dir, 'key.pem');
    await this.run('openssl', openssl, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '30', '-subj', '/CN=serein-lab-pebble',
      '-addext', 'subjectAltName=DNS:localhost,DNS:pebble,IP:127.0.0.1,IP:::1',
    ]);
    const port = await freePort();
    const mport = await freePort();
    const cfgPath = path.join(dir, 'pebble-config.json');
    await fsp.writeFile(
      cfgPath,
      JSON.stringify(
        {
          pebble: {
            listenAddress: `127.0.0.1:${port}`,
            managementListenAddress: `127.0.0.1:${mport}`,
            certificate: certPath,
            privateKey: keyPath,
            httpPort: this.nginx.port,
            tlsPort: this.nginx.tlsPort,
            ocspResponderURL: '',
            externalAccountBindingRequired: false,
          },
        },
        null,
        2,
      ),
    );
    const proc = this.spawnProc('pebble', bin, ['-config', cfgPath, '-dnsserver', `127.0.0.1:${this.dns.port}`], {
      cwd: dir,
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1' },
    });
    const ca = await fsp.readFile(certPath);
    const directoryUrl = `https://127.0.0.1:${port}/dir`;
    const managementUrl = `https://127.0.0.1:${mport}`;
    await this.waitUntil('pebble', async () => (await httpRequest(directoryUrl, { ca, timeoutMs: 1000 })).status === 200, proc);
    await this.waitUntil('pebble management API', async () => (await httpRequest(`${managementUrl}/roots/0`, { ca, timeoutMs: 1000 })).status === 200, proc);
    this.pebble = { directoryUrl, managementUrl, caCertPath: certPath, httpPort: this.nginx.port };
  }

  // --- sshd -------------------------------------------------------------------------------

  private async startSshd(): Promise<void> {
    const bin = '/usr/sbin/sshd';
    if (!fs.existsSync(bin)) throw new Error(`lab: ${bin} not found; run "bash test/lab/setup.sh"`);
    const keygen = findBinary('ssh-keygen');
    await fsp.mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
    const dir = await this.mkdir('sshd');
    const hostKey = path.join(dir, 'host_ed25519');
    const clientKey = path.join(dir, 'client_ed25519');
    await Promise.all([
      this.run('ssh-keygen', keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'serein-lab-host', '-f', hostKey]),
      this.run('ssh-keygen', keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'serein-lab-client', '-f', clientKey]),
    ]);
    const authorizedKeys = path.join(dir, 'authorized_keys');
    await fsp.copyFile(`${clientKey}.pub`, authorizedKeys);
    const fp = await this.run('ssh-keygen', keygen, ['-lf', `${hostKey}.pub`]);
    const hostKeySha256 = fp.split(/\s+/)[1] ?? '';
    if (!hostKeySha256.startsWith('SHA256:')) throw new Error(`lab: unexpected ssh-keygen -lf output: ${fp}`);
    const port = await freePort();
    const cfg = path.join(dir, 'sshd_config');
    await fsp.writeFile(
      cfg,
      `# serein test lab
ListenAddress 127.0.0.1
HostKey ${hostKey}
AuthorizedKeysFile ${authorizedKeys}
PidFile ${path.join(dir, 'sshd.pid')}
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
LogLevel INFO
`,
    );
    const proc = this.spawnProc('sshd', bin, ['-D', '-e', '-f', cfg, '-p', String(port)]);
    await this.waitUntil('sshd', async () => (await tcpProbe('127.0.0.1', port, true))?.toString('latin1').startsWith('SSH-') ?? false, proc);
    this.sshd = { host: '127.0.0.1', port, username: 'root', privateKeyPath: clientKey, hostKeySha256 };
  }

  // --- mariadb ----------------------------------------------------------------------------

  private async startMariadb(): Promise<void> {
    const installDb = findBinary('mariadb-install-db');
    const mariadbd = findBinary('mariadbd');
    const dir = await this.mkdir('mariadb');
    const datadir = path.join(dir, 'data');
    const tmpdir = await this.mkdir('mariadb', 'tmp');
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
    await this.run('mariadb-install-db', installDb, [
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
    const proc = this.spawnProc('mariadbd', mariadbd, [
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
    await this.waitUntil('mariadbd', async () => /ready for connections/.test(proc.output()) && ((await tcpProbe('127.0.0.1', port, true))?.length ?? 0) > 0, proc);
    this.mariadb = { host: '127.0.0.1', port, socket, user: 'root', password };
  }

  // --- postgres ---------------------------------------------------------------------------

  private async startPostgres(): Promise<void> {
    const bin = postgresBinDir();
    const pgUser = systemUser('postgres');
    const dir = await this.mkdir('postgres');
    await fsp.chown(dir, pgUser.uid, pgUser.gid);
    await fsp.chmod(dir, 0o755);
    const datadir = path.join(dir, 'data');
    const password = randomBytes(12).toString('hex');
    const pwfile = path.join(dir, 'pwfile');
    await fsp.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    await fsp.chown(pwfile, pgUser.uid, pgUser.gid);
    const asPostgres: SpawnOptions = {
      uid: pgUser.uid,
      gid: pgUser.gid,
      cwd: dir,
      env: { ...process.env, HOME: dir, USER: 'postgres', LOGNAME: 'postgres', LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
    };
    try {
      await this.run('initdb', path.join(bin, 'initdb'), [
        '-D', datadir,
        '-U', 'postgres',
        `--pwfile=${pwfile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E', 'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
        '--no-instructions',
      ], asPostgres);
    } finally {
      await fsp.rm(pwfile, { force: true });
    }
    const port = await freePort();
    const proc = this.spawnProc(
      'postgres',
      path.join(bin, 'postgres'),
      [
        '-D', datadir,
        '-p', String(port),
        '-k', dir,
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
        '-c', 'shared_buffers=32MB',
        '-c', 'dynamic_shared_memory_type=mmap',
        '-c', 'unix_socket_permissions=0777',
      ],
      asPostgres,
      'SIGINT', // fast shutdown: SIGTERM ("smart") would wait for every client to disconnect
    );
    await this.waitUntil('postgres', async () => /ready to accept connections/.test(proc.output()) && (await tcpProbe('127.0.0.1', port, false)) !== null, proc);
    this.postgres = { host: '127.0.0.1', port, socketDir: dir, user: 'postgres', password };
  }

  // --- podman -----------------------------------------------------------------------------

  private async startPodman(): Promise<void> {
    const podman = findBinary('podman');
    findBinary('runc');
    const busybox = fs.existsSync('/usr/bin/busybox') ? '/usr/bin/busybox' : findBinary('busybox');
    const base = await this.mkdir('podman');
    for (const d of ['storage', 'run', 'tmp', 'runc', 'volumes', 'networks', 'helpers']) await this.mkdir('podman', d);
    // A stand-in for netavark: containers on a bridge network would add iptables rules, a bridge
    // interface and a /run/netns mount to the host (and podman would fall back to CNI, which does the
    // same, if netavark were simply missing). Make that fail with a clear message instead.
    const fakeNetavark = path.join(base, 'helpers', 'netavark');
    await fsp.writeFile(
      fakeNetavark,
      `#!/bin/sh\necho '{"error": "serein lab: bridge networking is disabled; create containers with HostConfig.NetworkMode host or none"}'\nexit 1\n`,
      { mode: 0o755 },
    );
    await fsp.writeFile(
      path.join(base, 'containers.conf'),
      `# serein test lab
[containers]
# the machine does not allow raising ulimits
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "host"
# do not copy the host's proxy variables into containers (everything here is loopback)
http_proxy = false

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${base}/events.log"
tmp_dir = "${base}/tmp"
static_dir = "${base}/storage/libpod"
volume_path = "${base}/volumes"
image_copy_tmp_dir = "${base}/tmp"
# no /dev/shm/libpod_lock
lock_type = "file"
num_locks = 512
# exec sessions' conmon lingers this long (seconds) after the exec ends, so that its exit code can be read
exit_command_delay = 30
# no real netavark here: bridge networking (which would change the host's firewall) fails loudly
helper_binaries_dir = ["${base}/helpers"]

[network]
network_backend = "netavark"
network_config_dir = "${base}/networks"
`,
    );
    await fsp.writeFile(
      path.join(base, 'storage.conf'),
      `[storage]
driver = "vfs"
graphroot = "${base}/storage"
runroot = "${base}/run"
`,
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CONTAINERS_CONF: path.join(base, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: path.join(base, 'storage.conf'),
      TMPDIR: path.join(base, 'tmp'),
    };
    const globalArgs = ['--runtime-flag', `root=${base}/runc`];
    this.podmanCtx = { env, globalArgs, base };
    const socketPath = path.join(base, 'podman.sock');

    // the API service first: it starts while we build the image
    const service = this.spawnProc('podman-service', podman, [...globalArgs, 'system', 'service', '--time=0', `unix://${socketPath}`], { env });

    // a tiny image from the host's busybox-static: /usr/bin/busybox + applet links + usr-merge symlinks
    const rootfs = await this.mkdir('podman', 'rootfs');
    for (const d of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'etc', 'root', 'tmp', 'var/tmp', 'var/log', 'var/lib', 'var/cache', 'proc', 'sys', 'dev', 'run', 'home']) {
      await fsp.mkdir(path.join(rootfs, d), { recursive: true });
    }
    await fsp.chmod(path.join(rootfs, 'tmp'), 0o1777);
    await fsp.chmod(path.join(rootfs, 'var/tmp'), 0o1777);
    for (const d of ['bin', 'sbin', 'lib', 'lib64']) await fsp.symlink(`usr/${d}`, path.join(rootfs, d));
    await fsp.copyFile(busybox, path.join(rootfs, 'usr/bin/busybox'));
    await fsp.chmod(path.join(rootfs, 'usr/bin/busybox'), 0o755);
    const applets = (await this.run('busybox', busybox, ['--list'])).split('\n').map((s) => s.trim()).filter((s) => /^[\w.[-]+$/.test(s) && s !== 'busybox');
    await Promise.all(applets.map((a) => fsp.symlink('busybox', path.join(rootfs, 'usr/bin', a)).catch(() => undefined)));
    await fsp.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
    await fsp.writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    await fsp.writeFile(path.join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
    const tarball = path.join(base, 'rootfs.tar');
    await this.run('tar', findBinary('tar'), ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tarball, '.']);
    await fsp.rm(rootfs, { recursive: true, force: true });
    await this.run('podman-import', podman, [...globalArgs, 'import', '--change', 'CMD ["/bin/sh"]', tarball, IMAGE], { env });
    await fsp.rm(tarball, { force: true });

    // a long-lived container on the host network, with the host's /usr (nginx, mariadb, psql clients...)
    const container = `serein-lab-${randomBytes(4).toString('hex')}`;
    await this.run('podman-run', podman, [
      ...globalArgs, 'run', '-d', '--name', container, '--network=host', '--label', 'serein-lab=1',
      '-v', '/usr:/usr:ro', IMAGE, 'sleep', 'infinity',
    ], { env });

    await this.waitUntil(
      'podman API service',
      async () => {
        const r = await httpRequest('http://d/_ping', { socketPath, timeoutMs: 1000 });
        return r.status === 200 && r.body.trim() === 'OK';
      },
      service,
    );
    this.podman = { socketPath, image: IMAGE, container };
  }

  private async podmanCleanup(): Promise<void> {
    const ctx = this.podmanCtx;
    if (!ctx) return;
    const podman = findBinary('podman');
    let ids: string[] = [];
    try {
      ids = await fsp.readdir(path.join(ctx.base, 'storage', 'vfs-containers'));
    } catch {
      /* none */
    }
    const initPids: number[] = [];
    for (const id of ids) {
      try {
        const st = JSON.parse(await fsp.readFile(path.join(ctx.base, 'runc', id, 'state.json'), 'utf8')) as { init_process_pid?: number };
        if (st.init_process_pid) initPids.push(st.init_process_pid);
      } catch {
        /* not running */
      }
    }
    if (ids.length > 0) {
      await this.run('podman-rm', podman, [...ctx.globalArgs, 'rm', '-a', '-f', '-t', '0'], { env: ctx.env, timeoutMs: 30_000, allowWhileStopping: true }).catch(() => undefined);
    }
    for (const pid of initPids) {
      let cg = '';
      try {
        cg = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      } catch {
        continue;
      }
      if (cg.includes('libpod-')) await killPids([pid], 0);
    }
    this.podmanIds = ids;
  }

  private removeContainerCgroups(): void {
    if (this.podmanIds.length === 0) return;
    let roots: string[] = [];
    try {
      roots = fs.readdirSync('/sys/fs/cgroup').map((c) => path.join('/sys/fs/cgroup', c));
    } catch {
      return;
    }
    roots.push('/sys/fs/cgroup');
    for (const id of this.podmanIds) {
      for (const r of roots) {
        try {
          fs.rmdirSync(path.join(r, 'libpod_parent', `libpod-${id}`));
        } catch {
          /* absent or busy */
        }
      }
    }
  }

  /** A postgres that had to be SIGKILLed leaves its SysV segment behind (key = inode of the data folder). */
  private removeOrphanPostgresShm(): void {
    let ino: number;
    try {
      ino = fs.statSync(path.join(this.dir, 'postgres', 'data')).ino;
    } catch {
      return;
    }
    const key = `0x${(ino % 2 ** 32).toString(16).padStart(8, '0')}`;
    const r = spawnSync('ipcs', ['-m'], { encoding: 'utf8' });
    for (const line of (r.stdout ?? '').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[0] === key && f[5] === '0' && f[1]) spawnSync('ipcrm', ['-m', f[1]], { stdio: 'ignore' });
    }
  }

  // --- stop -------------------------------------------------------------------------------

  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    const t0 = performance.now();
    const debug = (what: string) => {
      if (process.env.SEREIN_LAB_DEBUG) process.stderr.write(`[lab] stop: ${what} at ${Math.round(performance.now() - t0)} ms\n`);
    };
    // in-flight starts notice `stopping` (or their process dying) and fail fast
    await this.podmanCleanup();
    debug('containers removed');
    const stopAll = () => Promise.all([...this.procs].map((p) => p.stop()));
    await stopAll();
    await Promise.allSettled([...this.starting.values()]);
    await stopAll();
    debug('processes stopped');
    // strays: exec-session conmons, `podman container cleanup` children, anything else mentioning the folder
    const strays = pidsReferencing(this.dir);
    await killPids(strays, 250); // mostly exec-session conmons, which ignore SIGTERM
    debug(`${strays.length} strays killed`);
    this.removeContainerCgroups();
    this.removeOrphanPostgresShm();
    const mounts = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(`${this.dir}/`))
      .reverse();
    for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    await fsp.rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
    debug('folder removed');
    liveLabs.delete(this);
    this.watchdog?.stdin?.end(); // the watchdog sees EOF, finds no folder and exits
  }

  /** Called from the process 'exit' handler: synchronous only. */
  emergencyCleanupSync(): void {
    if (!fs.existsSync(this.dir)) return;
    for (const p of this.procs) p.killSync(p.name === 'postgres' ? 'SIGQUIT' : 'SIGKILL');
    spawnSync('bash', ['-c', CLEANUP_SCRIPT, 'serein-lab-cleanup', this.dir], { stdio: 'ignore', timeout: 60_000 });
  }
}

/**
 * The lab's nginx.conf: a default server answering 200 on 127.0.0.1 and ::1, the ACME
 * challenge folder, every path inside `prefix`, and `vhostDir/*.conf` included. Shared
 * with the tests that run a private nginx or one inside a container.
 */
export function nginxConfText(o: { prefix: string; pidFile: string; port: number; webRoot: string; vhostDir: string; errorLog?: string }): string {
  const { prefix, pidFile, port, webRoot, vhostDir } = o;
  return `# serein test lab
user root;
worker_processes 1;
master_process on;
pid ${pidFile};
error_log ${o.errorLog ?? `${prefix}/logs/error.log`} notice;
events { worker_connections 512; }
http {
  default_type application/octet-stream;
  types { text/html html; text/plain txt; application/json json; }
  access_log ${prefix}/logs/access.log;
  client_body_temp_path ${prefix}/tmp/client_body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server_names_hash_bucket_size 128;
  server {
    listen 127.0.0.1:${port} default_server;
    listen [::1]:${port} default_server;
    server_name _;
    root ${webRoot};
    index index.html;
    location /.well-known/acme-challenge/ {
      default_type text/plain;
      try_files $uri =404;
    }
  }
  include ${vhostDir}/*.conf;
}
`;
}
