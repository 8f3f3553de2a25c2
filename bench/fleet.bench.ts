// A provider's fleet: 100,000 certificates inserted in bulk (issuing them would take days),
// in a SQLite store and in a PostgreSQL one (the lab's), the same figures for each:
// - a daemon's start to /healthz and its resident memory (a separate `serein serve`
//   process, renewal schedule off so nothing else runs), with the same start on an empty
//   store first as the baseline: what the fleet adds;
// - one renewal pass with 1 % due, ARI windows fresh. Renewals are stubbed at the
//   engine's edge: the pass does all of serein's own work (walks the fleet in pages,
//   claims each due certificate, writes its audit line) and its submission is answered
//   "succeeded" at once, without a job or a CA;
// - one ARI refresh of the whole fleet (every window stale) against a CA stub answering
//   renewalInfo over HTTP at once (the CA's edge, in this process): every certificate's
//   window must be refreshed within the polling interval (renewal.ariPollHours);
// - every certificate listed through the API's pages.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { CertificateMaintenance } from '../src/certificates/maintain.js';
import { configSchema, type Config } from '../src/config/schema.js';
import { Store } from '../src/store/store.js';
import { startLab } from '../test/lab/lab.js';
import { insertFleet, renewedAtOnce, scheduleEngine } from '../test/helpers/fleet.js';
import { freePort, serein } from '../test/helpers/process.js';
import { until } from '../test/helpers/until.js';
import { repeat, stat, type Figures } from './stats.js';

const SMOKE = !!process.env.BENCH_SMOKE;
const FLEET = SMOKE ? 2_000 : 100_000;
const RUNS = SMOKE ? 1 : 3;

/** Resident memory of a process, from /proc (Linux), in MB. */
export const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** A CA with renewalInfo that answers every question at once with the same window; counts them. */
export async function ariCa(): Promise<{ directoryUrl: string; asked: () => number; close: () => void }> {
  let asked = 0;
  let base = '';
  const server = http.createServer((req, res) => {
    req.resume();
    const send = (data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(200, {
        'replay-nonce': randomBytes(8).toString('hex'),
        'content-type': 'application/json',
        ...headers,
      });
      res.end(JSON.stringify(data));
    };
    if (req.url === '/dir')
      return send({
        newNonce: `${base}/nonce`,
        newAccount: `${base}/acct`,
        newOrder: `${base}/order`,
        renewalInfo: `${base}/ari`,
      });
    if (req.url?.startsWith('/ari/')) {
      asked++;
      return send(
        { suggestedWindow: { start: '2030-01-01T00:00:00Z', end: '2030-01-03T00:00:00Z' } },
        { 'retry-after': '21600' },
      );
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { directoryUrl: `${base}/dir`, asked: () => asked, close: () => server.close() };
}

/**
 * A `serein serve` on that store (renewal schedule off) until /healthz answers: how long, and the
 * process. `name` names its configuration file, so that several can start at once (million.bench.ts).
 */
export async function startServe(dir: string, storeYaml: string, name = 'config') {
  const port = await freePort();
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `server:\n  port: ${port}\nstore:\n${storeYaml}\nstateDir: ${join(dir, 'state')}\nplaybooks: ${resolve(import.meta.dirname, '../playbooks')}\nrenewal:\n  enabled: false\nlog:\n  level: warn\n`,
  );
  const t = performance.now();
  const child = serein(['serve', '--config', file]);
  // A deadline only: three daemons starting at once on a million certificates take more than a minute.
  await until(() => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok), 120_000, 'healthz').catch((err) => {
    throw new Error(`${(err as Error).message}: ${child.output().slice(-2000)}`);
  });
  return { ms: performance.now() - t, child, url: `http://127.0.0.1:${port}` };
}

/** Every figure of one store; `label` prefixes their names ("SQLite", "PostgreSQL"). */
async function fleetFigures(
  label: string,
  dir: string,
  storeConfig: Config['store'],
  storeYaml: string,
): Promise<Figures> {
  mkdirSync(dir, { recursive: true });
  const ca = await ariCa();
  const config = configSchema.parse({
    stateDir: join(dir, 'state'),
    store: storeConfig,
    renewal: { enabled: false },
    acme: { cas: [{ name: 'fleet-ca', directoryUrl: ca.directoryUrl }] },
  });
  const store = await Store.open(config.store);
  try {
    // 0. The baseline: the same start on the empty store (migrated already).
    const emptyStarts = await repeat(RUNS, async () => {
      const d = await startServe(dir, storeYaml);
      d.child.kill('SIGTERM');
      await d.child.exited;
      return d.ms;
    });
    const t0 = performance.now();
    await insertFleet(store, { count: FLEET, due: FLEET / 100, ariCheckedAt: new Date().toISOString() });
    const insertS = (performance.now() - t0) / 1000;
    const { token } = await store.tokens.create('admin', null, 'bench');

    // 1. One renewal pass over the whole fleet, 1 % due, ARI fresh (stub at the engine's edge, see above).
    const engine = scheduleEngine(config, store, async () => renewedAtOnce());
    const { services } = engine;
    let renewed = 0;
    const passes = await repeat(RUNS, async () => {
      await sql`UPDATE certificates SET next_attempt_at = NULL`.execute(store.db); // each run finds the same 1 % due
      const t = performance.now();
      const report = await new CertificateMaintenance(engine).tick();
      renewed = report.renewed.length;
      return performance.now() - t;
    });

    // 2. Every window stale: one pass asks the CA for each, and each window must be new after it.
    await sql`UPDATE certificates SET ari_checked_at = NULL, ari_window_start = NULL, ari_window_end = NULL`.execute(
      store.db,
    );
    const ta = performance.now();
    const ari = await new CertificateMaintenance(engine).tick();
    const ariS = (performance.now() - ta) / 1000;
    const fresh = await sql<{
      n: string | number;
    }>`SELECT count(*) AS n FROM certificates WHERE ari_window_start IS NOT NULL AND ari_checked_at IS NOT NULL`.execute(
      store.db,
    );
    const refreshed = Number(fresh.rows[0].n);
    const pollS = config.renewal.ariPollHours * 3600;
    services.certificates.accounts.close();

    // 3. A daemon on that store: start to /healthz, memory, the whole fleet through the pages.
    const starts: number[] = [];
    const rssStart: number[] = [];
    const rssListed: number[] = [];
    const listing: number[] = [];
    let pages = 0;
    let listed = 0;
    for (let run = 0; run < RUNS; run++) {
      const d = await startServe(dir, storeYaml);
      starts.push(d.ms);
      rssStart.push(rssMb(d.child.pid!));
      const tl = performance.now();
      let cursor: string | null = null;
      pages = 0;
      listed = 0;
      do {
        const res = await fetch(
          `${d.url}/v1/certificates?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          { headers: { authorization: `Bearer ${token}` } },
        );
        const body = (await res.json()) as { certificates: unknown[]; next: string | null };
        listed += body.certificates.length;
        cursor = body.next;
        pages++;
      } while (cursor);
      listing.push(performance.now() - tl);
      rssListed.push(rssMb(d.child.pid!));
      d.child.kill('SIGTERM');
      await d.child.exited;
    }
    return {
      [`${label}: certificates in the store (inserted in bulk in ${insertS.toFixed(1)} s)`]: FLEET,
      [`${label}: renewal pass, 1 % due, ARI fresh, renewals stubbed at the engine (serein time)`]: stat(passes, 'ms'),
      [`${label}: certificates renewed by each pass`]: renewed,
      [`${label}: ARI refresh of the whole fleet, CA stub answering at once (1 run)`]: `${ariS.toFixed(1)} s for ${ari.ariChecked} renewalInfo answers (${ca.asked()} asked); ${refreshed} of ${FLEET} windows refreshed; polling interval ${pollS} s: ${refreshed === FLEET && ariS < pollS ? 'met' : 'MISSED'}`,
      [`${label}: daemon start to /healthz 200, empty store (baseline)`]: stat(emptyStarts, 'ms'),
      [`${label}: daemon start to /healthz 200, ${FLEET} certificates`]: stat(starts, 'ms'),
      [`${label}: daemon resident memory after start`]: stat(rssStart, 'MB'),
      [`${label}: every certificate listed through the API, ${pages} pages of 1,000 (${listed} listed)`]: stat(
        listing,
        'ms',
      ),
      [`${label}: daemon resident memory after the listing`]: stat(rssListed, 'MB'),
    };
  } finally {
    await store.close();
    ca.close();
  }
}

export default async function bench(): Promise<Figures> {
  // bin/serein.js bundles the sources on the first start after a change: not what a start costs.
  await serein(['--help']).exited;
  const dir = mkdtempSync(join(tmpdir(), 'serein-fleet-bench-'));
  const lab = await startLab(['postgres']);
  const { host, port, user, password } = lab.postgres!;
  const dbName = `serein_fleet_bench_${process.pid}`;
  const admin = new pg.Client({ host, port, user, password, database: 'postgres' });
  await admin.connect();
  try {
    const path = join(dir, 'sqlite', 'fleet.db');
    const sqlite = await fleetFigures(
      'SQLite',
      join(dir, 'sqlite'),
      { driver: 'sqlite', path },
      `  driver: sqlite\n  path: ${path}`,
    );
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${dbName}`;
    const postgres = await fleetFigures(
      'PostgreSQL',
      join(dir, 'postgres'),
      { driver: 'postgres', url },
      `  driver: postgres\n  url: "${url}"`,
    );
    return { ...sqlite, ...postgres };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
