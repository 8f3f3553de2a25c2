import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, serein } from '../test/helpers/process.js';
import { until } from '../test/helpers/until.js';
import { startTestDaemon } from '../test/helpers/daemon.js';

const fixtures = resolve(import.meta.dirname, '../test/fixtures/playbooks');

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
    const t0 = performance.now();
    const child = serein(['serve', '--config', file]);
    await until(() => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok), 30_000, 'healthz');
    const startup = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    child.kill('SIGTERM');
    await child.exited;
    const shutdown = (performance.now() - t1) / 1000;

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
      'SIGTERM to exit (s, target < 2)': shutdown,
      [`${n} one-step jobs, local target (s)`]: seconds,
      'jobs per second': n / seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
