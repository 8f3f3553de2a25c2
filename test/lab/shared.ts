/**
 * What the lab's components share: the contract a component fulfils (`LabComponent`), what the lab
 * hands it (`LabContext`), and the small helpers they all use (binaries, free ports, probes).
 */
import type { SpawnOptions } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Proc } from './processes.ts';

// ---------------------------------------------------------------------------------------------
// the component contract

/**
 * One component of the lab, in its own file under components/. `Info` is what tests get in
 * `LabInfo[name]`; `Deps` maps the names of the components it needs to their infos.
 */
export interface LabComponent<Info extends object, Deps extends Record<string, object> = Record<never, never>> {
  /** Debian packages it runs (as documentation and for test/lab/setup.sh), each with the files that prove it is installed. */
  readonly packages: Readonly<Record<string, readonly string[]>>;
  /** Components started (and ready) before this one; their infos are passed to start(). */
  readonly needs: readonly (keyof Deps & string)[];
  /** Starts it under the lab's folder and resolves when it answers; every process through `lab.spawn`/`lab.run`. */
  start(lab: LabContext, deps: Deps): Promise<Info>;
  /**
   * Runs at the very start of stop(), before the processes are stopped (podman: remove the containers),
   * only if the component was started (even partly); may return a step to run once they are stopped.
   */
  beforeStop?(lab: LabContext): Promise<(() => void) | void>;
  /** Runs once every process is stopped, before the folder is removed (postgres: its SysV segment). */
  afterStop?(lab: LabContext): void;
  /**
   * Its part of the bash cleanup script the exit handler and the watchdog run ($dir = the lab folder):
   * `beforeKill` before every process mentioning the folder is killed, `afterKill` after (and after umounts).
   */
  readonly shellCleanup?: { beforeKill?: string; afterKill?: string };
}

/** Identity, for type inference: `export const x = defineComponent({...})` checks the object against the contract. */
export function defineComponent<Info extends object, Deps extends Record<string, object> = Record<never, never>>(
  c: LabComponent<Info, Deps>,
): LabComponent<Info, Deps> {
  return c;
}

/** Options of LabContext.spawn: Node's, plus how the lab stops the process. */
export interface SpawnProcOptions extends SpawnOptions {
  /** Signal stop() sends first (SIGKILL after STOP_GRACE_MS); default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** Signal the synchronous exit handler sends; default SIGKILL. */
  emergencySignal?: NodeJS.Signals;
  /** Allowed while the lab is stopping (cleanup commands). */
  allowWhileStopping?: boolean;
}

/** What a component gets from the lab: its folder and process plumbing that stop() knows about. */
export interface LabContext {
  /** The lab's temporary folder (real path, mode 755); put everything under it. */
  readonly dir: string;
  /** mkdir -p `dir/...parts`; returns the path. */
  mkdir(...parts: string[]): Promise<string>;
  /** Spawns a long-running process, stopped by the lab's stop(); cwd defaults to the lab folder. */
  spawn(name: string, command: string, args: string[], opts?: SpawnProcOptions): Proc;
  /** Runs a command to completion (SIGKILL after timeoutMs, default 60 s); rejects with its output on failure. */
  run(
    name: string,
    command: string,
    args: string[],
    opts?: SpawnOptions & { timeoutMs?: number; allowWhileStopping?: boolean },
  ): Promise<string>;
  /** Polls `check` with backoff until it returns true; fails early if `proc` dies, with its output and the tail of `logFiles`. */
  waitUntil(what: string, check: () => Promise<boolean>, proc: Proc | null, logFiles?: string[]): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// constants

/** How long a component may take to answer before start fails. */
export const READY_TIMEOUT_MS = 60_000;
/** How long a process gets to exit after its stop signal, before SIGKILL. */
export const STOP_GRACE_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// small helpers

/** Promise-based setTimeout, for polling loops. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Absolute path of an executable (PATH plus the sbin folders), or an error telling how to install it. */
export function findBinary(name: string): string {
  const dirs = [
    ...(process.env.PATH ?? '').split(':'),
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ];
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
  throw new Error(
    `lab: binary "${name}" not found; run "bash test/lab/setup.sh" (or npm test) to install the lab packages`,
  );
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

/**
 * Connects to host:port: resolves null if that fails; otherwise an empty buffer once connected, or
 * (wantBytes, for servers that speak first) the first bytes the server sends.
 */
export function tcpProbe(host: string, port: number, wantBytes: boolean, timeoutMs = 1000): Promise<Buffer | null> {
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

/** Status and body of an HTTP answer. */
export interface HttpResult {
  status: number;
  body: string;
}

/** A small HTTP(S) client for readiness checks: a CA to trust, a unix socket, a JSON body, a timeout. */
export function httpRequest(
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
        headers:
          opts.body !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body) }
            : {},
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
