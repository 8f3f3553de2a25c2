// A provider's fleet: 100,000 certificates in a SQLite store, inserted in bulk (issuing
// them would take days). Measured: a daemon's start to /healthz and its resident memory
// (a separate `serein serve` process, renewal schedule off so nothing else runs), every
// certificate listed through the API's pages, and one renewal pass with 1 % due.
// Renewals are stubbed at the engine's edge: the pass does all of serein's own work
// (walks the fleet in pages, claims each due certificate, writes its audit line) and its
// submission is answered "succeeded" at once, without a job or a CA.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { sql } from 'kysely';
import { CertificateMaintenance, type RenewalEngine } from '../src/certificates/maintain.js';
import { certificateContext } from '../src/certificates/context.js';
import { buildServices } from '../src/composition.js';
import { configSchema } from '../src/config/schema.js';
import { SealBox } from '../src/secrets.js';
import { Store } from '../src/store/store.js';
import { insertFleet } from '../test/helpers/fleet.js';
import { freePort, serein, until } from '../test/helpers/process.js';
import { repeat, stat, type Figures } from './stats.js';

const SMOKE = !!process.env.BENCH_SMOKE;
const FLEET = SMOKE ? 2_000 : 100_000;
const RUNS = SMOKE ? 1 : 3;

/** Resident memory of a process, from /proc (Linux), in MB. */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

export default async function bench(): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'serein-fleet-bench-'));
  try {
    const storeConfig = { driver: 'sqlite' as const, path: join(dir, 'fleet.db') };
    const config = configSchema.parse({ stateDir: join(dir, 'state'), store: storeConfig, renewal: { enabled: false } });
    const store = await Store.open(config.store);
    const t0 = performance.now();
    await insertFleet(store, { count: FLEET, due: FLEET / 100 });
    const insertS = (performance.now() - t0) / 1000;
    const { token } = await store.tokens.create('admin', null, 'bench');

    // 1. One renewal pass over the whole fleet, 1 % due (stub at the engine's edge, see above).
    const { services } = buildServices({ config, store, logger: pino({ level: 'silent' }), target: () => { throw new Error('no target in this bench'); }, seal: new SealBox(randomBytes(32)), alert: async () => undefined });
    const engine: RenewalEngine = {
      services,
      events: new EventEmitter(),
      submit: async () => ({ job: { id: randomBytes(8).toString('hex'), status: 'succeeded', result: { certificate: 'stub' } } as never, created: true }),
    };
    let renewed = 0;
    const passes = await repeat(RUNS, async () => {
      await sql`UPDATE certificates SET next_attempt_at = NULL`.execute(store.db); // each run finds the same 1 % due
      const t = performance.now();
      const report = await new CertificateMaintenance(engine).tick();
      renewed = report.renewed.length;
      return performance.now() - t;
    });
    certificateContext(services).accounts.close();
    await store.close();

    // 2. A daemon on that store: start to /healthz, memory, the whole fleet through the pages.
    const file = join(dir, 'config.yaml');
    const starts: number[] = [];
    const rssStart: number[] = [];
    const rssListed: number[] = [];
    const listing: number[] = [];
    let pages = 0;
    let listed = 0;
    for (let run = 0; run < RUNS; run++) {
      const port = await freePort();
      writeFileSync(file, `server:\n  port: ${port}\nstore:\n  driver: sqlite\n  path: ${storeConfig.path}\nstateDir: ${join(dir, 'state')}\nplaybooks: ${resolve(import.meta.dirname, '../playbooks')}\nrenewal:\n  enabled: false\nlog:\n  level: warn\n`);
      const t = performance.now();
      const child = serein(['serve', '--config', file]);
      await until('healthz', () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok), 60_000).catch((err) => {
        throw new Error(`${(err as Error).message}: ${child.output().slice(-2000)}`);
      });
      starts.push(performance.now() - t);
      rssStart.push(rssMb(child.pid!));
      const tl = performance.now();
      let cursor: string | null = null;
      pages = 0;
      listed = 0;
      do {
        const res = await fetch(`http://127.0.0.1:${port}/v1/certificates?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { certificates: unknown[]; next: string | null };
        listed += body.certificates.length;
        cursor = body.next;
        pages++;
      } while (cursor);
      listing.push(performance.now() - tl);
      rssListed.push(rssMb(child.pid!));
      child.kill('SIGTERM');
      await child.exited;
    }
    return {
      [`certificates in the store (inserted in bulk in ${insertS.toFixed(1)} s)`]: FLEET,
      'renewal pass, 1 % due, renewals stubbed at the engine (serein time)': stat(passes, 'ms'),
      'certificates renewed by each pass': renewed,
      'daemon start to /healthz 200': stat(starts, 'ms'),
      'daemon resident memory after start': stat(rssStart, 'MB'),
      [`every certificate listed through the API, ${pages} pages of 1,000 (${listed} listed)`]: stat(listing, 'ms'),
      'daemon resident memory after the listing': stat(rssListed, 'MB'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
