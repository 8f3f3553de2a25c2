import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, serein } from '../test/helpers/process.js';
import { until } from '../test/helpers/until.js';
import { startTestDaemon } from '../test/helpers/daemon.js';
import { startServe } from './fleet.bench.js';
import { cpuMs } from './million.bench.js';
import { repeat, stat } from './stats.js';

const fixtures = resolve(import.meta.dirname, '../test/fixtures/playbooks');
const SMOKE = !!process.env.BENCH_SMOKE;

/**
 * Three daemons started at once, each on its own SQLite store (issue 25: a provider's daemons
 * start together after a reboot or an upgrade): each one's start to /healthz and the processor
 * time it used for it, which the machine's load does not change as it changes the wall time.
 */
async function threeAtOnce(dir: string) {
  const dirs = [0, 1, 2].map((i) => join(dir, `three-${i}`));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const store = (d: string) => `  driver: sqlite\n  path: ${join(d, 'serein.db')}`;
  // Each store made first: the starts measured migrate nothing, as a daemon's every start but its first.
  for (const d of dirs) {
    const first = await startServe(d, store(d));
    first.child.kill('SIGTERM');
    await first.child.exited;
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  await repeat(SMOKE ? 1 : 3, async () => {
    const started = await Promise.all(
      dirs.map((d) => startServe(d, store(d)).then((s) => ({ ...s, cpu: cpuMs(s.child.pid!) }))),
    );
    for (const s of started) {
      wall.push(s.ms);
      cpu.push(s.cpu);
      s.child.kill('SIGTERM');
    }
    await Promise.all(started.map((s) => s.child.exited));
  });
  return { wall, cpu };
}

/** Start to /healthz, SIGTERM to exit, and engine throughput on the local target. */
export default async function bench() {
  const dir = mkdtempSync(join(tmpdir(), 'serein-bench-'));
  try {
    const port = await freePort();
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `server:\n  port: ${port}\nstore:\n  driver: sqlite\n  path: bench.db\nstateDir: state\nplaybooks: ${fixtures}\nlog:\n  level: warn\n`,
    );
    // bin/serein.js bundles the sources on the first start after a change: made first, so esbuild is not measured.
    await serein(['--help']).exited;
    const t0 = performance.now();
    const child = serein(['serve', '--config', file]);
    await until(() => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok), 30_000, 'healthz');
    const startup = (performance.now() - t0) / 1000;
    const startCpu = cpuMs(child.pid!);
    const t1 = performance.now();
    child.kill('SIGTERM');
    await child.exited;
    const shutdown = (performance.now() - t1) / 1000;

    const three = await threeAtOnce(dir);

    const d = await startTestDaemon({ playbooksDir: fixtures });
    const out = join(dir, 'ran.txt');
    const n = 200;
    const t2 = performance.now();
    const ids = await Promise.all(
      Array.from(
        { length: n },
        async () =>
          (await d.api('POST', '/v1/jobs', { body: { playbook: 'sample.append', inputs: { file: out } } })).body.job.id,
      ),
    );
    await Promise.all(ids.map((id) => d.waitJob(id)));
    const seconds = (performance.now() - t2) / 1000;
    await d.stop();
    return {
      'start to /healthz 200 (s, target < 3)': startup,
      'processor time of that start (ms)': startCpu,
      '3 daemons started at once, own SQLite stores: start to /healthz 200, each': stat(three.wall, 'ms'),
      '3 daemons started at once: processor time each used by its /healthz 200': stat(three.cpu, 'ms'),
      'SIGTERM to exit (s, target < 2)': shutdown,
      [`${n} one-step jobs, local target (s)`]: seconds,
      'jobs per second': n / seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
