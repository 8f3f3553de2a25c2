/**
 * A human when it matters, and watching before it breaks: three failed issuances for one
 * client open exactly one escalation, delivered to a real webhook receiver (Slack-shaped
 * body) and to admins through a real SMTP server; a request handed to a human with words
 * of frustration joins it; "do it for them" runs the suggested operation once the cause is
 * fixed, as the tenant's job, audited, and the client is told in French (email and page).
 * Then the drift watch, run directly with an injected clock, finds a stale AAAA added
 * after issuance and tells the client before the renewal date, then escalates it.
 * (Failures nothing followed and jobs left needing attention: escalations-struggling.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInWords } from '../src/util/dates.js';
import { DriftWatch } from '../src/watch/drift.js';
import type { LabInfo } from './lab/client.js';
import { dnsAdmin } from './helpers/acme-lab.js';
import type { TestDaemon } from './helpers/daemon.js';
import { escalationLab, to, type EscalationLab } from './helpers/escalation-lab.js';
import { labNginxTest } from './helpers/vhost-lab.js';
import { serein } from './helpers/process.js';
import { until } from './helpers/until.js';

let world: EscalationLab;
let lab: LabInfo;
let d: TestDaemon;
let mails: EscalationLab['mails'];
let hooks: EscalationLab['hooks'];
let site: string;
let tenantId: string;
let clientEmail: string;
let opsEmail: string;
let client: { token: string };
/** How long a delivery may take: the watch runs after the job's end is reported, then sends. */
const WAIT = 20_000;
const escalationHooks = () => hooks.filter((h) => h.kind === 'escalation');

beforeAll(async () => {
  world = await escalationLab('serein-esc-');
  ({ lab, d, mails, hooks, site, tenantId, clientEmail, opsEmail, client } = world);
});

afterAll(async () => {
  await world?.stop();
});

describe('escalations', () => {
  let escalationId: string;

  it('three failed issuances open exactly one escalation, to a webhook and to admins by email', async () => {
    expect((await d.runJob('vhost.create', { webserver: 'lab', domain: site }, { token: client.token })).status).toBe(
      'succeeded',
    );
    await dnsAdmin(lab, 'add-aaaa', { host: `${site}.`, addresses: ['2001:db8::dead'] });
    // A check first: it finds the problem, and is not an attempt.
    expect(
      (await d.runJob('certificate.issue', { domains: [site] }, { token: client.token, dryRun: true })).status,
    ).toBe('failed');
    for (let i = 0; i < 2; i++)
      expect((await d.runJob('certificate.issue', { domains: [site] }, { token: client.token })).error.code).toBe(
        'preflight_failed',
      );
    expect((await d.api('GET', '/v1/escalations')).body.escalations).toEqual([]);
    const third = await d.runJob('certificate.issue', { domains: [site] }, { token: client.token });
    expect(third.status).toBe('failed');
    const [e] = await until<any[]>(
      async () => {
        const l = (await d.api('GET', '/v1/escalations')).body.escalations;
        return l.length > 0 && l;
      },
      WAIT,
      'the escalation',
    );
    escalationId = e.id;
    // The right rescue: no DNS host serein can change serves the zone, so no "do it for them" of the failing
    // issuance (it would fail again) and no dns.fix (it would fail at once): the change to send the client.
    expect(e).toMatchObject({
      tenantId,
      state: 'open',
      takenBy: null,
      problem: `site:${site}`,
      suggestion: null,
      stage: 'told',
      struggle: { priority: 'normal' },
    });
    expect(e.fixToSend.changes[0].fr).toContain('2001:db8::dead');
    expect(e.signals).toHaveLength(3);
    for (const s of e.signals)
      expect(s).toMatchObject({
        kind: 'failures',
        playbook: 'certificate.issue',
        diagnosis: { code: 'preflight_failed' },
      });
    expect(e.signals.map((s: any) => s.jobId)).toContain(third.id);
    // A fourth failure is added to it, not a second escalation.
    await d.runJob('certificate.issue', { domains: [site] }, { token: client.token });
    await until(
      async () => (await d.api('GET', `/v1/escalations`)).body.escalations[0].signals.length === 4,
      WAIT,
      'the fourth signal',
    );
    expect((await d.api('GET', '/v1/escalations')).body.escalations).toHaveLength(1);
    // Delivered once: a Slack-compatible webhook body and one email to the admins.
    const [h] = await until(async () => escalationHooks().length > 0 && escalationHooks(), WAIT, 'the webhook');
    expect(h.tenantId).toBe(tenantId);
    expect(h.text).toContain(`${tenantId} (La Boutique) is stuck`);
    expect(h.text).toContain(`send the client the change to make (POST /v1/escalations/${e.id}/send-fix)`);
    expect(h.blocks.map((b: any) => b.type)).toEqual(['header', 'section', 'context']);
    const ops = await until(
      async () => mails.some((m) => to(m).includes(opsEmail)) && mails.filter((m) => to(m).includes(opsEmail)),
      WAIT,
      'the admin email',
    );
    expect(ops).toHaveLength(1);
    expect(ops[0].subject).toContain('La Boutique needs a hand');
    expect(ops[0].text).toContain('certificate.issue failed 3 times');
    await d.delivered();
    expect(escalationHooks()).toHaveLength(1);
  });

  it('a request handed to a human with words of frustration joins the same escalation, with the words', async () => {
    await d.daemon.engine.services.alert({
      kind: 'request-handoff',
      tenantId,
      subject: `request:${tenantId}`,
      message: 'A request serein could not understand',
      detail: { text: 'ça ne marche toujours pas, urgent', language: 'fr', frustrated: true },
    });
    const list = (await d.api('GET', '/v1/escalations')).body.escalations;
    expect(list).toHaveLength(1);
    expect(list[0].signals.at(-1)).toMatchObject({
      kind: 'frustrated',
      words: { text: 'ça ne marche toujours pas, urgent', language: 'fr' },
    });
    await d.delivered();
    expect(escalationHooks()).toHaveLength(1);
    // A request handed over without frustration is its own problem; what serein understood of it is the suggestion.
    await d.daemon.engine.services.alert({
      kind: 'request-handoff',
      tenantId,
      subject: `request:${tenantId}`,
      message: 'asks in words',
      detail: {
        text: 'plus de mémoire svp',
        language: 'fr',
        frustrated: false,
        proposal: { playbook: 'vhost.create', inputs: { domain: site }, sentence: '' },
      },
    });
    const both = (await d.api('GET', '/v1/escalations')).body.escalations;
    expect(both).toHaveLength(2);
    const request = both.find((x: any) => x.problem === 'request');
    expect(request).toMatchObject({
      suggestion: { playbook: 'vhost.create', inputs: { domain: site } },
      signals: [{ kind: 'request-handoff', words: { text: 'plus de mémoire svp' } }],
    });
    expect((await d.api('POST', `/v1/escalations/${request.id}/resolve`)).body.escalation.state).toBe('resolved');
    expect((await d.api('POST', `/v1/escalations/${request.id}/take`)).status).toBe(404);
    // Words with a terminal escape sequence (clear the screen) reach the admin's terminal as plain text.
    await d.daemon.engine.services.alert({
      kind: 'request-handoff',
      tenantId,
      subject: `request:${tenantId}`,
      message: 'A request serein could not understand',
      detail: { text: 'toujours rien\u001b[2J\u001b]8;;https://evil.example\u0007', language: 'fr', frustrated: true },
    });
    // The same list from the terminal, with the line that does it for them.
    const cli = serein(['escalations', '--url', d.url, '--token', d.adminToken]);
    expect(await cli.exited, cli.output()).toBe(0);
    expect(cli.output()).toContain('"toujours rien ');
    expect(cli.output()).not.toMatch(/[\u001b\u0007]/);
    expect(cli.output()).toContain(`${tenantId}: certificate.issue failed`);
    expect(cli.output()).toContain('"ça ne marche toujours pas, urgent"');
    // Without a suggestion, the command runs nothing.
    const jobs = (await d.store.jobs.list({ limit: 500 })).length;
    const show = serein(['escalation', 'do', escalationId, '--url', d.url, '--token', d.adminToken]);
    expect(await show.exited, show.output()).toBe(2);
    expect((await d.store.jobs.list({ limit: 500 })).length).toBe(jobs);
    // Clients never see escalations (admin routes answer "not found" to them).
    expect((await d.api('GET', '/v1/escalations', { token: client.token })).status).toBe(404);
  });

  it('once the client fixed the cause, the failed issuance is what is left: run for them, it ends as fixed by the client', async () => {
    const taken = await d.api('POST', `/v1/escalations/${escalationId}/take`);
    expect(taken.body.escalation).toMatchObject({ state: 'taken', stage: 'handling' });
    expect(taken.body.escalation.takenBy).toBeTruthy();
    await dnsAdmin(lab, 'clear-aaaa', { host: `${site}.` });
    const before = mails.length;
    // The admin looks again: the cause is gone, so the failing operation is the rescue now.
    const looked = (await d.api('GET', `/v1/escalations/${escalationId}`)).body.escalation;
    expect(looked.suggestion).toMatchObject({
      playbook: 'certificate.issue',
      inputs: { domains: [site] },
      oneClick: true,
    });
    const { version } = looked.suggestion;
    const done = await d.api('POST', `/v1/escalations/${escalationId}/do`, { body: { suggestion: version } });
    expect(done.status, JSON.stringify(done.body)).toBe(202);
    // A second click while it runs does not run it twice.
    const again = await d.api('POST', `/v1/escalations/${escalationId}/do`, { body: { suggestion: version } });
    expect([409, 404]).toContain(again.status);
    const job = await d.waitJob(done.body.job.id);
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    // The tenant's job: the client sees it on their page.
    expect((await d.api('GET', `/v1/jobs/${job.id}`, { token: client.token })).status).toBe(200);
    const e = await until(
      async () => {
        const x = (await d.api('GET', '/v1/escalations?state=resolved')).body.escalations[0];
        return x?.done?.status === 'succeeded' && x;
      },
      WAIT,
      'the escalation resolved',
    );
    expect(e).toMatchObject({
      id: escalationId,
      state: 'resolved',
      done: { jobId: job.id },
      resolution: { by: 'client', what: 'issued' },
    });
    expect((await d.api('GET', '/v1/escalations')).body.escalations).toEqual([]);
    const audit = (await d.store.audit.list({ action: 'escalation.do' }))[0];
    expect(audit).toMatchObject({ tenantId, subject: escalationId, detail: { jobId: job.id, onBehalfOf: tenantId } });
    const told = await until(
      async () => mails.slice(before).find((m) => to(m).includes(clientEmail)),
      WAIT,
      "the client's email",
    );
    // Fixed by the client, never "done for them".
    expect(told.subject).toBe(`${site}\u00a0: c'est réglé`);
    expect(told.text).toContain(`C'est réglé\u00a0: votre site ${site} est sécurisé`);
    expect(told.text).not.toContain("notre équipe s'est chargée");
    const page = (await d.api('GET', '/v1/notices', { token: client.token, headers: { 'accept-language': 'fr' } })).body
      .notices;
    expect(page.filter((n: any) => n.subject.includes(site))).toEqual([
      expect.objectContaining({ kind: 'sorted', subject: `${site}\u00a0: c'est réglé` }),
    ]);
    await d.delivered();
    expect(
      hooks.filter((x) => x.kind === 'escalation-resolved' && x.subject === `escalation:${escalationId}`),
    ).toHaveLength(1);
  });

  it('the drift watch finds a stale AAAA added after issuance and tells the client before the renewal date', async () => {
    const cert = (await d.store.certificates.active('lab', site))!;
    const renewAt = new Date(cert.renewAfter!);
    let now = new Date();
    const watch = new DriftWatch(d.daemon.engine.services, () => now);
    const hooksBefore = escalationHooks().length;
    expect((await watch.pass()).drifted).toEqual([]);
    await dnsAdmin(lab, 'add-aaaa', { host: `${site}.`, addresses: ['2001:db8::beef'] });
    const before = mails.length;
    const first = await watch.pass();
    expect(first.drifted).toEqual([site]);
    expect(first.escalated).toEqual([]);
    expect(now.getTime()).toBeLessThan(renewAt.getTime());
    await d.delivered();
    const mail = mails.slice(before).find((m) => to(m).includes(clientEmail))!;
    expect(mail.subject).toBe(
      `Votre site ${site}\u00a0: un changement à faire avant le ${dateInWords(renewAt.toISOString(), 'fr')}`,
    );
    expect(mail.text).toMatch(/Ce que nous avons trouvé\u00a0: Votre domaine \S+ a une adresse IPv6, 2001:db8::beef/);
    expect(mail.text).toContain('Que faire\u00a0: ');
    const page = (await d.api('GET', '/v1/notices', { token: client.token, headers: { 'accept-language': 'fr' } })).body
      .notices;
    expect(page.filter((n: any) => n.kind === 'drift')).toHaveLength(1);
    // Not fixed three days later: an admin gets an escalation, once.
    now = new Date(now.getTime() + 73 * 3_600_000);
    expect((await watch.pass()).escalated).toEqual([site]);
    expect((await watch.pass()).escalated).toEqual([]);
    const open = (await d.api('GET', '/v1/escalations')).body.escalations;
    expect(open).toHaveLength(1);
    // The same site's problem, back after it ended: a new conversation that says so.
    expect(open[0]).toMatchObject({
      tenantId,
      problem: `site:${site}`,
      cameBack: expect.any(Object),
      signals: [expect.objectContaining({ kind: 'drift' }), expect.objectContaining({ kind: 'drift' })],
    });
    await d.delivered();
    expect(escalationHooks()).toHaveLength(hooksBefore + 1);
    // Fixed: the notice goes from the page, the client gets the all-clear once, admins the recovery.
    await dnsAdmin(lab, 'clear-aaaa', { host: `${site}.` });
    const beforeFix = mails.length;
    expect((await watch.pass()).fixed).toEqual([site]);
    expect(
      (await d.api('GET', '/v1/notices', { token: client.token })).body.notices.filter((n: any) => n.kind === 'drift'),
    ).toEqual([]);
    await d.delivered();
    const clear = mails.slice(beforeFix).filter((m) => to(m).includes(clientEmail));
    expect(clear.map((m) => m.subject)).toEqual([`${site}\u00a0: c'est réglé`]);
    expect(
      hooks.filter((x) => x.kind === 'escalation-resolved' && x.subject === `escalation:${open[0].id}`),
    ).toHaveLength(1);
    expect(labNginxTest(lab).ok).toBe(true);
  });
});
