/**
 * The SSH target's time limit kills everything the program started, on a busy machine too,
 * and even when the limit falls before the remote shell has started the program (sshd and
 * the shell take longer than the limit to start it): run() returns only once nothing the
 * program started is left. A CPU hog runs beside each test, bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTarget } from '../src/targets/index.js';
import type { Target } from '../src/targets/target.js';
import { useLab } from './lab/client.js';

/** A busy loop, one per core, that ends by itself after 60 s at the latest. */
function cpuHogs(): ChildProcess[] {
  return [0, 1].map(() =>
    spawn(process.execPath, ['-e', 'const end = Date.now() + 60_000; while (Date.now() < end);'], { stdio: 'ignore' }),
  );
}

describe('the SSH target under load', () => {
  let target: Target;
  let hogs: ChildProcess[] = [];

  beforeAll(async () => {
    const lab = await useLab('sshd');
    target = createTarget('lab-ssh-timeout', { type: 'ssh', ...lab.sshd!, maxConcurrency: 4 });
    await target.run(['true']); // connected before the limits are measured
  });
  afterAll(async () => {
    await target?.close();
  });
  beforeEach(() => {
    hogs = cpuHogs();
  });
  afterEach(() => {
    for (const h of hogs) h.kill('SIGKILL');
  });

  /** Whether a process whose command line is `sleep <seconds>` runs on the target. */
  const sleeping = async (seconds: string) => {
    const ps = await target.run(['sh', '-c', 'cat /proc/[0-9]*/cmdline 2>/dev/null; true']);
    expect(ps.stdout).toContain('cat /proc/[0-9]*/cmdline'); // the listing works (it sees its own shell)
    return ps.stdout.includes(`sleep\0${seconds}\0`);
  };

  for (const timeoutMs of [1, 200]) {
    it(
      `kills a program and its background children when its limit of ${timeoutMs} ms runs out`,
      { timeout: 60_000 },
      async () => {
        const seconds = String(randomInt(7_000_000, 8_000_000)); // unique: finds our sleeps among all processes
        const r = await target.run(
          ['sh', '-c', 'sleep "$1" & sleep "$1" & sleep "$1"; echo not reached', 'sh', seconds],
          { timeoutMs },
        );
        expect(r.code).toBe(124);
        expect(r.stdout).toBe('');
        expect(await sleeping(seconds)).toBe(false);
      },
    );
  }
});
