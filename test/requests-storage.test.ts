/**
 * "Plus de mémoire" is a question about disk space: it is handed to a person, and the
 * client reads beside the handover what their sites and databases use today, and of how
 * much (the background pass's figures); the admin's handover names the same figures.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';

let d: TestDaemon;
const h = randomBytes(3).toString('hex');
const quoted = { id: `q${h}`, domain: `photos${h}.test` };
const free = { id: `f${h}`, domain: `atelier${h}.test` };
const tokens: Record<string, string> = {};

beforeAll(async () => {
  d = await startTestDaemon({ config: { quotas: { tenants: { [quoted.id]: { diskBytes: 5_000_000_000 } } } } });
  tokens.quoted = (await d.tenant(quoted.id, { language: 'fr', domains: [quoted.domain] })).token;
  tokens.free = (await d.tenant(free.id, { language: 'en', domains: [free.domain] })).token;
  const at = new Date().toISOString();
  // What the disk usage pass would have measured: a site and a database.
  await d.store.usage.put({
    kind: 'vhost',
    name: quoted.domain,
    tenantId: quoted.id,
    bytes: 1_000_000_000,
    measuredAt: at,
  });
  await d.store.usage.put({
    kind: 'database',
    name: `${quoted.id}_shop`,
    tenantId: quoted.id,
    bytes: 200_000_000,
    measuredAt: at,
  });
  await d.store.usage.put({ kind: 'vhost', name: free.domain, tenantId: free.id, bytes: 350_000_000, measuredAt: at });
});

afterAll(async () => {
  await d?.stop();
});

const ask = (text: string, token: string) => d.api('POST', '/v1/requests', { token, body: { text } });

describe('a request for more space', () => {
  it('« il me faut plus de mémoire » is handed to a person with what the client uses, of their quota', async () => {
    const res = await ask("bonjour, il me faudrait plus de mémoire pour mon site s'il vous plaît", tokens.quoted);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      status: 'handoff',
      topic: 'storage',
      usage: { usedBytes: 1_200_000_000, quotaBytes: 5_000_000_000 },
    });
    expect(res.body.sentence).toContain('occupent 1,2\u00a0Go sur les 5\u00a0Go prévus');
    await d.delivered();
    const admin = JSON.stringify((await d.api('GET', '/v1/escalations')).body);
    expect(admin).toContain('uses 1.2 GB of 5 GB');
  });

  it('"I need more disk space" without a quota says what is used, and only this client\'s sites count', async () => {
    const res = await ask('I need more disk space please', tokens.free);
    expect(res.body).toMatchObject({
      status: 'handoff',
      topic: 'storage',
      usage: { usedBytes: 350_000_000, quotaBytes: null },
    });
    expect(res.body.sentence).toContain('Today your sites and databases use 350 MB.');
  });
});
