import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  KILL_GRACE_MS,
  OutputBuffer,
  TIMEOUT_CODE,
  checkArgv,
  checkEnv,
  checkOwner,
  checkPath,
  checkTimeout,
  modeString,
  programEnvironment,
  runOrThrow,
  signalExitCode,
  tempPathFor,
} from './common.js';
import { TargetError, type RunOptions, type RunResult, type Target, type WriteOptions } from './target.js';

/**
 * The machine serein itself runs on. Programs are spawned directly from argv (no shell),
 * each in its own process group so a timeout kills the program and everything it started.
 */
export class LocalTarget implements Target {
  constructor(readonly name = 'local') {}

  run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    checkArgv(argv);
    checkEnv(opts.env);
    const timeoutMs = checkTimeout(opts.timeoutMs);
    return new Promise<RunResult>((resolve) => {
      const stdout = new OutputBuffer();
      const stderr = new OutputBuffer();
      let child: ChildProcess;
      let settled = false;
      let timedOut = false;
      let exitCode: number | undefined;
      let grace: NodeJS.Timeout | undefined;

      const settle = (code: number): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(grace);
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      };

      try {
        child = spawn(argv[0], argv.slice(1), {
          shell: false,
          detached: true, // own process group, killed as a whole on timeout
          env: { ...programEnvironment(), ...opts.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (err) {
        stderr.push(`${argv[0]}: ${(err as Error).message}\n`);
        resolve({ code: 127, stdout: '', stderr: stderr.toString() });
        return;
      }

      const timer = setTimeout(() => {
        // A program that already exited but left a child holding its output open keeps its real code.
        if (exitCode === undefined) timedOut = true;
        killGroup(child);
        grace = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          settle(timedOut ? TIMEOUT_CODE : (exitCode ?? TIMEOUT_CODE));
        }, KILL_GRACE_MS);
      }, timeoutMs);

      child.stdout!.on('data', (d: Buffer) => stdout.push(d));
      child.stderr!.on('data', (d: Buffer) => stderr.push(d));
      child.stdin!.on('error', () => {
        /* EPIPE: the program exited without reading all of its input; its exit code tells the story */
      });
      child.stdin!.end(opts.stdin);

      child.on('error', (err: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return; // errors after a successful spawn surface through 'close'
        stderr.push(`${argv[0]}: ${err.message}\n`);
        settle(err.code === 'ENOENT' ? 127 : 126);
      });
      child.on('exit', (code, signal) => {
        exitCode = code ?? signalExitCode(signal);
      });
      child.on('close', (code, signal) => {
        if (timedOut) settle(TIMEOUT_CODE);
        else settle(code ?? exitCode ?? signalExitCode(signal));
      });
    });
  }

  async writeFile(path: string, content: string | Buffer, opts: WriteOptions = {}): Promise<void> {
    checkPath(path);
    const mode = opts.mode ?? 0o644;
    modeString(mode);
    checkOwner(opts.owner);
    const tmp = tempPathFor(path);
    let fh: FileHandle | undefined;
    try {
      fh = await open(tmp, 'wx', mode); // O_EXCL: never reuses or follows an existing name
      await fh.writeFile(content);
      await fh.chmod(mode); // the umask may have narrowed the mode given to open()
      if (opts.owner) await this.chown(tmp, opts.owner);
      if (opts.durable !== false) await fh.sync();
      await fh.close();
      fh = undefined;
      await rename(tmp, path);
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw fsError(this.name, `cannot write ${path}`, err);
    }
    if (opts.durable !== false) await syncDir(dirname(path));
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    checkPath(path);
    try {
      return await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError(this.name, `cannot read ${path}`, err);
    }
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    checkPath(path);
    try {
      await rm(path, { force: true, recursive: opts.recursive ?? false });
    } catch (err) {
      throw fsError(this.name, `cannot remove ${path}`, err);
    }
  }

  async signal(pids: number[], signal: 'HUP' | 'QUIT'): Promise<RunResult> {
    // Every pid is tried, as kill(1) does: one already gone does not spare the others.
    const errors: string[] = [];
    for (const pid of pids) {
      try {
        process.kill(pid, `SIG${signal}`);
      } catch (err) {
        errors.push(`kill -${signal} ${pid}: ${(err as Error).message}`);
      }
    }
    return { code: errors.length ? 1 : 0, stdout: '', stderr: errors.join('\n') };
  }

  async mkdir(path: string, opts: WriteOptions = {}): Promise<void> {
    checkPath(path);
    if (opts.mode !== undefined) modeString(opts.mode);
    checkOwner(opts.owner);
    try {
      await mkdir(path, { recursive: true, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) });
      if (opts.mode !== undefined) await chmod(path, opts.mode); // also when it existed; the umask may have narrowed it
    } catch (err) {
      throw fsError(this.name, `cannot create folder ${path}`, err);
    }
    if (opts.owner) await this.chown(path, opts.owner);
  }

  async close(): Promise<void> {
    /* nothing held open */
  }

  /** chown(1) resolves user and group names exactly as on the remote targets. */
  private chown(path: string, owner: string): Promise<void> {
    return runOrThrow(
      this,
      ['chown', '--', owner, path],
      `chown ${owner} ${path}`,
      'check that the user and group exist and that serein may change owners (it usually runs as root for this)',
    );
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Makes a rename durable: without it a crash can bring back the old file. Best effort. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  await fh.sync().catch(() => undefined);
  await fh.close().catch(() => undefined);
}

function fsError(target: string, what: string, err: unknown): Error {
  if (err instanceof TargetError) return err;
  const e = err as NodeJS.ErrnoException;
  const hint =
    e.code === 'ENOENT'
      ? 'create the folder first (mkdir)'
      : e.code === 'EACCES' || e.code === 'EPERM'
        ? 'serein lacks the permission; check the owner and mode of the folder'
        : e.code === 'EISDIR' || e.code === 'ENOTEMPTY'
          ? 'the path is a folder'
          : 'see the error message';
  return new TargetError(`${target}: ${what}: ${e.message}`, hint, e.code ? `fs_${e.code.toLowerCase()}` : 'fs_error');
}
