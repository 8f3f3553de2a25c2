/**
 * The renewal pass at a provider's scale (issue 25): three daemons' schedules on one
 * PostgreSQL store claim the due certificates a page at a time, in one statement each, and
 * every due certificate is submitted once across the three (a retry whose delay has passed
 * too, a retry still waiting not at all), with its audit line; a stopped pass gives back
 * what it took and never started. The claim reads its page by the certificates_due index
 * and the next retry by certificates_retry, on PostgreSQL and SQLite alike, and PostgreSQL
 * finds the few renewalInfo questions due by certificates_ari (EXPLAIN of the very statements
 * the store runs): at a million certificates, the retry's and the renewalInfo's reads went
 * through the whole table at every start and every pass.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateMaintenance, type RenewalEngine } from '../src/certificates/maintain.js';
import { configSchema, type Config } from '../src/config/schema.js';
import { CertificateStore } from '../src/store/certificates.js';
import { Store } from '../src/store/store.js';
import { storeDatabase } from './helpers/db-lab.js';
import { insertFleet, renewedAtOnce, scheduleEngine } from './helpers/fleet.js';
import { tempDir } from './helpers/tmp.js';
import { useLab } from './lab/client.js';

const FLEET = 2500;
const DUE = 2000;
/** Of the due ones: a failed renewal whose retry delay has passed (due), and one whose delay has not (not due). */
const RETRY_NOW = 100;
const RETRY_LATER = 100;

describe('renewal pages with three daemons on one PostgreSQL store', () => {
  let db: { url: string; drop(): Promise<void> } | undefined;
  let ca: http.Server | undefined;
  let config: Config;
  const stores: Store[] = [];

  beforeAll(async () => {
    const lab = await useLab('postgres');
    db = await storeDatabase(lab, 'serein_renewpages');
    // A CA without renewalInfo: the pass asks it nothing and goes straight to the due certificates.
    ca = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'replay-nonce': randomBytes(8).toString('hex'), 'content-type': 'application/json' });
      res.end(JSON.stringify({ newNonce: `http://${req.headers.host}/nonce` }));
    });
    await new Promise<void>((r) => ca!.listen(0, '127.0.0.1', r));
    const dir = tempDir('serein-renewpages-');
    config = configSchema.parse({
      stateDir: join(dir, 'state'),
      store: { driver: 'postgres', url: db.url },
      renewal: { enabled: false },
      acme: {
        cas: [{ name: 'fleet-ca', directoryUrl: `http://127.0.0.1:${(ca.address() as { port: number }).port}/dir` }],
      },
    });
    for (let i = 0; i < 3; i++) stores.push(await Store.open(config.store));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    ca?.close();
    await db?.drop();
  });

  /** The three schedules, each on its own store's connections; `submit` answers every renewal. */
  const schedules = (submit: RenewalEngine['submit'], clock?: () => Date) =>
    stores.map((store) => {
      const engine = scheduleEngine(config, store, submit);
      return { services: engine.services, maintenance: new CertificateMaintenance(engine, clock) };
    });

  it(`submits each of ${DUE} due certificates once across three schedules at once, with its audit line`, async () => {
    await sql`DELETE FROM certificates`.execute(stores[0].db);
    const now = new Date();
    const ids = await insertFleet(stores[0], { count: FLEET, due: DUE, ariCheckedAt: now.toISOString() });
    const minutes = (n: number) => new Date(now.getTime() + n * 60_000).toISOString();
    const retryNow = ids.slice(0, RETRY_NOW);
    const retryLater = ids.slice(RETRY_NOW, RETRY_NOW + RETRY_LATER);
    await sql`UPDATE certificates SET renewal_failures = 2, next_attempt_at = ${minutes(-1)}
      WHERE id IN (${sql.join(retryNow)})`.execute(stores[0].db);
    await sql`UPDATE certificates SET renewal_failures = 1, next_attempt_at = ${minutes(10)}
      WHERE id IN (${sql.join(retryLater)})`.execute(stores[0].db);
    const expected = new Set(ids.slice(0, DUE).filter((id) => !retryLater.includes(id)));

    const submitted = new Map<string, number>();
    const runs = schedules(
      async (_caller, req) => {
        const id = String(req.inputs?.certificate);
        submitted.set(id, (submitted.get(id) ?? 0) + 1);
        return renewedAtOnce();
      },
      () => now,
    );
    const reports = await Promise.all(runs.map((s) => s.maintenance.tick()));
    for (const s of runs) s.services.certificates.accounts.close();
    console.log(`${expected.size} due, three schedules at once: claimed ${reports.map((r) => r.due).join(' + ')}`);

    expect([...submitted.entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect([...submitted.keys()].filter((id) => !expected.has(id))).toEqual([]);
    expect(submitted.size).toBe(expected.size);
    expect(reports.reduce((n, r) => n + r.due, 0)).toBe(expected.size);
    expect(reports.flatMap((r) => r.failed)).toEqual([]);
    const lines = await stores[0].db
      .selectFrom('audit')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('action', '=', 'certificate.renew')
      .where('result', '=', 'succeeded')
      .executeTakeFirstOrThrow();
    expect(Number(lines.n)).toBe(expected.size);
  }, 180_000);

  it('gives back, when stopped, the certificates it claimed and never started: another daemon takes them at once', async () => {
    await sql`DELETE FROM certificates`.execute(stores[0].db);
    const now = new Date();
    await insertFleet(stores[0], { count: 300, due: 300, ariCheckedAt: now.toISOString() });
    const others = schedules(
      async () => renewedAtOnce(),
      () => now,
    );
    let started = 0;
    const stopping = scheduleEngine(config, stores[0], async () => {
      // The daemon stops as its first renewal is submitted: that job is queued, the rest never start.
      if (started++ === 0) void halted.stop();
      return { job: { id: 'queued-job', status: 'queued' } as never, created: true };
    });
    const halted = new CertificateMaintenance(stopping, () => now);
    const report = await halted.tick();
    stopping.services.certificates.accounts.close();
    expect(report.due).toBeGreaterThan(1);
    expect(started).toBeLessThan(report.due);
    // The rest are due again at once; what it started (its job is durable) is joined now that its pass's
    // lease is gone, under the same idempotency key, so it is the same job (test/multi-daemon-renewal-takeover.test.ts).
    const taken = await others[1].maintenance.tick();
    for (const s of others) s.services.certificates.accounts.close();
    expect(taken.renewed).toHaveLength(300);
  }, 120_000);

  it('starts no renewal once its claim nears its end: another daemon takes the rest of the page, each renewed once', async () => {
    await sql`DELETE FROM certificates`.execute(stores[0].db);
    const start = new Date();
    await insertFleet(stores[0], { count: 300, due: 300, ariCheckedAt: start.toISOString() });
    // The first renewal takes 25 minutes (a slow dns-01 wait): the page's 30-minute claim is then too near its end.
    let clock = start;
    let started = 0;
    const slow = scheduleEngine(config, stores[0], async () => {
      if (started++ === 0) clock = new Date(start.getTime() + 25 * 60_000);
      return renewedAtOnce();
    });
    const report = await new CertificateMaintenance(slow, () => clock).tick();
    slow.services.certificates.accounts.close();
    expect(started).toBeGreaterThan(0);
    expect(started).toBeLessThan(report.due);
    const others = schedules(
      async () => renewedAtOnce(),
      () => clock,
    );
    const taken = await others[1].maintenance.tick();
    for (const s of others) s.services.certificates.accounts.close();
    expect(taken.renewed).toHaveLength(300 - started);
  }, 120_000);

  it('claims a page by the certificates_due index and finds the next retry by certificates_retry (PostgreSQL and SQLite)', async () => {
    // A fleet large enough that PostgreSQL's planner weighs a whole-table read against the index.
    await sql`DELETE FROM certificates`.execute(stores[0].db);
    await insertFleet(stores[0], { count: 20_000, due: 200, ariCheckedAt: new Date().toISOString() });
    await sql`ANALYZE certificates`.execute(stores[0].db);
    const now = new Date();
    const until = new Date(now.getTime() + 60_000);
    // The statements the store runs, as it runs them, logged by a second connection to each store.
    const plans = async (
      db: Kysely<any>,
      dialect: 'postgres' | 'sqlite',
      logged: CompiledQuery[],
      explain: (q: CompiledQuery) => Promise<string>,
    ) => {
      const certificates = new CertificateStore(db, dialect);
      logged.length = 0;
      await certificates.claimDue(now, until, 10);
      const claim = logged.find((q) => /^update/i.test(q.sql))!;
      logged.length = 0;
      await certificates.nextWake(now);
      const retry = logged.find((q) => /renewal_failures/.test(q.sql))!;
      logged.length = 0;
      await certificates.ariStale(new Date(now.getTime() - 12 * 3_600_000), ['fleet-ca'], { limit: 10 });
      const [ari] = logged;
      return { claim: await explain(claim), retry: await explain(retry), ari: await explain(ari) };
    };

    const pgLogged: CompiledQuery[] = [];
    const pool = new pg.Pool({ connectionString: db!.url, max: 2 });
    const onPg = new Kysely<any>({
      dialect: new PostgresDialect({ pool }),
      log: (e) => void pgLogged.push(e.query),
    });
    try {
      const onPostgres = await plans(onPg, 'postgres', pgLogged, async (q) =>
        (await pool.query(`EXPLAIN ${q.sql}`, [...q.parameters])).rows.map((r) => r['QUERY PLAN']).join('\n'),
      );
      expect(onPostgres.claim).toContain('certificates_due');
      expect(onPostgres.retry).toContain('certificates_retry');
      expect(onPostgres.ari).toContain('certificates_ari');
      expect(`${onPostgres.claim}\n${onPostgres.retry}\n${onPostgres.ari}`).not.toContain('Seq Scan');
    } finally {
      await onPg.destroy();
    }

    // SQLite: a store migrated as serein opens it, read through its own connection.
    const file = join(tempDir('serein-renewpages-sqlite-'), 'store.db');
    const migrated = await Store.open({ driver: 'sqlite', path: file });
    await insertFleet(migrated, { count: 2000, due: 20, ariCheckedAt: new Date().toISOString() });
    await migrated.close();
    const sqlite = new SQLite(file);
    const liteLogged: CompiledQuery[] = [];
    const onLite = new Kysely<any>({
      dialect: new SqliteDialect({ database: sqlite }),
      log: (e) => void liteLogged.push(e.query),
    });
    try {
      const onSqlite = await plans(onLite, 'sqlite', liteLogged, async (q) =>
        (sqlite.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[])
          .map((r) => r.detail)
          .join('\n'),
      );
      expect(onSqlite.claim).toContain('certificates_due');
      expect(onSqlite.retry).toContain('certificates_retry');
      expect(`${onSqlite.claim}\n${onSqlite.retry}`).not.toMatch(/SCAN certificates(?! USING)/);
    } finally {
      await onLite.destroy();
    }
  }, 120_000);
});
