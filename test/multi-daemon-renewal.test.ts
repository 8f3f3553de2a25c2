/**
 * Two daemons sharing one PostgreSQL store both find the same certificate due (their
 * renewal schedules tick at once, against the lab's Pebble): it is renewed once, by one
 * certificate.renew job, with one order at the CA, whichever daemon claims it first;
 * and a daemon whose clock says the other's claim has lapsed still joins the same job
 * (one idempotency key per certificate and attempt) instead of renewing again.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDatabase } from './helpers/db-lab.js';
import { CertificateMaintenance, RENEW_PLAYBOOK } from '../src/certificates/maintain.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

describe('renewals with two daemons on one PostgreSQL store', () => {
  let lab: LabInfo;
  let daemons: TestDaemon[] = [];
  let db: { url: string; drop(): Promise<void> } | undefined;
  const reg = `${randomBytes(4).toString('hex')}.test`;
  const site = `shop.${reg}`;

  /** Orders Pebble holds for the daemons' account (one account: the daemons share the store and the state folder). */
  const pebbleOrders = async () =>
    (await (await daemons[0].daemon.engine.services.certificates.accounts.account('pebble')).client.accountOrders())
      .length;

  beforeAll(async () => {
    lab = await useLab('pebble', 'postgres');
    db = await storeDatabase(lab, 'serein_multirenew');
    const url = db.url;
    const dir = tempDir('serein-multirenew-');
    // The schedules are driven by the test (a clock past the renewal time), not by cron.
    const config = { ...labCertConfig(lab, dir), store: { driver: 'postgres', url }, renewal: { enabled: false } };
    daemons = [await startTestDaemon({ config })]; // the first creates the schema, the seal key and the ACME account
    daemons.push(await startTestDaemon({ config }));
  }, 120_000);

  afterAll(async () => {
    for (const d of daemons) await d.stop(); // the first takes the site down from the lab's nginx
    await db?.drop();
    if (lab?.nginx) {
      const t = labNginxTest(lab);
      expect(t.ok, t.output).toBe(true);
    }
  });

  it('renews a due certificate once when both schedules tick at once, and a lapsed claim joins the same job', async () => {
    const [a, b] = daemons;
    const client = await a.tenant(`t${randomBytes(3).toString('hex')}`, { domains: [reg], servers: ['lab'] });
    const vhost = await b.runJob('vhost.create', { webserver: 'lab', domain: site }, { token: client.token });
    expect(vhost.status, JSON.stringify(vhost.error)).toBe('succeeded');
    const issued = await a.runJob('certificate.issue', { domains: [site] }, { token: client.token });
    expect(issued.status, JSON.stringify(issued.error)).toBe('succeeded');
    const current = (await a.store.certificates.active('lab', site))!;
    const ordersBefore = await pebbleOrders();

    const due = new Date(new Date(current.renewAfter!).getTime() + 1000);
    // Each daemon's schedule, on its own engine; the third one's clock is past the first claims' lease.
    const schedules = [
      new CertificateMaintenance(a.daemon.engine, () => due),
      new CertificateMaintenance(b.daemon.engine, () => due),
      new CertificateMaintenance(b.daemon.engine, () => new Date(due.getTime() + 31 * 60_000)),
    ];
    // All three at once: whichever claims first renews; the others find it claimed, joined, or already replaced.
    const reports = await Promise.all(schedules.map((m) => m.tick()));
    await Promise.all(schedules.map((m) => m.stop()));
    console.log(
      `renewal schedules: saw it due ${reports.map((r) => r.due).join('/')}, reported it renewed ${reports.map((r) => r.renewed.length).join('/')}`,
    );
    expect(reports.flatMap((r) => r.failed)).toEqual([]);
    const renewed = reports.flatMap((r) => r.renewed);
    expect(renewed.length).toBeGreaterThan(0);
    expect(new Set(renewed.map((r) => `${r.id} -> ${r.newId}`))).toEqual(
      new Set([`${current.id} -> ${renewed[0].newId}`]),
    );

    // One renewal job, one new certificate replacing the old one, one order at the CA.
    const renewals = (
      await a.store.db
        .selectFrom('jobs')
        .select(['id', 'status', 'inputs'])
        .where('playbook', '=', RENEW_PLAYBOOK)
        .execute()
    ).filter((j) => String(j.inputs).includes(current.id));
    expect(renewals.map((j) => j.status)).toEqual(['succeeded']);
    const all = await a.store.certificates.list({ name: site, status: undefined });
    expect(all.filter((c) => c.replacesId === current.id)).toHaveLength(1);
    expect(all.filter((c) => c.status === 'active')).toHaveLength(1);
    expect((await a.store.certificates.get(current.id))?.status).toBe('replaced');
    expect((await pebbleOrders()) - ordersBefore).toBe(1);
  }, 300_000);
});
