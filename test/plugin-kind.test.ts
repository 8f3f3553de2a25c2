import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { mailboxFile } from './fixtures/plugin-kind/mailbox.action.js';

const fixture = resolve(import.meta.dirname, 'fixtures/plugin-kind');

/**
 * The promise of the resource registry: a new operation is a playbook file and at most one
 * action module; a new kind is one more module. test/fixtures/plugin-kind adds the
 * `mailbox` kind and the `mailbox.create` operation, named in the config's `plugins`,
 * without a line changed in src/engine, src/api or the page.
 */
describe('a plug-in kind and operation', () => {
  let d: TestDaemon;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    d = await startTestDaemon({
      playbooksDir: resolve(fixture, 'playbooks'),
      config: { plugins: [resolve(fixture, 'mailbox.kind.ts'), resolve(fixture, 'mailbox.action.ts')] },
    });
    alice = (await d.tenant('alice', { domains: ['alice.example.com'] })).token;
    bob = (await d.tenant('bob', { language: 'fr', domains: ['bob.example.com'] })).token;
  });
  afterAll(() => d.stop());

  it('runs as a client on its own resource, recorded as its own', async () => {
    const job = await d.runJob('mailbox.create', { address: 'Contact@Alice.Example.com' }, { token: alice });
    expect(job.status).toBe('succeeded');
    expect(job.result.address).toBe('contact@alice.example.com');
    expect(existsSync(mailboxFile(d.config.stateDir, 'contact@alice.example.com'))).toBe(true);
    const mine = (await d.api('GET', '/v1/resources?kind=mailbox', { token: alice })).body.resources;
    expect(mine).toEqual([
      expect.objectContaining({ kind: 'mailbox', name: 'contact@alice.example.com', tenantId: 'alice' }),
    ]);
    expect((await d.api('GET', '/v1/resources?kind=mailbox', { token: bob })).body.resources).toEqual([]);
  });

  it("is refused on another tenant's resource as if it did not exist, with nothing run", async () => {
    const unknown = await d.api('POST', '/v1/jobs', { token: alice, body: { playbook: 'does.not-exist' } });
    for (const [token, address] of [
      [alice, 'contact@bob.example.com'],
      [alice, 'shop@www.bob.example.com'],
      [bob, 'contact@alice.example.com'],
      [bob, 'x@nobody.example.org'],
    ]) {
      const res = await d.api('POST', '/v1/jobs', { token, body: { playbook: 'mailbox.create', inputs: { address } } });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe(unknown.body.error.code);
    }
    expect(existsSync(mailboxFile(d.config.stateDir, 'contact@bob.example.com'))).toBe(false);
    const bad = await d.api('POST', '/v1/jobs', {
      token: bob,
      body: { playbook: 'mailbox.create', inputs: { address: 'not an address' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("n'est pas une adresse de boîte mail");
  });

  it("is a kind like the others: the admin API gives it, /v1/resource-kinds names it in the caller's language", async () => {
    const given = await d.api('POST', '/v1/tenants/bob/resources', {
      body: { kind: 'mailbox', name: 'Hello@bob.example.com' },
    });
    expect(given.status).toBe(201);
    expect(given.body.resource.name).toBe('hello@bob.example.com');
    const job = await d.api('POST', '/v1/jobs', {
      token: alice,
      body: { playbook: 'mailbox.create', inputs: { address: 'hello@bob.example.com' } },
    });
    expect(job.status).toBe(404);
    const unknownKind = await d.api('POST', '/v1/tenants/bob/resources', { body: { kind: 'teapot', name: 'x' } });
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.body.error.message).toContain('mailbox');
    const kinds = (await d.api('GET', '/v1/resource-kinds', { token: bob })).body.kinds;
    expect(kinds.find((k: any) => k.kind === 'mailbox')).toMatchObject({
      label: { one: 'boîte mail', many: 'boîtes mail' },
      inputTypes: ['mailbox'],
    });
    expect(kinds.find((k: any) => k.kind === 'vhost').label.many).toBe('sites');
  });
});
