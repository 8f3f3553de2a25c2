// The request route's reading of the client's things (src/api/routes/requests.ts): all of
// them in one read of the store by the tenant's indexes (TenantStore.names), whatever the
// provider's size: every active certificate, not the first page of a hundred; a site added
// is known at the very next request (nothing is kept between requests); another tenant's
// names are never read. The same read on SQLite and on the lab's PostgreSQL.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/store/schema.js';
import { Store } from '../src/store/store.js';
import { TenantStore } from '../src/store/tenants.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { storeDatabase } from './helpers/db-lab.js';
import { tempDir } from './helpers/tmp.js';
import { useLab } from './lab/client.js';

const h = randomBytes(3).toString('hex');
const tenant = `rr${h}`;
let d: TestDaemon;
const opened: Store[] = [];
let pgDb: { drop(): Promise<void> } | undefined;

beforeAll(async () => {
  d = await startTestDaemon();
  await d.tenant(tenant, { language: 'en' });
}, 60_000);

afterAll(async () => {
  // The sites here are records only (no web server): taken out before stop() would try to delete them.
  for (const site of (await d?.store.tenants.listResources({ tenantId: tenant, kind: 'vhost' })) ?? [])
    await d.store.tenants.removeResource('vhost', site.name);
  await d?.stop();
  for (const s of opened) await s.close();
  await pgDb?.drop();
});

/** A request in words as an admin asks for the tenant (no client rate limit in the way of a test). */
const ask = (text: string) => d.api('POST', '/v1/requests', { body: { text, tenant } });

/** A certificate record made active for `name`, as an issuance leaves it. */
async function activeCertificate(store: Store, tenantId: string, name: string): Promise<string> {
  const c = await store.certificates.addPending({
    tenantId,
    webserver: null,
    name,
    domains: [name],
    challenge: 'http-01',
    keyType: 'ecdsa-p256',
    ca: 'test',
    caDirectory: 'https://ca.invalid/directory',
    serial: randomBytes(8).toString('hex'),
    ariCertId: '',
    notBefore: new Date().toISOString(),
    notAfter: new Date(Date.now() + 90 * 86_400_000).toISOString(),
    certPem: 'not read here',
    keyPem: 'not read here',
  });
  await store.certificates.activate(c.id, new Date(Date.now() + 60 * 86_400_000));
  return c.id;
}

describe('the request route reads the client’s things', () => {
  it('a renewal finds the active certificate of every site, past the first hundred', async () => {
    const ids = new Map<string, string>();
    for (let i = 0; i < 105; i++) {
      const site = `s${String(i).padStart(3, '0')}.${h}.test`;
      await d.store.tenants.addResource({ kind: 'vhost', name: site, tenantId: tenant, data: {} });
      ids.set(site, await activeCertificate(d.store, tenant, site));
    }
    // Every site: which ones fell past the first page depended on their order in the store.
    const wrong: string[] = [];
    for (const [site, id] of ids) {
      const res = await ask(`please renew the https certificate of ${site}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      if (res.body.proposal?.playbook !== 'certificate.renew' || res.body.proposal.inputs.certificate !== id)
        wrong.push(`${site}: ${JSON.stringify(res.body.proposal ?? res.body.sentence)}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('a site added is known at the next request, and another tenant’s site never is', async () => {
    const site = `fresh.${h}.test`;
    const before = await ask(`please renew the https certificate of ${site}`);
    expect(before.body.proposal?.inputs?.site).not.toBe(site);
    await d.store.tenants.addResource({ kind: 'vhost', name: site, tenantId: tenant, data: {} });
    const id = await activeCertificate(d.store, tenant, site);
    const after = await ask(`please renew the https certificate of ${site}`);
    expect(after.body.proposal?.playbook).toBe('certificate.renew');
    expect(after.body.proposal?.inputs).toEqual({ site, certificate: id });
    // Another tenant's site and certificate read as a name that does not exist.
    const other = `ot${h}`;
    await d.tenant(other, { language: 'en' });
    const theirs = `theirs.${h}.test`;
    await d.store.tenants.addResource({ kind: 'vhost', name: theirs, tenantId: other, data: {} });
    const theirId = await activeCertificate(d.store, other, theirs);
    const res = await ask(`please renew the https certificate of ${theirs}`);
    expect(res.body.proposal?.inputs?.site).not.toBe(theirs);
    expect(JSON.stringify(res.body).includes(theirId)).toBe(false);
    await d.store.tenants.removeResource('vhost', theirs);
  }, 60_000);

  it('an admin naming a tenant that does not exist gets a 404', async () => {
    const none = await d.api('POST', '/v1/requests', { body: { text: 'renew my certificate', tenant: `no${h}` } });
    expect(none.status).toBe(404);
  });
});

/** names(): each kind of thing, only this tenant's, only active certificates, the newest of a name last. */
async function namesChecks(store: Store): Promise<void> {
  const { tenants } = store;
  await tenants.create({ id: 'a', name: 'A', language: 'en' });
  await tenants.create({ id: 'b', name: 'B', language: 'en' });
  expect(await tenants.names('a')).toEqual({ resources: [], servers: [], certificates: [] });
  expect(await tenants.names('nobody')).toBeUndefined();
  await tenants.addResource({ kind: 'vhost', name: 'shop.example', tenantId: 'a', data: { aliases: [] } });
  await tenants.addResource({ kind: 'domain', name: 'example', tenantId: 'a' });
  await tenants.addResource({ kind: 'database', name: 'db1:a_shop', tenantId: 'a' });
  await tenants.addResource({ kind: 'vhost', name: 'other.example', tenantId: 'b' });
  await tenants.grantServer('a', 'db1');
  await tenants.grantServer('b', 'db2');
  const old = await activeCertificate(store, 'a', 'shop.example');
  const pending = await store.certificates.addPending({
    ...{ tenantId: 'a', webserver: null, name: 'pending.example', domains: ['pending.example'] },
    ...{ challenge: 'http-01', keyType: 'ecdsa-p256', ca: 'test', caDirectory: 'https://ca.invalid/directory' },
    ...{ serial: '01', ariCertId: '', notBefore: '2026-01-01T00:00:00Z', notAfter: '2026-04-01T00:00:00Z' },
    ...{ certPem: 'x', keyPem: 'x' },
  });
  expect(pending.status).toBe('pending');
  await activeCertificate(store, 'b', 'other.example');
  expect(await tenants.names('a')).toEqual({
    resources: [
      { kind: 'database', name: 'db1:a_shop' },
      { kind: 'domain', name: 'example' },
      { kind: 'vhost', name: 'shop.example' },
    ],
    servers: ['db1'],
    certificates: [{ name: 'shop.example', id: old }],
  });
  // Renewed: the new one is active, the old one replaced and no longer read.
  const renewed = await activeCertificate(store, 'a', 'shop.example');
  expect((await tenants.names('a'))!.certificates).toEqual([{ name: 'shop.example', id: renewed }]);
}

describe('TenantStore.names', () => {
  it('SQLite: one read of a tenant’s things, by the tenant’s indexes', async () => {
    const path = join(tempDir('serein-names-read-'), 'store.db');
    const s = await Store.open({ driver: 'sqlite', path });
    opened.push(s);
    await namesChecks(s);
    // The read's own SQL, as the store sends it: one statement, no table walked through.
    const sent: CompiledQuery[] = [];
    const sqlite = new SQLite(path);
    const logged = new Kysely<Database>({
      dialect: new SqliteDialect({ database: sqlite }),
      log: (e) => void (e.level === 'query' && sent.push(e.query)),
    });
    await new TenantStore(logged).names('a');
    expect(sent).toHaveLength(1);
    const plan = sqlite.prepare(`EXPLAIN QUERY PLAN ${sent[0].sql}`).all(...(sent[0].parameters as unknown[])) as {
      detail: string;
    }[];
    const steps = plan.map((p) => p.detail).filter((x) => /^(SCAN|SEARCH) /.test(x));
    expect(steps.length, plan.map((p) => p.detail).join('\n')).toBe(4);
    for (const step of steps) expect(step, plan.map((p) => p.detail).join('\n')).toMatch(/^SEARCH /);
    await logged.destroy();
  });

  it('PostgreSQL: the same read on a store several daemons share', async () => {
    const lab = await useLab('postgres');
    const db = (pgDb = await storeDatabase(lab, 'serein_tenant_names'));
    const s = await Store.open({ driver: 'postgres', url: db.url });
    opened.push(s);
    await namesChecks(s);
  }, 60_000);
});
