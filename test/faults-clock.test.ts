/**
 * A clock that jumps, for real: a second daemon runs under libfaketime (`faketime`) two hours
 * ahead, sharing a PostgreSQL store with a daemon whose clock is right and which is in the
 * middle of a job. Leases are read against the store's clock, so the daemon whose clock
 * jumped does not take the running job for an orphan of a dead daemon: the job is neither
 * undone under the daemon running it nor run twice.
 * (The renewal schedule's own clock jumps are in test/multi-daemon-renewal.test.ts and
 * test/acme-daemon.test.ts, through its injected clock.)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDatabase } from './helpers/db-lab.js';
import { freePort, serein } from './helpers/process.js';
import { until } from './helpers/until.js';
import { tempDir } from './helpers/tmp.js';
import { useLab } from './lab/client.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');
const TERMINAL = ['succeeded', 'failed', 'needs-attention'];

describe('a daemon whose clock jumped two hours ahead', () => {
  let dir: string;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let url: string;

  beforeAll(async () => {
    const lab = await useLab('postgres');
    db = await storeDatabase(lab, 'serein_clock');
    url = db.url;
    dir = tempDir('serein-clock-');
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function daemon(name: string) {
    const port = await freePort();
    const file = join(dir, `${name}.yaml`);
    // concurrency 1: the daemon busy with the slow job takes nothing else
    writeFileSync(
      file,
      `server:\n  port: ${port}\nstore:\n  driver: postgres\n  url: ${url}\nstateDir: state\nplaybooks: ${fixtures}\nworkers:\n  concurrency: 1\n`,
    );
    const child = serein(['serve', '--config', file]);
    return { child, base: `http://127.0.0.1:${port}`, file };
  }

  it('does not take over, undo or rerun the job the other daemon is running', async () => {
    const a = await daemon('a');
    const token = await until(
      async () => /admin token: (srn_a_\S+)/.exec(a.child.output())?.[1],
      30_000,
      'the admin token',
    );
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const submit = async (base: string, playbook: string, inputs: Record<string, unknown>) =>
      (
        (await (
          await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ playbook, inputs }) })
        ).json()) as any
      ).job.id as string;
    const job = async (base: string, id: string) =>
      ((await (await fetch(`${base}/v1/jobs/${id}`, { headers })).json()) as any).job;

    const work = join(dir, 'work');
    mkdirSync(work);
    const slow = await submit(a.base, 'sample.slow', { dir: work });
    await until(async () => existsSync(join(work, 'count.txt')), 30_000, 'daemon A to reach the waiting step');

    // Daemon B: same store, its clock two hours ahead (libfaketime), started while A's job runs.
    const port = await freePort();
    const fileB = join(dir, 'b.yaml');
    writeFileSync(fileB, readFileSync(a.file, 'utf8').replace(/port: \d+/, `port: ${port}`));
    // libfaketime preloaded into serein itself, as the faketime command does: the child is
    // serein, so its stop signal reaches it (faketime forks, and passes no signal on).
    const libfaketime = readdirSync('/usr/lib')
      .map((d) => join('/usr/lib', d, 'faketime', 'libfaketime.so.1'))
      .find((f) => existsSync(f));
    if (!libfaketime) throw new Error('libfaketime not found: test/lab/setup.sh installs the faketime package');
    const b = spawn(process.execPath, [resolve(import.meta.dirname, '../bin/serein.js'), 'serve', '--config', fileB], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LD_PRELOAD: libfaketime, FAKETIME: '+2h' },
    });
    let outB = '';
    b.stdout!.on('data', (c) => (outB += c));
    b.stderr!.on('data', (c) => (outB += c));
    const bExited = new Promise((r) => b.once('exit', r));
    try {
      const baseB = `http://127.0.0.1:${port}`;
      await until(() => fetch(`${baseB}/healthz`).then((r) => r.ok), 30_000, 'daemon B');
      const skew = Date.parse((await fetch(`${baseB}/healthz`)).headers.get('date')!) - Date.now();
      expect(skew).toBeGreaterThan(3_500_000); // B's clock really is ahead
      // B's worker looks for orphans before its first claim: once B has run a job (A, at
      // concurrency 1, is busy), B has looked at A's running job with its jumped clock.
      const marker = await submit(baseB, 'sample.append', { file: join(work, 'marker.txt') });
      const m = await until(
        async () => {
          const j = await job(baseB, marker);
          return TERMINAL.includes(j.status) ? j : undefined;
        },
        30_000,
        'the marker job',
      );
      expect(m.status).toBe('succeeded');
      const during = await job(a.base, slow);
      expect(during.status).toBe('running'); // not taken for an orphan and compensated under A
      expect(readFileSync(join(work, 'count.txt'), 'utf8')).toBe('run\n');

      writeFileSync(join(work, 'flag'), ''); // lets A's job finish
      const done = await until(
        async () => {
          const j = await job(a.base, slow);
          return TERMINAL.includes(j.status) ? j : undefined;
        },
        30_000,
        'the slow job',
      );
      expect(done.status).toBe('succeeded');
      expect(readFileSync(join(work, 'count.txt'), 'utf8')).toBe('run\n'); // run once, never undone
      expect(outB).not.toMatch(/compensating a job interrupted/);
    } finally {
      b.kill('SIGTERM');
      await bExited;
      a.child.kill('SIGTERM');
      await a.child.exited;
    }
  });
});
