import { posix } from 'node:path';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type { TargetConfig } from '../config/schema.js';
import {
  KILL_GRACE_MS,
  KILL_SCRIPT,
  OutputBuffer,
  PidLineStripper,
  TIMEOUT_CODE,
  checkOwner,
  checkPath,
  checkTimeout,
  mkdirViaRun,
  modeString,
  removeViaRun,
  runOrThrow,
  signalExitCode,
  tempPathFor,
} from './common.js';
import { Semaphore } from '../util/concurrency.js';
import { call, fsync, SFTP_NO_SUCH_FILE, sftpError } from './sftp.js';
import { openSsh, type Connection } from './ssh-connect.js';
import { shellQuote, sshCommand } from './ssh-command.js';
import { TargetError, type RunOptions, type RunResult, type Target, type WriteOptions } from './target.js';

/** The ssh entry of targetSchema (defaults applied). */
export type SshTargetConfig = Extract<TargetConfig, { type: 'ssh' }>;

interface RawResult {
  code: number;
  stdout: OutputBuffer;
  stderr: OutputBuffer;
}

/**
 * How long a program whose limit ran out before its pid arrived is waited for: sshd and
 * the login shell may take seconds to start it on a loaded machine, and it must be killed
 * then rather than left running once run() has answered.
 */
const START_GRACE_MS = 30_000;

/**
 * A machine reached over SSH with a key. The host key is pinned by its SHA256 fingerprint
 * (an unknown or changed key is refused before anything runs). One connection is opened on
 * first use and reused, and reopened when it drops. Files move over SFTP, the temporary
 * file is renamed into place with the atomic posix-rename extension.
 */
export class SshTarget implements Target {
  private conn?: Promise<Connection>;
  private readonly slots: Semaphore;

  constructor(
    readonly name: string,
    private readonly config: SshTargetConfig,
  ) {
    // OpenSSH allows 10 sessions per connection (MaxSessions): one is kept for SFTP, one for kills.
    this.slots = new Semaphore(config.maxConcurrency ?? 8);
  }

  private get where(): string {
    return `${this.config.username}@${this.config.host}:${this.config.port}`;
  }

  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    const command = sshCommand(argv, opts.env);
    const timeoutMs = checkTimeout(opts.timeoutMs);
    const r = await this.slots.run(() => this.exec(command, opts.stdin, timeoutMs));
    return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }

  async writeFile(path: string, content: string | Buffer, opts: WriteOptions = {}): Promise<void> {
    checkPath(path);
    const mode = opts.mode ?? 0o644;
    modeString(mode);
    checkOwner(opts.owner);
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const tmp = tempPathFor(path);
    const sftp = await this.sftp();
    let created = false;
    try {
      const handle = await call<Buffer>((cb) => sftp.open(tmp, 'wx', { mode }, cb));
      created = true;
      try {
        if (data.length > 0) await call((cb) => sftp.write(handle, data, 0, data.length, 0, cb));
        await call((cb) => sftp.fchmod(handle, mode, cb)); // the server's umask applied to open()
        if (opts.durable !== false) await fsync(sftp, handle);
      } finally {
        await call((cb) => sftp.close(handle, cb)).catch(() => undefined);
      }
      if (opts.owner) {
        await runOrThrow(
          this,
          ['chown', '--', opts.owner, tmp],
          `chown ${opts.owner} ${path}`,
          'check that the user and group exist on the target and that the SSH user may change owners',
        );
      }
      await this.rename(sftp, tmp, path);
    } catch (err) {
      if (created) await call((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      throw sftpError(this.name, `cannot write ${path}`, err);
    }
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    checkPath(path);
    const sftp = await this.sftp();
    try {
      return await call<Buffer>((cb) => sftp.readFile(path, cb));
    } catch (err) {
      if ((err as { code?: unknown }).code === SFTP_NO_SUCH_FILE) return undefined;
      throw sftpError(this.name, `cannot read ${path}`, err);
    }
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await removeViaRun(this, path, opts.recursive, 'check the path and the permissions of its folder');
  }

  signal(pids: number[], signal: 'HUP' | 'QUIT'): Promise<RunResult> {
    return this.run(['kill', `-${signal}`, ...pids.map(String)], { timeoutMs: 10_000 });
  }

  async mkdir(path: string, opts: WriteOptions = {}): Promise<void> {
    await mkdirViaRun(this, path, opts, 'check the path and that the SSH user may write there');
  }

  async close(): Promise<void> {
    const pending = this.conn;
    this.conn = undefined;
    const c = await pending?.catch(() => undefined);
    c?.ssh.dispose();
  }

  /** The shared connection, opened on first use and again after it dropped. */
  private connection(): Promise<Connection> {
    if (!this.conn) {
      const p = openSsh(this.name, this.config);
      this.conn = p;
      p.then(
        (c) => {
          const forget = (): void => {
            if (this.conn === p) this.conn = undefined;
          };
          c.client.on('close', forget);
          c.client.on('end', forget);
        },
        () => {
          if (this.conn === p) this.conn = undefined;
        },
      );
    }
    return this.conn;
  }

  private async sftp(): Promise<SFTPWrapper> {
    const c = await this.connection();
    if (!c.sftp) {
      const p = new Promise<SFTPWrapper>((resolve, reject) => {
        c.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)));
      });
      c.sftp = p;
      p.then(
        (s) => s.on('close', () => c.sftp === p && (c.sftp = undefined)),
        () => c.sftp === p && (c.sftp = undefined),
      );
    }
    try {
      return await c.sftp;
    } catch (err) {
      throw new TargetError(
        `${this.name}: cannot start SFTP on ${this.where}: ${(err as Error).message}`,
        'enable the sftp Subsystem in sshd_config',
        'ssh_sftp_failed',
      );
    }
  }

  /** rename(2) semantics (replaces the target atomically); plain SFTP rename refuses to replace. */
  private async rename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
    try {
      await call((cb) => sftp.ext_openssh_rename(from, to, cb));
    } catch (err) {
      if (!/not supported/i.test((err as Error).message)) throw err;
      await runOrThrow(
        this,
        ['mv', '-f', '-T', '--', from, to],
        `mv ${posix.basename(from)} ${to}`,
        'check the permissions of the folder',
      );
    }
  }

  /** Opens a channel, retrying once on a fresh connection when the shared one turns out to be dead. */
  private async channel(command: string): Promise<{ client: Client; ch: ClientChannel }> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.connection();
      try {
        const ch = await new Promise<ClientChannel>((resolve, reject) => {
          try {
            c.client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch)));
          } catch (err) {
            reject(err);
          }
        });
        return { client: c.client, ch };
      } catch (err) {
        const dead = !c.ssh.isConnected() || c.ssh.connection !== c.client;
        if (dead && attempt === 0) {
          if (this.conn) {
            const stale = this.conn;
            this.conn = undefined;
            void stale.then(
              (s) => s.ssh.dispose(),
              () => undefined,
            );
          }
          continue;
        }
        throw new TargetError(
          `${this.name}: cannot start a program on ${this.where}: ${(err as Error).message}`,
          'lower maxConcurrency for this target or raise MaxSessions in sshd_config',
          'ssh_channel_failed',
        );
      }
    }
  }

  /** Runs one command string with exact output, stdin and a timeout that kills the program's process group. */
  private async exec(command: string, stdin: string | Buffer | undefined, timeoutMs: number): Promise<RawResult> {
    const { client, ch } = await this.channel(command);
    return new Promise<RawResult>((resolve, reject) => {
      const stdout = new OutputBuffer();
      const stderr = new OutputBuffer();
      let pid: number | undefined;
      let exit: { code: number } | undefined;
      let timedOut = false;
      let settled = false;
      let grace: NodeJS.Timeout | undefined;
      let expired = false;
      let killing = false;
      // Kills the program's group once both are known: its limit ran out and its pid. The pid
      // may come after the limit (sshd and the shell were slow to start it, a busy machine),
      // and only then can its group be killed: closing the channel alone stops nothing.
      const killWhenKnown = (): void => {
        if (!expired || pid === undefined || killing) return;
        killing = true;
        clearTimeout(grace);
        void this.kill(client, pid).finally(() => {
          grace = setTimeout(() => {
            ch.close();
            settle();
          }, KILL_GRACE_MS);
        });
      };
      const strip = new PidLineStripper(
        (b) => stderr.push(b),
        (p) => {
          pid = p;
          killWhenKnown();
        },
      );

      const settle = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(grace);
        strip.end();
        if (timedOut) resolve({ code: TIMEOUT_CODE, stdout, stderr });
        else if (exit) resolve({ code: exit.code, stdout, stderr });
        else
          reject(
            new TargetError(
              `${this.name}: the connection to ${this.where} closed before the program finished`,
              'the program may or may not have run; check the target and retry',
              'ssh_connection_lost',
            ),
          );
      };

      ch.on('data', (d: Buffer) => stdout.push(d));
      ch.stderr.on('data', (d: Buffer) => strip.push(d));
      ch.on('exit', (code: number | null, signal?: string) => {
        exit = { code: typeof code === 'number' ? code : signalExitCode(signal) };
      });
      ch.on('close', settle);
      ch.on('error', () => undefined); // followed by 'close'
      ch.end(stdin);

      const timer = setTimeout(() => {
        if (!exit) timedOut = true; // exited but a child holds its output open: keep the real code
        expired = true;
        // Settled when the channel closes (the group is dead) or, failing that, once the
        // pid had time to arrive and the kill time to act.
        grace = setTimeout(() => {
          ch.close();
          settle();
        }, START_GRACE_MS);
        killWhenKnown();
      }, timeoutMs);
    });
  }

  /** Kills the timed-out program's process group over its own channel (sshd ignores signal requests for root). */
  private async kill(client: Client, pid: number | undefined): Promise<void> {
    if (pid === undefined) return;
    const cmd = `set -- ${shellQuote(String(pid))}; ${KILL_SCRIPT}`;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, KILL_GRACE_MS);
      try {
        client.exec(cmd, (err, ch) => {
          if (err) return resolve();
          ch.on('close', () => {
            clearTimeout(t);
            resolve();
          });
          ch.on('error', () => undefined);
          ch.resume();
          ch.stderr.resume();
          ch.end();
        });
      } catch {
        clearTimeout(t);
        resolve();
      }
    });
  }
}
