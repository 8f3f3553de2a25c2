/**
 * "Do it for them" and the client's page as the review found them, against a real daemon
 * on the lab (Pebble, the lab DNS, nginx) and a local server speaking Cloudflare's API: the
 * operation after a rescue is the one the admin reviewed, even when a new failure replaced
 * the suggestion while the first ran; two clicks at once start one job; a job that ended
 * before its click recorded it does not leave the escalation "already running" for ever;
 * a conversation not handed to admins cannot be taken, resolved or run by its id; and a
 * DNS host that refuses is not asked again at each reading of the client's page.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { FakeCloudflare } from './helpers/fake-cloudflare.js';
import { until } from './helpers/until.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

let lab: LabInfo;
let d: TestDaemon;
let cf: FakeCloudflare;

beforeAll(async () => {
  lab = await useLab('pebble');
  cf = await new FakeCloudflare({ token: randomBytes(12).toString('hex') }).start();
  // The token serein holds was revoked at Cloudflare: every question to its API is refused.
  d = await startTestDaemon({
    config: {
      ...labCertConfig(lab, tempDir('serein-review-'), {
        cloudflare: { apiToken: 'revoked-token', baseUrl: cf.baseUrl },
      }),
      renewal: { enabled: false },
      drift: { enabled: false },
    },
  });
});

afterAll(async () => {
  await d?.stop();
  await cf?.stop();
  if (lab) expect(labNginxTest(lab).ok).toBe(true);
});

/** A tenant with its own domain on the lab, and its client token. */
async function client(prefix: string) {
  const id = `${prefix}${randomBytes(3).toString('hex')}`;
  const domain = `${randomBytes(4).toString('hex')}.test`;
  return { id, domain, ...(await d.tenant(id, { domains: [domain], servers: ['lab'] })) };
}
const now = () => new Date().toISOString();
/**
 * Another operation on the site running (from another daemon, as far as this one knows):
 * a job on it waits its turn, as it would in real life. Returns how to end it.
 */
async function busy(name: string): Promise<() => Promise<void>> {
  const { job } = await d.store.jobs.create({
    playbook: 'vhost.create',
    inputs: { webserver: 'lab', domain: name },
    dryRun: false,
    tenantId: null,
    forTenant: null,
    tokenId: null,
    resource: `vhost:${name}`,
    target: null,
    language: 'en',
  });
  await d.store.db
    .updateTable('jobs')
    .set({
      status: 'running',
      owner: 'elsewhere',
      lease_until: new Date(Date.now() + 600_000).toISOString(),
      started_at: now(),
    })
    .where('id', '=', job.id)
    .execute();
  return async () => {
    if ((await d.store.jobs.get(job.id))?.status === 'running')
      await d.store.jobs.finish(job.id, 'failed', { error: { code: 'test', message: 'ended by the test' } });
  };
}
const listed = async (id: string) =>
  ((await d.api('GET', '/v1/escalations')).body.escalations as any[]).find((x) => x.id === id);

describe('do it for them, as reviewed', () => {
  it('the operation after the first one is the one the admin reviewed, not a suggestion that replaced it meanwhile', async () => {
    const t = await client('th');
    const esc = d.daemon.engine.services.escalations;
    const site = `reviewed.${t.domain}`;
    const rescue = (name: string) => ({
      playbook: 'vhost.create',
      inputs: { webserver: 'lab', domain: site },
      then: { playbook: 'certificate.issue', inputs: { domains: [name] } },
    });
    const e = await esc.signal(
      t.id,
      'operation:vhost.create',
      [{ at: now(), kind: 'failures', message: 'vhost.create failed' }],
      { summary: 'vhost.create failed 3 times', suggestion: rescue(site) },
    );
    const seen = await listed(e.id);
    expect(seen.suggestion).toMatchObject({ then: { inputs: { domains: [site] } }, oneClick: true });
    const release = await busy(site);
    try {
      const done = await d.api('POST', `/v1/escalations/${e.id}/do`, { body: { suggestion: seen.suggestion.version } });
      expect(done.status, JSON.stringify(done.body)).toBe(202);
      // While it waits its turn, a new failure of the client replaces the suggestion.
      await esc.signal(
        t.id,
        'operation:vhost.create',
        [{ at: now(), kind: 'failures', message: 'vhost.create failed again' }],
        { summary: 'vhost.create failed', suggestion: rescue(`never-seen.${t.domain}`) },
      );
      expect((await listed(e.id)).suggestion.then.inputs.domains).toEqual([`never-seen.${t.domain}`]);
      await release();
      expect((await d.waitJob(done.body.job.id)).status).toBe('succeeded');
      // What runs after it is what the admin saw.
      const after = await until(
        async () => {
          const l = await d.store.jobs.list({ forTenant: t.id, playbook: 'certificate.issue', limit: 10 });
          return l.length > 0 ? l : undefined;
        },
        30_000,
        'the operation after it',
      );
      expect(after.map((j) => j.inputs.domains)).toEqual([[site]]);
      expect(after[0]).toMatchObject({ tenantId: t.id, actedBy: expect.any(String) });
      await d.waitJob(after[0].id);
    } finally {
      await release();
      await d.runJob('vhost.delete', { domain: site }, {});
    }
  });

  it('a click while the first one is still starting its job starts no second one', async () => {
    const t = await client('tw');
    const esc = d.daemon.engine.services.escalations;
    const name = `nothing-here.${t.domain}`;
    const e = await esc.signal(
      t.id,
      'operation:certificate.issue',
      [{ at: now(), kind: 'failures', message: 'certificate.issue failed' }],
      {
        summary: 'certificate.issue failed 3 times',
        suggestion: { playbook: 'certificate.issue', inputs: { domains: [name] } },
      },
    );
    const { version } = (await listed(e.id)).suggestion;
    const release = await busy(name);
    try {
      const first = await d.api('POST', `/v1/escalations/${e.id}/do`, { body: { suggestion: version } });
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      // The second click came in between the first one's job and its record in the escalation.
      await d.store.escalations.update(e.id, now(), () => ({ done: null }));
      const second = await d.api('POST', `/v1/escalations/${e.id}/do`, { body: { suggestion: version } });
      expect(second.status, JSON.stringify(second.body)).toBe(202);
      expect(second.body.job.id).toBe(first.body.job.id);
      // And clicks at once: one job whatever answers they get.
      const clicks = await Promise.all(
        [0, 1, 2].map(() => d.api('POST', `/v1/escalations/${e.id}/do`, { body: { suggestion: version } })),
      );
      for (const c of clicks)
        expect(c.status === 202 ? c.body.job.id : c.body.error.code).toBe(
          c.status === 202 ? first.body.job.id : 'already_running',
        );
      expect(
        (await d.store.jobs.list({ forTenant: t.id, playbook: 'certificate.issue', limit: 10 })).filter(
          (j) => j.actedBy,
        ),
      ).toHaveLength(1);
      await release();
      await d.waitJob(first.body.job.id);
    } finally {
      await release();
    }
  });

  it('a job that ended before its click recorded it does not leave the escalation "already running" for ever', async () => {
    const t = await client('en');
    const esc = d.daemon.engine.services.escalations;
    const inputs = { domains: [`nothing-there.${t.domain}`] };
    const e = await esc.signal(
      t.id,
      'operation:certificate.issue',
      [{ at: now(), kind: 'failures', message: 'certificate.issue failed' }],
      { summary: 'certificate.issue failed 3 times', suggestion: { playbook: 'certificate.issue', inputs } },
    );
    // The first run ended (failed) before the escalation recorded it: the watch, hearing its end, found nothing to end.
    const { job } = await d.store.jobs.create({
      playbook: 'certificate.issue',
      inputs,
      dryRun: false,
      tenantId: t.id,
      forTenant: t.id,
      tokenId: null,
      resource: null,
      target: null,
      language: 'en',
    });
    await d.store.jobs.finish(job.id, 'failed', {
      error: { code: 'preflight_failed', message: 'the name has no address' },
    });
    await d.store.escalations.setDone(e.id, { jobId: job.id, by: 'Marie (tok)', at: now(), byName: 'Marie' }, now());
    const { version } = (await listed(e.id)).suggestion;
    // Another try is possible: its end is taken now, and a new run starts.
    const again = await d.api('POST', `/v1/escalations/${e.id}/do`, { body: { suggestion: version } });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body.job.id).not.toBe(job.id);
    expect((await listed(e.id)).signals.map((s: any) => s.jobId)).toContain(job.id);
    await d.waitJob(again.body.job.id);
  });

  it('a conversation not handed to admins yet cannot be taken, resolved or run by its id', async () => {
    const t = await client('nh');
    const esc = d.daemon.engine.services.escalations;
    const site = `shop.${t.domain}`;
    const e = await esc.signal(t.id, `site:${site}`, [{ at: now(), kind: 'drift', message: 'a stale AAAA' }], {
      summary: `the next renewal of ${site} will fail`,
      escalate: false,
      cause: { kind: 'drift', site },
      suggestion: { playbook: 'certificate.issue', inputs: { domains: [site] } },
    });
    for (const [path, body] of [
      ['take', undefined],
      ['resolve', {}],
      ['do', { suggestion: 'x' }],
      ['answer', { text: 'hello' }],
    ] as const) {
      const res = await d.api('POST', `/v1/escalations/${e.id}/${path}`, { body });
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(404);
    }
    expect(await d.store.escalations.get(e.id)).toMatchObject({ state: 'open', takenBy: null, escalatedAt: null });
  });
});

describe("the client's page", () => {
  it('asks a DNS host that refuses whether it serves a name once, not at each reading', async () => {
    const t = await client('cf');
    const site = `shop.${t.domain}`;
    const found = [
      {
        en: `${site} has an IPv6 address that is not your server`,
        fr: `${site} a une adresse IPv6 qui n'est pas votre serveur`,
      },
    ];
    await d.daemon.engine.services.escalations.signal(
      t.id,
      `site:${site}`,
      [{ at: now(), kind: 'renewal', message: 'the renewal failed' }],
      { summary: `the renewal of ${site} fails`, cause: { kind: 'renewal-blocked', site, found, fix: found } },
    );
    const asked = () => cf.requests.filter((r) => r.includes('/zones')).length;
    const read = async () => (await d.api('GET', '/v1/conversations', { token: t.token })).body.conversations as any[];
    const [first] = await read();
    expect(first).toMatchObject({ name: site, fixForYou: false });
    const once = asked();
    expect(once).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect((await read())[0].fixForYou).toBe(false);
    expect(asked()).toBe(once);
  });
});
