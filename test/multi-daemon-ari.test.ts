/**
 * Three daemons sharing one PostgreSQL store refresh renewalInfo (ARI) at the same moment:
 * the CA is asked once per certificate, not once per daemon (a million certificates and three
 * daemons would otherwise be three million questions each polling interval), and every
 * window is refreshed. Each daemon's schedule runs on its own connection pool, as three
 * daemons do; the CA is a small renewalInfo server in this process that counts questions.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateMaintenance } from '../src/certificates/maintain.js';
import { configSchema, type Config } from '../src/config/schema.js';
import { Store } from '../src/store/store.js';
import { storeDatabase } from './helpers/db-lab.js';
import { insertFleet, scheduleEngine } from './helpers/fleet.js';
import { tempDir } from './helpers/tmp.js';
import { useLab } from './lab/client.js';

const FLEET = 600;

describe('renewalInfo with three daemons on one PostgreSQL store', () => {
  let db: { url: string; drop(): Promise<void> } | undefined;
  let server: http.Server | undefined;
  const stores: Store[] = [];
  const asked = new Map<string, number>();

  beforeAll(async () => {
    const lab = await useLab('postgres');
    db = await storeDatabase(lab, 'serein_multiari');
    let base = '';
    server = http.createServer((req, res) => {
      req.resume();
      const send = (data: unknown) => {
        res.writeHead(200, { 'replay-nonce': randomBytes(8).toString('hex'), 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      if (req.url === '/dir') return send({ newNonce: `${base}/nonce`, renewalInfo: `${base}/ari` });
      if (req.url?.startsWith('/ari/')) {
        const id = req.url.slice('/ari/'.length);
        asked.set(id, (asked.get(id) ?? 0) + 1);
        return send({ suggestedWindow: { start: '2030-01-01T00:00:00Z', end: '2030-01-03T00:00:00Z' } });
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    for (let i = 0; i < 3; i++) stores.push(await Store.open({ driver: 'postgres', url: db.url }));
    await insertFleet(stores[0], { count: FLEET, ariCheckedAt: null });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    server?.close();
    await db?.drop();
  });

  it(`asks the CA once per certificate when three schedules refresh ${FLEET} stale windows at once`, async () => {
    const dir = tempDir('serein-multiari-');
    const config: Config = configSchema.parse({
      stateDir: join(dir, 'state'),
      store: { driver: 'postgres', url: db!.url },
      renewal: { enabled: false },
      acme: { cas: [{ name: 'fleet-ca', directoryUrl: caUrl() }] },
    });
    const schedules = stores.map((store) => {
      const engine = scheduleEngine(config, store, async () => {
        throw new Error('nothing is due in this test');
      });
      return { services: engine.services, maintenance: new CertificateMaintenance(engine) };
    });
    const reports = await Promise.all(schedules.map((s) => s.maintenance.tick()));
    for (const s of schedules) s.services.certificates.accounts.close();
    const questions = [...asked.values()].reduce((a, b) => a + b, 0);
    console.log(
      `${FLEET} stale windows, three schedules at once: ${questions} renewalInfo questions (${reports.map((r) => r.ariChecked).join(' + ')} answered)`,
    );
    const fresh = await sql<{ n: string }>`SELECT count(*) AS n FROM certificates
      WHERE ari_window_start IS NOT NULL AND ari_checked_at IS NOT NULL`.execute(stores[0].db);
    expect(Number(fresh.rows[0].n)).toBe(FLEET);
    expect(asked.size).toBe(FLEET);
    expect([...asked.entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect(reports.reduce((a, r) => a + r.ariChecked, 0)).toBe(FLEET);
  }, 120_000);

  /** The CA's directory address (the server listens once beforeAll ran). */
  function caUrl(): string {
    return `http://127.0.0.1:${(server!.address() as { port: number }).port}/dir`;
  }
});
