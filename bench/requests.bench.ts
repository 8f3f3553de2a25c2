// Requests in words (POST /v1/requests) on a `serein serve` process: how long after the
// daemon answers /healthz the first request is answered (the model loads in the
// background at start, its weights computed by npm run prepare), then the latency under
// load from a second process (bench/load-client.ts), 16 connections, several runs. The
// words are a polite French request with a greeting and a signature, read whole.
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
const TEXT =
  'Bonjour, nos clients nous disent que la boutique affiche un avertissement. Pourriez-vous mettre le https sur boutique.fr et une base pour wordpress ? Merci beaucoup, Claire';

interface Load {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, token: string, body: unknown, connections = CONNECTIONS): Promise<Load> {
  const args = [
    '--import',
    'tsx',
    join(import.meta.dirname, 'load-client.ts'),
    url,
    'POST',
    token,
    String(SECONDS),
    String(connections),
    JSON.stringify(body),
  ];
  const { stdout } = await run(process.execPath, args, { cwd: resolve(import.meta.dirname, '..') });
  return JSON.parse(stdout) as Load;
}

/** One start of the daemon: milliseconds from /healthz answering to the first request answered. */
async function firstRequest(
  dir: string,
  token: string,
  port: number,
  file: string,
): Promise<{ ms: number; child: ReturnType<typeof serein> }> {
  const child = serein(['serve', '--config', file]);
  const base = `http://127.0.0.1:${port}`;
  await until(
    () =>
      fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    60_000,
    'healthz',
  );
  const t = performance.now();
  const res = await fetch(`${base}/v1/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: TEXT, tenant: 'bench' }),
  });
  if (!res.ok) throw new Error(`first request: ${res.status} ${await res.text()}`);
  return { ms: performance.now() - t, child };
}

export default async function bench(): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'serein-requests-bench-'));
  try {
    const port = await freePort();
    const dbPath = join(dir, 'requests.db');
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `server:\n  port: ${port}\nstore:\n  driver: sqlite\n  path: ${dbPath}\nstateDir: ${join(dir, 'state')}\nplaybooks: ${resolve(import.meta.dirname, '../playbooks')}\nrenewal:\n  enabled: false\nlog:\n  level: warn\n`,
    );
    const store = await Store.open({ driver: 'sqlite', path: dbPath } as never);
    const { token } = await store.tokens.create('admin', null, 'bench');
    await store.tenants.create({ id: 'bench', name: 'Bench', language: 'fr' });
    await store.tenants.addResource({ kind: 'domain', name: 'boutique.fr', tenantId: 'bench' });
    await store.close();
    const firsts: number[] = [];
    let last: ReturnType<typeof serein> | undefined;
    for (let i = 0; i < RUNS; i++) {
      const { ms, child } = await firstRequest(dir, token, port, file);
      firsts.push(ms);
      if (i < RUNS - 1) {
        child.kill('SIGTERM');
        await child.exited;
      } else last = child;
    }
    try {
      const url = `http://127.0.0.1:${port}/v1/requests`;
      const loads = await repeat(RUNS, () => load(url, token, { text: TEXT, tenant: 'bench' }));
      const few = await repeat(RUNS, () => load(url, token, { text: TEXT, tenant: 'bench' }, 2));
      return {
        'request in words latency p99, 2 connections': stat(
          few.map((l) => l.p99),
          'ms',
        ),
        'first request after start (POST /v1/requests, after /healthz answers)': stat(firsts, 'ms'),
        'requests in words per second (16 connections)': stat(
          loads.map((l) => l.perSecond),
          '/s',
        ),
        'request in words latency p50': stat(
          loads.map((l) => l.p50),
          'ms',
        ),
        'request in words latency p99': stat(
          loads.map((l) => l.p99),
          'ms',
        ),
        'requests in words answered other than 2xx': loads.reduce((n, l) => n + l.errors, 0),
      };
    } finally {
      last?.kill('SIGTERM');
      await last?.exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
