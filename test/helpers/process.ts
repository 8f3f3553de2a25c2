import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const seReinBin = resolve(import.meta.dirname, '../../bin/serein.js');

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

const children = new Set<ChildProcess>();

/** Kills every serein child still running: a failed test must not leave a daemon behind. */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}
process.on('exit', killChildren);

/** A serein child process with its output collected (see serein and haltingSerein). */
export type SereinChild = ChildProcess & { output: () => string; exited: Promise<number | null> };

/** `serein ARGS...` as a child process, with its output collected; killed after the test file at the latest. */
export function serein(args: string[], env: Record<string, string> = {}): SereinChild {
  return nodeChild([seReinBin, ...args], env);
}

/**
 * The daemon of `serein serve --config configFile`, built in-process by a test entry with the
 * runner's checkpoint hook: it freezes at the point haltFile names (see ./halting-serve.ts).
 */
export function haltingSerein(configFile: string, haltFile: string): SereinChild {
  return nodeChild(['--import', 'tsx', resolve(import.meta.dirname, 'halting-serve.ts'), configFile, haltFile]);
}

/** A TypeScript entry of the tests (`node --import tsx file args...`) as a child process, with its output collected. */
export function tsxChild(file: string, args: string[] = []): SereinChild {
  return nodeChild(['--import', 'tsx', file, ...args]);
}

function nodeChild(args: string[], env: Record<string, string> = {}): SereinChild {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  children.add(child);
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      children.delete(child);
      r(code);
    }),
  );
  return Object.assign(child, { output: () => out, exited });
}
