import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { until } from './helpers/until.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

describe('callers: admins and clients', () => {
  let d: TestDaemon;
  let dir: string;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    d = await startTestDaemon({ playbooksDir: fixtures });
    dir = mkdtempSync(join(tmpdir(), 'serein-api-'));
    alice = (await d.tenant('alice', { servers: ['local'], domains: ['alice.example.com'] })).token;
    bob = (await d.tenant('bob', { language: 'fr', domains: ['bob.example.com'] })).token;
  });
  afterAll(async () => {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz without a token and everything else only with one', async () => {
    expect((await d.api('GET', '/healthz', { token: null })).status).toBe(200);
    const res = await d.api('GET', '/v1/jobs', { token: null });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'unauthorized' });
    expect(res.body.error.hint).toContain('Bearer');
    expect((await d.api('GET', '/v1/jobs', { token: 'srn_a_forged' })).status).toBe(401);
  });

  it('a client lists only client playbooks and cannot run an admin one', async () => {
    const list = await d.api('GET', '/v1/playbooks', { token: alice });
    expect(list.body.playbooks.map((p: any) => p.name)).toEqual(['sample.write']);
    const run = await d.api('POST', '/v1/jobs', { token: alice, body: { playbook: 'sample.admin' } });
    expect(run.status).toBe(404);
    const missing = await d.api('POST', '/v1/jobs', { token: alice, body: { playbook: 'does.not-exist' } });
    expect(run.body.error.code).toBe(missing.body.error.code);
  });

  it('a client reads the plain client texts, an admin the technical ones and what clients read', async () => {
    const [en, fr, admin] = await Promise.all([
      d.api('GET', '/v1/playbooks', { token: alice }),
      d.api('GET', '/v1/playbooks', { token: bob }),
      d.api('GET', '/v1/playbooks'),
    ]);
    const pick = (res: any) => res.body.playbooks.find((p: any) => p.name === 'sample.write');
    expect(pick(en)).toMatchObject({
      description: 'Leaves a friendly note for you.',
      inputs: { message: { description: 'your note' } },
    });
    expect(pick(fr)).toMatchObject({
      description: 'Vous laisse un petit mot.',
      inputs: { message: { description: 'votre mot' } },
    });
    for (const res of [en, fr]) {
      expect(pick(res).client).toBeUndefined();
      expect(pick(res).inputs.message.client).toBeUndefined();
    }
    expect(pick(admin)).toMatchObject({
      description: 'Writes a greeting file on a server.',
      client: 'Leaves a friendly note for you.',
      inputs: { message: { description: 'the text after hello', client: 'your note' } },
    });
  });

  it('a client runs on its own server, and another tenant cannot see the job', async () => {
    const job = await d.runJob(
      'sample.write',
      { server: 'local', dir, name: 'alice', message: 'hi' },
      { token: alice },
    );
    expect(job.status).toBe('succeeded');
    const asBob = await d.api('GET', `/v1/jobs/${job.id}`, { token: bob });
    const nothing = await d.api('GET', '/v1/jobs/00000000-0000-0000-0000-000000000000', { token: bob });
    expect(asBob.status).toBe(404);
    expect(asBob.body.error.code).toBe(nothing.body.error.code);
    expect((await d.api('GET', '/v1/jobs', { token: bob })).body.jobs).toEqual([]);
    expect((await d.api('GET', `/v1/jobs/${job.id}/events`, { token: bob })).status).toBe(404);
    expect((await d.api('GET', '/v1/jobs', { token: alice })).body.jobs.map((j: any) => j.id)).toContain(job.id);
  });

  it('a client cannot run on a server it does not own, in its own language', async () => {
    const res = await d.api('POST', '/v1/jobs', {
      token: bob,
      body: { playbook: 'sample.write', inputs: { server: 'local', dir, name: 'bob', message: 'x' } },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/introuvable/);
    expect(res.body.error.detail).toBeUndefined();
  });

  it('a server is shared: several tenants may be given it, and it can be taken back', async () => {
    expect((await d.api('POST', '/v1/tenants/bob/resources', { body: { kind: 'server', name: 'local' } })).status).toBe(
      201,
    );
    const job = await d.runJob(
      'sample.write',
      { server: 'local', dir, name: 'bob', message: 'shared' },
      { token: bob },
    );
    expect(job.status).toBe('succeeded');
    expect((await d.api('DELETE', '/v1/tenants/bob/resources/server/local')).status).toBe(204);
    const res = await d.api('POST', '/v1/jobs', {
      token: bob,
      body: { playbook: 'sample.write', inputs: { server: 'local', dir, name: 'bob2', message: 'x' } },
    });
    expect(res.status).toBe(404);
    const again = await d.runJob(
      'sample.write',
      { server: 'local', dir, name: 'alice2', message: 'still mine' },
      { token: alice },
    );
    expect(again.status).toBe('succeeded');
  });

  it('clients cannot reach admin endpoints', async () => {
    for (const [method, path] of [
      ['GET', '/v1/audit'],
      ['GET', '/v1/tenants'],
      ['GET', '/v1/alerts'],
      ['POST', '/v1/tokens'],
    ] as const) {
      expect((await d.api(method, path, { token: alice, body: method === 'POST' ? {} : undefined })).status).toBe(404);
    }
    const resources = await d.api('GET', '/v1/resources', { token: alice });
    expect(resources.body.resources.every((r: any) => r.tenantId === 'alice')).toBe(true);
  });

  it("names the kinds of resources, in the caller's language, from the resource registry", async () => {
    const en = (await d.api('GET', '/v1/resource-kinds', { token: alice })).body.kinds;
    expect(en.map((k: any) => k.kind)).toEqual(['domain', 'vhost', 'database', 'certificate', 'server']);
    expect(en.find((k: any) => k.kind === 'vhost')).toEqual({
      kind: 'vhost',
      label: { one: 'site', many: 'sites', a: 'a site' },
      inputTypes: ['domain'],
      pick: 'suggest',
      shared: false,
    });
    expect(en.find((k: any) => k.kind === 'server')).toMatchObject({
      inputTypes: ['target', 'webserver', 'database-server'],
      pick: 'choose',
      shared: true,
    });
    const fr = (await d.api('GET', '/v1/resource-kinds', { token: bob })).body.kinds;
    expect(fr.find((k: any) => k.kind === 'database').label).toEqual({
      one: 'base de données',
      many: 'bases de données',
      a: 'une base de données',
    });
    expect(fr.find((k: any) => k.kind === 'vhost').label.many).toBe('sites');
    const admin = (await d.api('GET', '/v1/resource-kinds')).body.kinds;
    expect(admin.find((k: any) => k.kind === 'server').configSections).toEqual(['targets', 'webservers', 'databases']);
    expect((await d.api('GET', '/v1/resource-kinds', { token: null })).status).toBe(401);
  });

  it('gives only the kinds the registry knows, and takes them back by their own rule', async () => {
    const unknown = await d.api('POST', '/v1/tenants/bob/resources', { body: { kind: 'teapot', name: 'x' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('vhost');
    expect(
      (await d.api('POST', '/v1/tenants/bob/resources', { body: { kind: 'domain', name: 'Extra.Bob.example.NET' } }))
        .body.resource.name,
    ).toBe('extra.bob.example.net');
    expect((await d.api('DELETE', '/v1/tenants/alice/resources/domain/extra.bob.example.net')).status).toBe(404);
    expect((await d.api('DELETE', '/v1/tenants/bob/resources/domain/extra.bob.example.net')).status).toBe(204);
    const audit = (await d.api('GET', '/v1/audit?subject=domain:extra.bob.example.net')).body.entries.map(
      (e: any) => e.action,
    );
    expect(audit).toEqual(['resource.add', 'resource.remove']);
  });

  it('a domain belongs to one tenant, subdomains included', async () => {
    const res = await d.api('POST', '/v1/tenants/bob/resources', {
      body: { kind: 'domain', name: 'shop.alice.example.com' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('another tenant');
  });

  it('revoked tokens stop working; tokens are stored hashed', async () => {
    const created = await d.api('POST', '/v1/tokens', { body: { kind: 'client', tenantId: 'alice', label: 'temp' } });
    expect(created.status).toBe(201);
    expect((await d.api('GET', '/v1/playbooks', { token: created.body.token })).status).toBe(200);
    const rows = await d.store.db.selectFrom('tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(created.body.token);
    expect((await d.api('DELETE', `/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await d.api('GET', '/v1/playbooks', { token: created.body.token })).status).toBe(401);
  });

  it('publishes an OpenAPI document and one error shape', async () => {
    const doc = (await d.api('GET', '/openapi.json', { token: null })).body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/jobs', '/v1/jobs/{id}', '/v1/audit', '/v1/tokens']),
    );
    const bad = await d.api('POST', '/v1/jobs', { body: { playbook: 42 } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error).sort()).toEqual(['code', 'fields', 'hint', 'message']); // fields: each invalid one by name
    const lost = await d.api('GET', '/nowhere');
    expect(lost.status).toBe(404);
    expect(lost.body.error.code).toBe('not_found');
  });
});

describe('clients in difficulty', () => {
  it('are handed to an admin with the diagnosis after three failures in an hour, once', async () => {
    const d = await startTestDaemon({ playbooksDir: fixtures });
    const dir = mkdtempSync(join(tmpdir(), 'serein-struggle-'));
    try {
      const { token } = await d.tenant('carol', { servers: ['local'] });
      for (let i = 0; i < 4; i++) {
        const job = await d.runJob(
          'sample.write',
          { server: 'local', dir, name: `f${i}`, message: 'x', fail: true },
          { token },
        );
        expect(job.status).toBe('failed');
      }
      const alerts = await until(
        async () => {
          const list = (await d.api('GET', '/v1/alerts?kind=escalation')).body.alerts;
          return list.length ? list : undefined;
        },
        30_000,
        'the escalation alert',
      );
      expect(alerts).toHaveLength(1);
      expect(alerts[0].tenantId).toBe('carol');
      expect(alerts[0].message).toContain('sample.write failed 3 times');
      expect(alerts[0].detail.failures[0].code).toBe('program_failed');
      // The fourth failure joins the one escalation (one per tenant and problem), with every attempt.
      const [e] = (await d.api('GET', '/v1/escalations')).body.escalations;
      expect(e.signals.length).toBeGreaterThanOrEqual(3);
    } finally {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
