import { posix } from 'node:path';
import { Writable, type Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import type { TargetConfig } from '../config/schema.js';
import {
  KILL_GRACE_MS,
  KILL_SCRIPT,
  MAX_OUTPUT_BYTES,
  OutputBuffer,
  PID_PRELUDE,
  PidLineStripper,
  TIMEOUT_CODE,
  checkArgv,
  checkEnv,
  checkOwner,
  checkPath,
  checkTimeout,
  mkdirViaRun,
  modeString,
  removeViaRun,
  runOrThrow,
  tempPathFor,
} from './common.js';
import { Semaphore } from '../util/concurrency.js';
import { TargetError, type RunOptions, type RunResult, type Target, type WriteOptions } from './target.js';

/** The docker entry of targetSchema. */
export type DockerTargetConfig = Extract<TargetConfig, { type: 'docker' }>;

/** Largest file readFile returns; a bigger one is refused rather than cut. */
const MAX_READ_BYTES = 64 * 1024 * 1024;
/** readFile's exit code for "no such file" (cat never exits with it). */
const ABSENT_CODE = 66;
/** `sh -c` script: the pid line, then the program itself with its argv untouched ("$@"). */
const EXEC_SCRIPT = `${PID_PRELUDE}; exec "$@"`;

/**
 * A one-file POSIX ustar archive, as the Docker archive API takes it. The mode is in the
 * header, so the file is never readable with a wider mode, not even for a moment.
 */
export function ustarArchive(name: string, data: Buffer, mode: number, mtime: Date = new Date()): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length === 0 || nameBytes.length > 100 || name.includes('/'))
    throw new TypeError(`tar entry name must be 1-100 bytes without '/': ${name}`);
  modeString(mode);
  const header = Buffer.alloc(512);
  const octal = (offset: number, width: number, value: number): void => {
    const digits = Math.floor(value).toString(8);
    if (digits.length > width - 1) throw new RangeError('value too large for a tar header');
    header.write(`${digits.padStart(width - 1, '0')}\0`, offset, width, 'latin1');
  };
  nameBytes.copy(header, 0);
  octal(100, 8, mode);
  octal(108, 8, 0); // uid: root, chown follows when an owner is asked for
  octal(116, 8, 0); // gid
  octal(124, 12, data.length);
  octal(136, 12, mtime.getTime() / 1000);
  header.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  header.write('0', 156, 'latin1'); // regular file
  header.write('ustar\0', 257, 'latin1');
  header.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}

interface RawResult {
  code: number;
  stdout: OutputBuffer;
  stderr: OutputBuffer;
}

/**
 * A running container, reached through a Docker-compatible API on a unix socket (Docker or
 * Podman). Programs run with `docker exec` and an argv (through a fixed sh prelude that
 * makes them killable on timeout); files go in with the archive API and are renamed into
 * place inside the container.
 */
export class DockerTarget implements Target {
  private docker?: Docker;
  private readonly slots: Semaphore;

  constructor(
    readonly name: string,
    private readonly config: DockerTargetConfig,
  ) {
    this.slots = new Semaphore(config.maxConcurrency ?? 8);
  }

  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    checkArgv(argv);
    checkEnv(opts.env);
    const timeoutMs = checkTimeout(opts.timeoutMs);
    const r = await this.slots.run(() => this.exec(argv, opts.stdin, opts.env, timeoutMs, MAX_OUTPUT_BYTES));
    return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }

  async writeFile(path: string, content: string | Buffer, opts: WriteOptions = {}): Promise<void> {
    checkPath(path);
    const mode = opts.mode ?? 0o644;
    modeString(mode);
    checkOwner(opts.owner);
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const dir = posix.dirname(path);
    const tmp = tempPathFor(path);
    await this.checkFolder(dir); // the engine would create a missing folder (Podman does); other targets refuse
    try {
      await this.slots.run(() =>
        this.container().putArchive(ustarArchive(posix.basename(tmp), data, mode), { path: dir }),
      );
    } catch (err) {
      throw this.apiError(`cannot write ${path}`, err);
    }
    try {
      const hint = 'check the path, the owner and the permissions inside the container';
      if (opts.owner) await runOrThrow(this, ['chown', '--', opts.owner, tmp], `chown ${opts.owner} ${path}`, hint);
      // -T: never move the file into `path` when `path` is a folder; rename(2) semantics.
      await runOrThrow(this, ['mv', '-f', '-T', '--', tmp, path], `rename into ${path}`, hint);
    } catch (err) {
      await this.run(['rm', '-f', '--', tmp]).catch(() => undefined);
      throw err;
    }
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    checkPath(path);
    const script = `[ -e "$1" ] || exit ${ABSENT_CODE}; exec cat -- "$1"`;
    const r = await this.slots.run(() =>
      this.exec(['sh', '-c', script, 'sh', path], undefined, undefined, 120_000, MAX_READ_BYTES),
    );
    if (r.code === ABSENT_CODE && r.stdout.toBuffer().length === 0) return undefined;
    if (r.code !== 0) {
      throw new TargetError(
        `${this.name}: cannot read ${path}: ${r.stderr.toString().trim() || `exit code ${r.code}`}`,
        'check the path and its permissions inside the container',
        'command_failed',
      );
    }
    if (r.stdout.truncated)
      throw new TargetError(
        `${this.name}: ${path} is larger than ${MAX_READ_BYTES} bytes`,
        'serein reads only small files (configuration, certificates)',
        'file_too_large',
      );
    return r.stdout.toBuffer();
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await removeViaRun(this, path, opts.recursive, 'check the path and its permissions inside the container');
  }

  signal(pids: number[], signal: 'HUP' | 'QUIT'): Promise<RunResult> {
    return this.run(['kill', `-${signal}`, ...pids.map(String)], { timeoutMs: 10_000 });
  }

  async mkdir(path: string, opts: WriteOptions = {}): Promise<void> {
    await mkdirViaRun(this, path, opts, 'check the path and its permissions inside the container');
  }

  async close(): Promise<void> {
    // Requests use short-lived sockets; dropping the client is enough, a later call makes a new one.
    this.docker = undefined;
  }

  private api(): Docker {
    // dockerode is loaded on first use, so daemons without container targets start faster.
    const Dockerode = createRequire(import.meta.url)('dockerode') as typeof Docker;
    return (this.docker ??= new Dockerode({ socketPath: this.config.socketPath }));
  }

  private container(): Docker.Container {
    return this.api().getContainer(this.config.container);
  }

  /** Fails clearly when `dir` is missing or not a folder, using the archive stat (no exec). */
  private async checkFolder(dir: string): Promise<void> {
    let stat: { mode?: number; isDir?: boolean } | undefined;
    try {
      const res = (await this.container().infoArchive({ path: dir })) as unknown as {
        headers?: Record<string, string>;
        resume?: () => void;
      };
      res.resume?.();
      const header = res.headers?.['x-docker-container-path-stat'];
      if (header) stat = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as typeof stat;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) {
        await this.container()
          .inspect()
          .catch((e: unknown) => {
            throw this.apiError(`cannot write into ${dir}`, e);
          });
        throw new TargetError(
          `${this.name}: cannot write into ${dir}: no such folder in container ${this.config.container}`,
          'create the folder first (mkdir)',
          'fs_enoent',
        );
      }
      throw this.apiError(`cannot write into ${dir}`, err);
    }
    // Go's os.ModeDir is bit 31 of the mode.
    const isDir = stat?.isDir ?? (typeof stat?.mode === 'number' ? Math.floor(stat.mode / 2 ** 31) % 2 === 1 : true);
    if (!isDir)
      throw new TargetError(`${this.name}: cannot write into ${dir}: not a folder`, 'check the path', 'fs_enotdir');
  }

  /** One exec with exact output, optional stdin, and a timeout that kills the program's process group. */
  private async exec(
    argv: string[],
    stdin: string | Buffer | undefined,
    env: Record<string, string> | undefined,
    timeoutMs: number,
    maxOutput: number,
  ): Promise<RawResult> {
    const stdout = new OutputBuffer(maxOutput);
    const stderr = new OutputBuffer(maxOutput);
    let pid: number | undefined;
    const strip = new PidLineStripper(
      (b) => stderr.push(b),
      (p) => (pid = p),
    );
    const hasStdin = stdin !== undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));

    try {
      const starting = (async () => {
        const exec = await this.container().exec({
          Cmd: ['sh', '-c', EXEC_SCRIPT, 'sh', ...argv],
          AttachStdin: hasStdin,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          Env: Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`),
        });
        const stream = (await exec.start({ hijack: true, stdin: hasStdin })) as Duplex;
        return { exec, stream };
      })();
      const first = await Promise.race([starting, deadline]).catch((err: unknown) => {
        throw this.apiError(`cannot run ${argv[0]}`, err);
      });
      if (first === 'timeout') {
        // The engine did not even start the program in time: nothing to kill, drop what comes later.
        starting.then(
          ({ stream }) => stream.destroy(),
          () => undefined,
        );
        return { code: TIMEOUT_CODE, stdout, stderr };
      }
      const { exec, stream } = first;
      const finished = new Promise<'done'>((resolve) => {
        stream.on('end', () => resolve('done'));
        stream.on('close', () => resolve('done'));
        stream.on('error', () => resolve('done'));
      });
      this.api().modem.demuxStream(
        stream,
        sink((b) => stdout.push(b)),
        sink((b) => strip.push(b)),
      );
      if (hasStdin) stream.end(stdin);

      let timedOut = false;
      if ((await Promise.race([finished, deadline])) === 'timeout') {
        const info = await exec.inspect().catch(() => undefined);
        timedOut = info?.Running !== false; // exited, a child holds the output open: keep the real code
        if (pid !== undefined) await this.kill(pid);
        let graceTimer: NodeJS.Timeout | undefined;
        await Promise.race([finished, new Promise((resolve) => (graceTimer = setTimeout(resolve, KILL_GRACE_MS)))]);
        clearTimeout(graceTimer);
      }
      stream.destroy(); // the hijacked socket is not reused
      strip.end();
      if (timedOut) return { code: TIMEOUT_CODE, stdout, stderr };
      return { code: await this.exitCode(exec), stdout, stderr };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The exit code once the engine has recorded it (the stream may end a moment before). */
  private async exitCode(exec: Docker.Exec): Promise<number> {
    for (let attempt = 0, wait = 5; ; attempt++, wait *= 2) {
      const info = await exec.inspect();
      if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode;
      if (attempt >= 9)
        throw new TargetError(
          `${this.name}: the engine did not report the program's exit code`,
          'check the container engine',
          'docker_exec_failed',
        );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Kills the timed-out program's process group from a second exec (the API has no exec kill). */
  private async kill(pid: number): Promise<void> {
    await this.exec(['sh', '-c', KILL_SCRIPT, 'sh', String(pid)], undefined, undefined, KILL_GRACE_MS, 64 * 1024).catch(
      () => undefined,
    );
  }

  private apiError(what: string, err: unknown): Error {
    if (err instanceof TargetError) return err;
    const e = err as { statusCode?: number; code?: string; message?: string; json?: { message?: string } };
    const detail = e.json?.message ?? e.message ?? String(err);
    const { container, socketPath } = this.config;
    if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES') {
      return new TargetError(
        `${this.name}: ${what}: cannot reach the container engine at ${socketPath}: ${detail}`,
        'check that the Docker or Podman API service runs and that serein may open its socket',
        'docker_unreachable',
      );
    }
    if (e.statusCode === 404)
      return new TargetError(
        `${this.name}: ${what}: no container named ${container}: ${detail}`,
        `check targets.${this.name}.container (docker ps / podman ps)`,
        'docker_no_container',
      );
    if (e.statusCode === 409)
      return new TargetError(
        `${this.name}: ${what}: container ${container} is not running: ${detail}`,
        'start the container',
        'docker_not_running',
      );
    return new TargetError(`${this.name}: ${what}: ${detail}`, 'check the container engine', 'docker_api_failed');
  }
}

/** A Writable that hands each chunk to `push` (demuxStream writes to streams). */
function sink(push: (chunk: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      push(chunk);
      callback();
    },
  });
}
