/**
 * No list stops at 1,000 (issue 12): a fleet of 1,500 certificates inserted straight into
 * the store is wholly considered by one renewal pass and one ARI refresh, and listed whole
 * through the API's pages; jobs, audit, alerts and resources page the same way; and a
 * certificate install's undo finds the previous key by its certificate's id, without
 * opening any other stored key.
 */
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSecret, rememberPrevious, sha256 } from '../src/actions/certificate-keys.js';
import { sealKey } from '../src/certificates/keys.js';
import { CertificateMaintenance, type RenewalEngine } from '../src/certificates/maintain.js';
import type { Services } from '../src/engine/action.js';
import { scriptedCaServices } from './helpers/acme-lab.js';
import { bareActionContext, startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { insertFleet } from './helpers/fleet.js';
import { serein } from './helpers/process.js';

const FLEET = 1500;

/** A CA that has renewalInfo and answers it for any certificate; counts the questions. */
let server: http.Server;
let base = '';
let ariAsked = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'replay-nonce': `n${Math.random()}`, 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(data ?? {}));
    };
    req.resume();
    req.on('end', () => {
      if (path === '/dir')
        return send(200, {
          newNonce: `${base}/nonce`,
          newAccount: `${base}/acct`,
          newOrder: `${base}/order`,
          renewalInfo: `${base}/ari`,
        });
      if (path === '/nonce') return send(200, undefined);
      if (path.startsWith('/ari/')) {
        ariAsked++;
        return send(
          200,
          { suggestedWindow: { start: '2030-01-01T00:00:00Z', end: '2030-01-03T00:00:00Z' } },
          { 'retry-after': '3600' },
        );
      }
      send(404, { type: 'urn:ietf:params:acme:error:malformed' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

const services = () => scriptedCaServices(`${base}/dir`, 'serein-fleet-');

/** The engine side of the maintenance: every renewal "succeeds" at once, no CA reached; the submitted certificates are counted. */
function stubEngine(s: Services, submitted: string[]): RenewalEngine {
  return {
    services: s,
    events: new EventEmitter(),
    submit: async (_caller, req) => {
      submitted.push(String(req.inputs?.certificate));
      return {
        job: { id: `job-${submitted.length}`, status: 'succeeded', result: { certificate: 'renewed' } } as any,
        created: true,
      };
    },
  };
}

describe('a fleet of 1,500 certificates', () => {
  it('one renewal pass considers every due certificate, and one ARI refresh every active one', async () => {
    const { services: s, store } = await services();
    const now = new Date();
    // All due, at a CA with renewalInfo, never asked: the pass must ask for each and renew each.
    await insertFleet(store, { count: FLEET, due: FLEET, ca: 'ari', now });
    const submitted: string[] = [];
    const renewals = await new CertificateMaintenance(stubEngine(s, submitted), () => now).tick();
    expect(renewals.ariChecked).toBe(FLEET);
    expect(ariAsked).toBeGreaterThanOrEqual(FLEET);
    // ARI moved every renewal time to the window: nothing is due anymore, every row was asked.
    expect(renewals.due).toBe(0);
    const checked = await (store.db as any)
      .selectFrom('certificates')
      .select((eb: any) => eb.fn.countAll().as('n'))
      .where('ari_checked_at', 'is not', null)
      .executeTakeFirst();
    expect(Number(checked.n)).toBe(FLEET);
    s.certificates.accounts.close();
    await store.close();
  });

  it('a renewal pass submits every due certificate once, when the CA has no renewalInfo', async () => {
    const { services: s, store } = await services();
    const now = new Date();
    await insertFleet(store, { count: FLEET + 300, due: FLEET, ca: 'no-ari', now });
    const submitted: string[] = [];
    const report = await new CertificateMaintenance(stubEngine(s, submitted), () => now).tick();
    expect(report.due).toBe(FLEET);
    expect(report.renewed).toHaveLength(FLEET);
    expect(new Set(submitted).size).toBe(FLEET);
    s.certificates.accounts.close();
    await store.close();
  });

  it('an undo finds the previous key by its certificate id, opening no other stored key', async () => {
    const { services: s, store } = await services();
    // 2,000 stored keys that cannot be opened: a search through them would fail on the first.
    await insertFleet(store, { count: 2000, name: () => 'shop.example' });
    const keyPem = '-----BEGIN PRIVATE KEY-----\nprevious\n-----END PRIVATE KEY-----\n';
    const [served] = await insertFleet(store, {
      count: 1,
      name: () => 'shop.example',
      keyPem: sealKey(s, keyPem),
      now: new Date(Date.now() + 86_400_000),
    });
    const ctx = bareActionContext(s, null);
    const remembered = await rememberPrevious(ctx, 'main', 'shop.example', [
      { path: '/certs/shop.example/privkey.pem', mode: 0o600, content: keyPem },
    ]);
    expect(remembered[0]).toMatchObject({ content: null, secretSha256: sha256(keyPem), secretCertificateId: served });
    const found = await findSecret(
      ctx,
      remembered[0] as { path: string; secretSha256: string; secretCertificateId?: string },
      'shop.example',
    );
    expect(found).toBe(keyPem);
    s.certificates.accounts.close();
    await store.close();
  });
});

describe('the API pages every list', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon();
  });
  afterAll(() => d.stop());

  /** Follows `next` from the first page; returns every item and the number of pages. */
  async function all(path: string, field: string): Promise<{ items: any[]; pages: number }> {
    const items: any[] = [];
    let pages = 0;
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const res = await d.api('GET', cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
      expect(res.status).toBe(200);
      items.push(...res.body[field]);
      expect(res.body).toHaveProperty('next');
      cursor = res.body.next;
      pages++;
    } while (cursor);
    return { items, pages };
  }

  it('certificates: 1,500 listed whole, newest first, none twice', async () => {
    await insertFleet(d.store, { count: FLEET });
    const { items, pages } = await all('/v1/certificates?limit=400', 'certificates');
    expect(items).toHaveLength(FLEET);
    expect(pages).toBe(4);
    expect(new Set(items.map((c) => c.id)).size).toBe(FLEET);
    expect(items[0].name).toBe(`s${FLEET - 1}.fleet.example`);
    expect((await d.api('GET', '/v1/certificates')).body.certificates).toHaveLength(1000); // what the unpaged list showed
    expect((await d.api('GET', '/v1/certificates?cursor=bogus')).status).toBe(400);
    // The CLI follows the pages too: every certificate, in one JSON list.
    const cli = serein(['certificates', '--json'], { SEREIN_URL: d.url, SEREIN_TOKEN: d.adminToken });
    expect(await cli.exited).toBe(0);
    const listed = JSON.parse(cli.output()) as { id: string }[];
    expect(new Set(listed.map((c) => c.id)).size).toBe(FLEET);
  });

  it('jobs, audit, alerts and resources: every item through the pages', async () => {
    for (let i = 0; i < 120; i++)
      await d.store.alerts.add({ kind: 'fleet-test', tenantId: null, subject: `s${i}`, message: 'm' });
    expect((await all('/v1/alerts?kind=fleet-test&limit=50', 'alerts')).items).toHaveLength(120);
    const t = await d.api('POST', '/v1/tenants', { body: { id: 'pager', name: 'Pager', language: 'en' } });
    expect(t.status).toBe(201);
    for (let i = 0; i < 30; i++)
      await d.api('POST', '/v1/tenants/pager/resources', { body: { kind: 'domain', name: `d${i}.pager.example` } });
    const resources = (await all('/v1/resources?tenantId=pager&kind=domain&limit=7', 'resources')).items;
    expect(resources.map((r) => r.name).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `d${i}.pager.example`).sort(),
    );
    const audit = (await all('/v1/audit?action=resource.add&tenantId=pager&limit=9', 'entries')).items;
    expect(audit).toHaveLength(30);
    // Straight into the store (a playbook nobody runs): only the listing is under test.
    for (let i = 0; i < 25; i++)
      await d.store.jobs.create({
        playbook: 'fleet.page',
        inputs: { i },
        dryRun: true,
        tenantId: null,
        tokenId: null,
        resource: null,
        target: null,
        language: 'en',
      });
    const jobs = (await all('/v1/jobs?playbook=fleet.page&limit=10', 'jobs')).items;
    expect(new Set(jobs.map((j) => j.inputs.i))).toEqual(new Set(Array.from({ length: 25 }, (_, i) => i)));
  });
});
