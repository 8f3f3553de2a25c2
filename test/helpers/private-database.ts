import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as net from 'node:net';
import { until } from './until.js';

/**
 * A database server of a test file's own (the shared lab's must never be stopped), reached
 * over TCP on 127.0.0.1, which a test can stop and start again on the same port and data.
 */
export interface PrivateDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  running(): boolean;
  /** A normal shutdown (PostgreSQL's fast one, MariaDB's SIGTERM): sessions are cut, the server exits. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  remove(): Promise<void>;
}

/** How to run one server: its command, the line it logs once ready, and the signals that stop it. */
export interface ServerProcess {
  /** For the error when it does not start (`mariadbd`, `postgres`). */
  name: string;
  command: string;
  args: string[];
  options?: SpawnOptions;
  port: number;
  ready: RegExp;
  /** The signal of a normal shutdown. */
  stopSignal: NodeJS.Signals;
  /** The signal that ends it at once when the test process exits with it still running. */
  exitSignal: NodeJS.Signals;
  /** Its folder (data and all), removed by remove(). */
  dir: string;
}

const accepts = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), ok(true)));
    s.once('error', () => ok(false));
  });

/**
 * Starts a server process and returns its stop, start and remove, shared by the private
 * MariaDB and PostgreSQL: start waits until the server says it is ready and accepts
 * connections (failing with its output if it exits first), and a test process that exits
 * never leaves it running.
 */
export async function startServerProcess(
  s: ServerProcess,
): Promise<Pick<PrivateDatabase, 'running' | 'stop' | 'start' | 'remove'>> {
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const onExit = () => proc?.exitCode === null && proc.kill(s.exitSignal);
  process.on('exit', onExit);
  const start = async () => {
    let out = '';
    proc = spawn(s.command, s.args, { ...s.options, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b) => (out += b));
    proc.stderr!.on('data', (b) => (out += b));
    const p = proc;
    exited = new Promise((r) => p.once('exit', () => r()));
    const state = await until(
      async () => (p.exitCode !== null ? 'exited' : s.ready.test(out) && (await accepts(s.port)) && 'ready'),
      120_000,
      `${s.name} to start`,
    );
    if (state === 'exited') throw new Error(`${s.name} did not start: ${out}`);
  };
  const stop = async () => {
    if (proc?.exitCode === null) {
      proc.kill(s.stopSignal);
      await exited;
    }
  };
  await start();
  return {
    running: () => proc?.exitCode === null,
    stop,
    start,
    remove: async () => {
      await stop();
      process.off('exit', onExit);
      rmSync(s.dir, { recursive: true, force: true });
    },
  };
}
