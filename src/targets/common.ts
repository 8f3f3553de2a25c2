import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { posix } from 'node:path';
import { TargetError, type Target } from './target.js';

/** Helpers shared by the local, SSH and Docker targets, so all three validate and report alike. */

/** Default run timeout (RunOptions.timeoutMs). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Exit code of a program killed because it ran out of time, as coreutils `timeout` reports it. */
export const TIMEOUT_CODE = 124;
/** Each of stdout and stderr is kept up to this size: a runaway program cannot exhaust the daemon's memory. */
export const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** After a timed-out program is killed, how long its output streams may take to close before they are cut. */
export const KILL_GRACE_MS = 5_000;

/** Collects one output stream, keeping at most `limit` bytes and saying so when it dropped the rest. */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(readonly limit = MAX_OUTPUT_BYTES) {}

  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.limit - this.size;
    if (buf.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = buf.length > room ? buf.subarray(0, room) : buf;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  /** UTF-8 text, with a visible note when output was cut, so nobody mistakes it for the whole. */
  toString(): string {
    const text = this.toBuffer().toString('utf8');
    return this.truncated ? `${text}\n[serein: output truncated after ${this.limit} bytes]` : text;
  }
}

/**
 * Remote programs are started through a tiny POSIX sh prelude that prints the shell's pid
 * on stderr and then `exec`s the program (same pid). On timeout that pid (a process group
 * leader on both sshd and runc) is killed with its group. Neither the Docker API nor sshd
 * (for root sessions) can signal a running program otherwise.
 */
export const PID_MARKER = 'serein-pid:';
/** sh fragment printing the marker line; `$$` is the shell's own pid. */
export const PID_PRELUDE = `echo "${PID_MARKER}$$" >&2`;
/** sh script killing the process group led by "$1", or the process alone when it leads none. */
export const KILL_SCRIPT = 'kill -KILL -"$1" 2>/dev/null || kill -KILL "$1"';

/** Removes the prelude's pid line from the start of stderr (and reports the pid); everything else passes through untouched. */
export class PidLineStripper {
  private pending: Buffer = Buffer.alloc(0);
  private done = false;
  private static readonly marker = Buffer.from(PID_MARKER);
  /** How much stderr may be held back looking for the line (login scripts may print before it). */
  private static readonly maxPending = 64 * 1024;

  constructor(
    private readonly out: (chunk: Buffer) => void,
    private readonly onPid: (pid: number) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.done) return this.out(chunk);
    this.pending = Buffer.concat([this.pending, chunk]);
    let from = 0;
    for (;;) {
      const at = this.pending.indexOf(PidLineStripper.marker, from);
      if (at === -1) break;
      if (at > 0 && this.pending[at - 1] !== 0x0a) {
        from = at + 1;
        continue;
      }
      const nl = this.pending.indexOf(0x0a, at);
      if (nl === -1) return; // the rest of the line is still on its way
      const digits = this.pending.subarray(at + PidLineStripper.marker.length, nl).toString('latin1');
      if (/^[1-9][0-9]{0,9}$/.test(digits)) {
        this.onPid(Number(digits));
        const rest = Buffer.concat([this.pending.subarray(0, at), this.pending.subarray(nl + 1)]);
        this.finish(rest);
        return;
      }
      from = nl;
    }
    if (this.pending.length > PidLineStripper.maxPending) this.finish(this.pending);
  }

  /** The stream ended: whatever was held back is real stderr. */
  end(): void {
    if (!this.done) this.finish(this.pending);
  }

  private finish(rest: Buffer): void {
    this.done = true;
    this.pending = Buffer.alloc(0);
    if (rest.length > 0) this.out(rest);
  }
}

/** The exit code a shell would report for a program ended by `signal` ('KILL' or 'SIGKILL'). */
export function signalExitCode(signal: string | null | undefined): number {
  if (!signal) return 255;
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`) as keyof typeof constants.signals;
  const num = constants.signals[name];
  return typeof num === 'number' ? 128 + num : 255;
}

/**
 * The environment a local program starts with: enough to find programs and speak UTF-8,
 * nothing of the daemon's own (tokens, database passwords or proxy settings an admin
 * exported before starting serein must not reach nginx, psql or a template's program).
 */
export function programEnvironment(): Record<string, string> {
  return {
    PATH: process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: process.env.HOME || '/',
    LANG: 'C.UTF-8',
  };
}

/** Rejects an argv no program could receive: empty, not strings, or with NUL bytes. */
export function checkArgv(argv: readonly string[]): void {
  if (!Array.isArray(argv) || argv.length === 0) throw new TypeError('argv must name a program');
  for (const arg of argv) {
    if (typeof arg !== 'string') throw new TypeError('every argv element must be a string');
    if (arg.includes('\0')) throw new TypeError('an argv element cannot contain a NUL byte');
  }
  if (argv[0] === '') throw new TypeError('argv[0] (the program) cannot be empty');
}

/** Environment names must be plain identifiers (they become `export NAME=...` on SSH). */
export function checkEnv(env: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      throw new TypeError(`invalid environment variable name: ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || v.includes('\0'))
      throw new TypeError(`environment variable ${k} must be a string without NUL bytes`);
  }
}

/** A usable setTimeout delay (Node fires at once beyond 2^31-1 ms). */
export function checkTimeout(timeoutMs: number | undefined): number {
  const ms = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(ms) || ms <= 0) throw new TypeError('timeoutMs must be a positive number');
  return Math.min(ms, 2 ** 31 - 1);
}

/** Paths are absolute: a relative one would depend on a remote home or working folder. */
export function checkPath(path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new TypeError(`expected an absolute path, got ${JSON.stringify(path)}`);
  if (path.includes('\0')) throw new TypeError('a path cannot contain a NUL byte');
}

/** The mode as the octal string chmod takes; rejects anything but permission bits. */
export function modeString(mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new TypeError(`invalid file mode: ${mode}`);
  return mode.toString(8).padStart(4, '0');
}

/** 'user' or 'user:group' (names or numbers); never starts with '-' so chown cannot take it for an option. */
export function checkOwner(owner: string | undefined): void {
  if (owner === undefined) return;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(owner)) {
    throw new TypeError(`invalid owner ${JSON.stringify(owner)}: expected 'user' or 'user:group'`);
  }
}

/** A fresh hidden name in the same folder as `path`, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  return posix.join(posix.dirname(path), `.serein-${randomBytes(8).toString('hex')}.tmp`);
}

/** Runs argv and turns a non-zero exit into a TargetError carrying the program's own message. */
export async function runOrThrow(target: Target, argv: string[], what: string, hint: string): Promise<void> {
  const r = await target.run(argv, { timeoutMs: 120_000 });
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).slice(0, 2000);
    throw new TargetError(
      `${target.name}: ${what} failed (${argv[0]} exited ${r.code}): ${detail}`,
      hint,
      'command_failed',
    );
  }
}

/** mkdir for targets reached through programs (SSH, containers): `mkdir -p`, then chmod and chown when asked. */
export async function mkdirViaRun(
  target: Target,
  path: string,
  opts: { mode?: number; owner?: string },
  hint: string,
): Promise<void> {
  checkPath(path);
  const mode = opts.mode === undefined ? undefined : modeString(opts.mode);
  checkOwner(opts.owner);
  await runOrThrow(target, ['mkdir', '-p', '--', path], `mkdir ${path}`, hint);
  if (mode) await runOrThrow(target, ['chmod', '--', mode, path], `chmod ${mode} ${path}`, hint);
  if (opts.owner) await runOrThrow(target, ['chown', '--', opts.owner, path], `chown ${opts.owner} ${path}`, hint);
}

/** remove for targets reached through programs: `rm -f` (or `rm -rf`), absent is fine. */
export async function removeViaRun(
  target: Target,
  path: string,
  recursive: boolean | undefined,
  hint: string,
): Promise<void> {
  checkPath(path);
  await runOrThrow(target, ['rm', recursive ? '-rf' : '-f', '--', path], `remove ${path}`, hint);
}
