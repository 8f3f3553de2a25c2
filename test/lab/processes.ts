/**
 * The lab's processes: `Proc` (a child with its output tail and a stop by pid), `ProcessGroup` (every
 * process a lab spawned, so that stop() can stop them all), and killing by pid what mentions a folder.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import { READY_TIMEOUT_MS, STOP_GRACE_MS, sleep, type SpawnProcOptions } from './shared.ts';

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
export function pidsReferencing(dir: string): number[] {
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

/** SIGTERM the pids, wait up to graceMs for them to exit, SIGKILL the rest (for processes we did not spawn). */
export async function killPids(pids: number[], graceMs: number): Promise<void> {
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

const TAIL_BYTES = 16 * 1024;

/** A spawned process: its exit, the tail of its output (for error messages), and a stop by pid. */
export class Proc {
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
    /** What the synchronous exit handler sends (postgres: SIGQUIT, an immediate shutdown that frees its shared memory). */
    readonly emergencySignal: NodeJS.Signals = 'SIGKILL',
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

/**
 * Every process one lab spawned (until it exits), and the plumbing components use through LabContext.
 * Once `stopping` is set, spawning fails and waits fail fast.
 */
export class ProcessGroup {
  readonly procs = new Set<Proc>();
  stopping = false;

  constructor(readonly dir: string) {}

  spawn(name: string, command: string, args: string[], opts: SpawnProcOptions = {}): Proc {
    const { stopSignal, emergencySignal, allowWhileStopping = false, ...spawnOpts } = opts;
    if (this.stopping && !allowWhileStopping) throw new Error('lab: stopped');
    const proc = new Proc(name, command, args, { cwd: this.dir, ...spawnOpts }, stopSignal, emergencySignal);
    this.procs.add(proc);
    void proc.exited.then(() => this.procs.delete(proc));
    return proc;
  }

  /** Run a command to completion; reject with its output on failure. */
  async run(
    name: string,
    command: string,
    args: string[],
    opts: SpawnOptions & { timeoutMs?: number; allowWhileStopping?: boolean } = {},
  ): Promise<string> {
    const { timeoutMs = 60_000, allowWhileStopping = false, ...spawnOpts } = opts;
    const proc = this.spawn(name, command, args, { ...spawnOpts, stopSignal: 'SIGKILL', allowWhileStopping });
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
  async waitUntil(
    what: string,
    check: () => Promise<boolean>,
    proc: Proc | null,
    logFiles: string[] = [],
  ): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let delay = 5;
    let lastError = '';
    for (;;) {
      if (this.stopping) throw new Error(`lab: stopped while waiting for ${what}`);
      if (proc && !proc.alive) {
        throw new Error(`lab: ${what} never became ready: ${proc.describeExit()}\n${proc.tail()}${readLogs(logFiles)}`);
      }
      try {
        if (await check()) return;
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `lab: ${what} not ready after ${READY_TIMEOUT_MS} ms${lastError ? ` (last error: ${lastError})` : ''}\n${proc?.tail() ?? ''}${readLogs(logFiles)}`,
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 200);
    }
  }

  /** Stops every process still running, each with its own stop signal. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.procs].map((p) => p.stop()));
  }

  /** From the process 'exit' handler: signals only, synchronously. */
  killAllSync(): void {
    for (const p of this.procs) p.killSync(p.emergencySignal);
  }
}

function readLogs(files: string[]): string {
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
