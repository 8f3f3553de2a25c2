// Requests in words (POST /v1/requests) on a `serein serve` process: how long after the
// daemon answers /healthz the first request is answered (the model loads in the
// background at start, its weights computed by npm run prepare), then the latency under
// load from a second process (bench/load-client.ts), several runs, at two concurrencies
// that answer different questions: 1 connection (one request at a time: what a client
// waits) and 16 (16 at once on one daemon's event loop: each waits for the ones before it,
// so p50 is about 16 times the daemon's time for one, a figure of throughput, not of
// a client's wait). The daemon's CPU time per request (from /proc) says what one costs
// whatever else the shared machine runs. The words are a polite French request with a
// greeting and a signature, read whole, sent with the client's own token; the tenant owns
// a domain, three sites and their certificates, and the provider holds 20,000 sites of
// 2,000 other tenants, as a provider's store does (a read of the tenant's things must
// not walk them). A reseller's tenant of 1,000 sites asks the same words one at a time:
// every one of its names is a name the words may mean.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
/** Other tenants and their sites in the store: the provider around the client who asks (BENCH_REQUESTS_OTHER_TENANTS=0: the client alone). */
const OTHER_TENANTS = Number(process.env.BENCH_REQUESTS_OTHER_TENANTS ?? (SMOKE ? 20 : 2000));
const SITES_EACH = 10;
/** The sites of the one tenant that owns many (an agency, a reseller). */
const RESELLER_SITES = SMOKE ? 50 : 1000;
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

/** A process's CPU time so far (user and system), in ms, from /proc; undefined where there is none. */
function cpuMs(pid: number | undefined): number | undefined {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return undefined;
  // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100 a second).
  const f = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Sites of a tenant, each with its active certificate, as issuances leave them. */
async function ownSites(store: Store, tenantId: string, sites: string[]): Promise<void> {
  const days = (n: number) => new Date(Date.now() + n * 86_400_000);
  for (const site of sites) {
    await store.tenants.addResource({ kind: 'vhost', name: site, tenantId, data: {} });
    const c = await store.certificates.addPending({
      ...{ tenantId, webserver: null, name: site, domains: [site], challenge: 'http-01', keyType: 'ecdsa-p256' },
      ...{ ca: 'bench', caDirectory: 'https://ca.invalid/directory', serial: site, ariCertId: '' },
      ...{ notBefore: days(0).toISOString(), notAfter: days(90).toISOString(), certPem: '-', keyPem: '-' },
    });
    await store.certificates.activate(c.id, days(60));
  }
}

/** What the tenant owns and the provider around it: written before the daemon starts, as a store that has lived. */
async function fill(store: Store): Promise<void> {
  await store.tenants.create({ id: 'bench', name: 'Bench', language: 'fr' });
  await store.tenants.addResource({ kind: 'domain', name: 'boutique.fr', tenantId: 'bench' });
  await ownSites(store, 'bench', ['www.atelier-claire.fr', 'blog.atelier-claire.fr', 'atelier-claire.fr']);
  // A reseller: one tenant with many sites of its own, every one a name its words are matched against.
  await store.tenants.create({ id: 'reseller', name: 'Reseller', language: 'fr' });
  await ownSites(
    store,
    'reseller',
    Array.from({ length: RESELLER_SITES }, (_, i) => `client${i}.revendeur.fr`),
  );
  const at = new Date().toISOString();
  await store.db.transaction().execute(async (trx) => {
    for (let t = 0; t < OTHER_TENANTS; t++) {
      const id = `other${t}`;
      await trx.insertInto('tenants').values({ id, name: id, language: 'en', email: null, created_at: at }).execute();
      await trx
        .insertInto('resources')
        .values(
          Array.from({ length: SITES_EACH }, (_, i) => ({
            kind: 'vhost',
            name: `site${i}.${id}.example`,
            tenant_id: id,
            data: '{}',
            created_at: at,
          })),
        )
        .execute();
    }
  });
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
    body: JSON.stringify({ text: TEXT }),
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
      `server:\n  port: ${port}\nstore:\n  driver: sqlite\n  path: ${dbPath}\nstateDir: ${join(dir, 'state')}\nplaybooks: ${resolve(import.meta.dirname, '../playbooks')}\nlimits:\n  requests:\n    max: 100000000\n    windowSeconds: 60\nrenewal:\n  enabled: false\nlog:\n  level: warn\n`,
    );
    const store = await Store.open({ driver: 'sqlite', path: dbPath } as never);
    // Asked as a client does (its token, its tenant's language, its limit counted): the
    // daemon's limit is raised so that counting costs what it costs and refuses nothing.
    await fill(store);
    const { token } = await store.tokens.create('client', 'bench', 'bench');
    const reseller = (await store.tokens.create('client', 'reseller', 'bench')).token;
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
      const body = { text: TEXT };
      // Each run at 1 connection then at 16, so both concurrencies meet the same machine.
      const runs = await repeat(RUNS, async () => {
        const before = cpuMs(last?.pid);
        const one = await load(url, token, body, 1);
        const mid = cpuMs(last?.pid);
        const many = await load(url, token, body, CONNECTIONS);
        const after = cpuMs(last?.pid);
        const big = await load(url, reseller, body, 1);
        const end = cpuMs(last?.pid);
        const perRequest = (a?: number, b?: number, n = 0) => (a === undefined || b === undefined ? NaN : (b - a) / n);
        return {
          one,
          many,
          cpuOne: perRequest(before, mid, one.requests),
          cpuMany: perRequest(mid, after, many.requests),
          big,
          cpuBig: perRequest(after, end, big.requests),
        };
      });
      return {
        'first request after start (POST /v1/requests, after /healthz answers)': stat(firsts, 'ms'),
        'latency p50, 1 connection (one request at a time)': stat(
          runs.map((r) => r.one.p50),
          'ms',
        ),
        'latency p99, 1 connection (one request at a time)': stat(
          runs.map((r) => r.one.p99),
          'ms',
        ),
        [`latency p50, ${CONNECTIONS} connections (${CONNECTIONS} at once: queueing, about ${CONNECTIONS} x one request's time)`]:
          stat(
            runs.map((r) => r.many.p50),
            'ms',
          ),
        [`latency p99, ${CONNECTIONS} connections (${CONNECTIONS} at once)`]: stat(
          runs.map((r) => r.many.p99),
          'ms',
        ),
        [`requests in words per second (${CONNECTIONS} connections)`]: stat(
          runs.map((r) => r.many.perSecond),
          '/s',
        ),
        "daemon's CPU time per request (1 connection; /proc)": stat(
          runs.map((r) => r.cpuOne),
          'ms',
        ),
        [`daemon's CPU time per request (${CONNECTIONS} connections; /proc)`]: stat(
          runs.map((r) => r.cpuMany),
          'ms',
        ),
        [`a tenant of ${RESELLER_SITES} sites: latency p50, 1 connection`]: stat(
          runs.map((r) => r.big.p50),
          'ms',
        ),
        [`a tenant of ${RESELLER_SITES} sites: latency p99, 1 connection`]: stat(
          runs.map((r) => r.big.p99),
          'ms',
        ),
        [`a tenant of ${RESELLER_SITES} sites: daemon's CPU time per request`]: stat(
          runs.map((r) => r.cpuBig),
          'ms',
        ),
        'requests in words answered other than 2xx': runs.reduce(
          (n, r) => n + r.one.errors + r.many.errors + r.big.errors,
          0,
        ),
        store: `the tenant: 1 domain, 3 sites with their certificates, asked with its client token; the provider: ${OTHER_TENANTS * SITES_EACH} sites of ${OTHER_TENANTS} other tenants`,
      };
    } finally {
      last?.kill('SIGTERM');
      await last?.exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
