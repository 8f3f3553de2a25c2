/**
 * Renewal claims of a daemon that is gone (issue 25's leftovers): a renewal pass holds a
 * lease (a lock that dies with its daemon, src/store/locks.ts) and its claims name it. A
 * daemon SIGKILLed in the middle of a pass kept its page of renewals for the claim's 30
 * minutes, and a page given back by a stopping daemon waited for another daemon's next
 * scheduled pass. Here a second daemon, idle after its first pass, takes both over by
 * itself at once: every due certificate is submitted by it once, and a renewal the gone
 * pass had started is joined under the same idempotency key (the same job: renewed once).
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateMaintenance } from '../src/certificates/maintain.js';
import { configSchema, type Config } from '../src/config/schema.js';
import { Store } from '../src/store/store.js';
import { storeDatabase } from './helpers/db-lab.js';
import { insertFleet, renewedAtOnce, scheduleEngine } from './helpers/fleet.js';
import { tsxChild } from './helpers/process.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';
import { useLab } from './lab/client.js';

const DUE = 40;

describe('renewal claims of a daemon that is gone, on one PostgreSQL store', () => {
  let db: { url: string; drop(): Promise<void> } | undefined;
  let ca: http.Server | undefined;
  let raw: Record<string, unknown>;
  let config: Config;
  let configFile: string;
  const stores: Store[] = [];
  /** The surviving daemon's schedule, started as a daemon starts it, and what it submitted: certificate -> idempotency keys. */
  let survivor: CertificateMaintenance | undefined;
  let close = () => {};
  const submitted = new Map<string, string[]>();
  let passes = 0;
  /** The survivor's clock: now until the others have claimed, then their (later) time. */
  let clock = new Date();
  /** When the fleet of each test falls due: two hours from now, so the survivor sees nothing due before the others claim. */
  const later = () => new Date(Date.now() + 2 * 3_600_000);

  beforeAll(async () => {
    const lab = await useLab('postgres');
    db = await storeDatabase(lab, 'serein_takeover');
    // A CA without renewalInfo: the passes ask it nothing.
    ca = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'replay-nonce': randomBytes(8).toString('hex'), 'content-type': 'application/json' });
      res.end(JSON.stringify({ newNonce: `http://${req.headers.host}/nonce` }));
    });
    await new Promise<void>((r) => ca!.listen(0, '127.0.0.1', r));
    const dir = tempDir('serein-takeover-');
    raw = {
      stateDir: join(dir, 'state'),
      store: { driver: 'postgres', url: db.url },
      // Enabled so the survivor starts as a daemon does; its schedule fires once a year, never during the test.
      renewal: { enabled: true, schedule: '0 0 1 1 *' },
      acme: {
        cas: [{ name: 'fleet-ca', directoryUrl: `http://127.0.0.1:${(ca.address() as { port: number }).port}/dir` }],
      },
    };
    config = configSchema.parse(raw);
    configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(raw));
    for (let i = 0; i < 2; i++) stores.push(await Store.open(config.store));

    // The survivor: idle once its first pass after its start is done (nothing is due yet).
    const engine = scheduleEngine(config, stores[0], async (_caller, req) => {
      const id = String(req.inputs?.certificate);
      submitted.set(id, [...(submitted.get(id) ?? []), String(req.idempotencyKey)]);
      return renewedAtOnce();
    });
    const claimDue = engine.services.store.certificates.claimDue.bind(engine.services.store.certificates);
    engine.services.store.certificates.claimDue = (...args) => (passes++, claimDue(...args));
    close = () => engine.services.certificates.accounts.close();
    // Checks for what others left every 200 ms (a minute in a daemon).
    survivor = new CertificateMaintenance(engine, () => clock, 200);
    survivor.start();
    await until(() => passes > 0, 120_000, "the survivor's first pass after its start");
  }, 180_000);

  afterAll(async () => {
    await survivor?.stop();
    close();
    await Promise.all(stores.map((s) => s.close()));
    ca?.close();
    await db?.drop();
  });

  it("reads another daemon's lease as held while it runs, and as gone once it ends", async () => {
    let release = () => {};
    const holding = new Promise<void>((r) => (release = r));
    let inside = () => {};
    const entered = new Promise<void>((r) => (inside = r));
    const held = stores[1].locks.hold('renewal pass test-lease', async () => {
      inside();
      await holding;
    });
    await entered;
    // Read through the other store's connections, as another daemon reads it.
    expect([...(await stores[0].locks.held(['renewal pass test-lease', 'renewal pass nobody']))]).toEqual([
      'renewal pass test-lease',
    ]);
    release();
    await held;
    expect([...(await stores[0].locks.held(['renewal pass test-lease']))]).toEqual([]);
  });

  it('takes over at once the claims of a daemon killed mid-pass, joining the renewals it had started', async () => {
    submitted.clear();
    clock = new Date();
    await sql`DELETE FROM certificates`.execute(stores[0].db);
    const at = later();
    const ids = await insertFleet(stores[0], { count: DUE + 10, due: DUE, now: at, ariCheckedAt: at.toISOString() });
    const due = new Set(ids.slice(0, DUE));

    // The daemon to kill claims the due certificates at its time; they are not due yet on the survivor's clock.
    const child = tsxChild(resolve(import.meta.dirname, 'helpers/renewal-holder.ts'), [configFile, at.toISOString()]);
    const started = await until(
      () => {
        const lines = child.output().match(/^submitted \S+ \S+$/gm);
        return lines && lines.length > 0 && lines;
      },
      60_000,
      'the doomed pass to start renewing',
    );
    child.kill('SIGKILL');
    await child.exited;
    const keys = new Map(started.map((l) => [l.split(' ')[1], l.split(' ')[2]]));
    clock = at;

    // The survivor renews every due certificate by itself, without waiting for the claims' 30 minutes.
    await until(
      () => [...due].every((id) => submitted.has(id)),
      60_000,
      'the survivor to renew what the killed daemon claimed',
    );
    expect([...submitted.entries()].filter(([, k]) => k.length > 1)).toEqual([]);
    expect([...submitted.keys()].filter((id) => !due.has(id))).toEqual([]);
    // What the killed pass had started is the same job: one idempotency key per certificate and attempt.
    for (const [id, key] of keys) expect(submitted.get(id)).toEqual([key]);
  }, 180_000);

  it('picks up at once what a stopping daemon gave back, and joins the renewal it had started', async () => {
    submitted.clear();
    clock = new Date();
    await sql`DELETE FROM certificates`.execute(stores[0].db);
    const at = later();
    const ids = await insertFleet(stores[0], { count: DUE, due: DUE, now: at, ariCheckedAt: at.toISOString() });
    const keys = new Map<string, string>();
    const stopping = scheduleEngine(config, stores[1], async (_caller, req) => {
      // The daemon stops as its first renewal is submitted: that job is queued, the rest never start.
      if (keys.size === 0) void halted.stop();
      keys.set(String(req.inputs?.certificate), String(req.idempotencyKey));
      return { job: { id: 'queued-job', status: 'queued' } as never, created: true };
    });
    const halted = new CertificateMaintenance(stopping, () => at);
    const report = await halted.tick();
    stopping.services.certificates.accounts.close();
    expect(report.due).toBe(DUE);
    expect(keys.size).toBeLessThan(DUE);
    clock = at;

    await until(() => ids.every((id) => submitted.has(id)), 60_000, 'the survivor to renew what was given back');
    expect([...submitted.entries()].filter(([, k]) => k.length > 1)).toEqual([]);
    for (const [id, key] of keys) expect(submitted.get(id)).toEqual([key]);
  }, 180_000);
});
