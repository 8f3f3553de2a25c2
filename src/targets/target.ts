/** What a program run on a target returned. A non-zero exit is a result, not an exception. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Fed to the program's standard input: how secrets reach a program, never argv. */
  stdin?: string | Buffer;
  /** Killed after this long; the result then has code 124 (default 60 s). */
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface WriteOptions {
  /** File mode, e.g. 0o600 for keys (default 0o644). */
  mode?: number;
  /** 'user' or 'user:group'; left as is when absent. */
  owner?: string;
  /**
   * false: still atomic, but not flushed to disk (no fsync), for short-lived files a crash
   * may lose, such as ACME challenge tokens. Default true.
   */
  durable?: boolean;
}

/**
 * A machine or container serein changes. Programs run with an argv array, never a
 * shell string, so request values can never become shell syntax. Writes are atomic
 * (temporary file then rename) so a reader never sees half a file.
 */
export interface Target {
  readonly name: string;
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
  writeFile(path: string, content: string | Buffer, opts?: WriteOptions): Promise<void>;
  /** The file's content, or undefined when it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** Removes a file (or a folder with `recursive`); absent is not an error. */
  remove(path: string, opts?: { recursive?: boolean }): Promise<void>;
  mkdir(path: string, opts?: WriteOptions): Promise<void>;
  /**
   * Sends a signal to processes of the target (an nginx master and its workers). The
   * local target signals in-process: starting a `kill` program costs more than the signal.
   */
  signal(pids: number[], signal: 'HUP' | 'QUIT'): Promise<RunResult>;
  /** Releases connections. The target may be used again afterwards (it reconnects). */
  close(): Promise<void>;
}

/** A target refused or failed in a way the operator must see (unknown host key, ...). */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly code = 'target_error',
  ) {
    super(message);
    this.name = 'TargetError';
  }
}
