// The API under load from a second process (bench/load-client.ts, autocannon's role):
// job submissions (POST /v1/jobs, a one-step local job, admin token: no per-client limit)
// and status reads (GET /v1/jobs/:id), 16 connections for a few seconds each, several
// runs. The daemon is a separate `serein serve` process; the jobs it runs meanwhile are
// part of the cost.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Store } from '../src/store/store.js';
import { freePort, serein } from '../test/helpers/process.js';
import { until } from '../test/helpers/until.js';
import { repeat, stat, type Figures } from './stats.js';

const SMOKE = !!process.env.BENCH_SMOKE;
const RUNS = SMOKE ? 1 : 3;
const SECONDS = SMOKE ? 1 : 3;
const CONNECTIONS = 16;
const run = promisify(execFile);

interface Load {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, method: string, token: string, body?: unknown): Promise<Load> {
  const args = [
    '--import',
    'tsx',
    join(import.meta.dirname, 'load-client.ts'),
    url,
    method,
    token,
    String(SECONDS),
    String(CONNECTIONS),
    ...(body ? [JSON.stringify(body)] : []),
  ];
  const { stdout } = await run(process.execPath, args, { cwd: resolve(import.meta.dirname, '..') });
  return JSON.parse(stdout) as Load;
}

export default async function bench(): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'serein-api-bench-'));
  try {
    const port = await freePort();
    const dbPath = join(dir, 'api.db');
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `server:\n  port: ${port}\nstore:\n  driver: sqlite\n  path: ${dbPath}\nstateDir: ${join(dir, 'state')}\nplaybooks: ${resolve(import.meta.dirname, '../test/fixtures/playbooks')}\nrenewal:\n  enabled: false\nlog:\n  level: warn\n`,
    );
    const store = await Store.open({ driver: 'sqlite', path: dbPath } as never);
    const { token } = await store.tokens.create('admin', null, 'bench');
    await store.close();
    const child = serein(['serve', '--config', file]);
    try {
      const base = `http://127.0.0.1:${port}`;
      await until(() => fetch(`${base}/healthz`).then((r) => r.ok), 60_000, 'healthz');
      const out = join(dir, 'ran.txt');
      const submit = { playbook: 'sample.append', inputs: { file: out } };
      const first = (await (
        await fetch(`${base}/v1/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(submit),
        })
      ).json()) as { job: { id: string } };
      const submits = await repeat(RUNS, () => load(`${base}/v1/jobs`, 'POST', token, submit));
      const reads = await repeat(RUNS, () => load(`${base}/v1/jobs/${first.job.id}`, 'GET', token));
      return {
        'job submissions per second (POST /v1/jobs, 16 connections)': stat(
          submits.map((l) => l.perSecond),
          '/s',
        ),
        'job submission latency p50': stat(
          submits.map((l) => l.p50),
          'ms',
        ),
        'job submission latency p99': stat(
          submits.map((l) => l.p99),
          'ms',
        ),
        'job submissions answered other than 2xx': submits.reduce((n, l) => n + l.errors, 0),
        'status reads per second (GET /v1/jobs/:id, 16 connections)': stat(
          reads.map((l) => l.perSecond),
          '/s',
        ),
        'status read latency p50': stat(
          reads.map((l) => l.p50),
          'ms',
        ),
        'status read latency p99': stat(
          reads.map((l) => l.p99),
          'ms',
        ),
        'status reads answered other than 2xx': reads.reduce((n, l) => n + l.errors, 0),
        "status reads per job submission (each run's own ratio)": stat(
          reads.map((r, i) => r.perSecond / submits[i].perSecond),
          '×',
        ),
      };
    } finally {
      child.kill('SIGTERM');
      await child.exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
