/**
 * Every alarm ends with an all-clear (issue 21), against a real daemon, SMTP server and
 * webhook receiver (test/helpers/conversations.ts sets up each story): a renewal blocked
 * by a stale AAAA is one email, then « c'est réglé » when the client fixes it, with the
 * recovery posted to the webhook; three failed issuances with no DNS host get the change
 * sent to the client in one click, and the client's own fix closes it as theirs; a
 * request handed to a person is visible, answered in words, read on the page and by
 * email; the struggle score rises with time and repeated messages, and an untaken
 * escalation reminds admins once per channel. Emails and webhook posts are counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { struggleOf } from '../src/watch/priority.js';
import { remind } from '../src/watch/reminders.js';
import { useLab, type LabInfo } from './lab/client.js';
import {
  blockedRenewal,
  handedOver,
  staleAaaa,
  storyClient,
  storyWorld,
  type StoryWorld,
} from './helpers/conversations.js';
import { until } from './helpers/until.js';
import { labNginxTest } from './helpers/vhost-lab.js';

let lab: LabInfo;
let w: StoryWorld;

beforeAll(async () => {
  lab = await useLab('pebble');
  w = await storyWorld(lab);
});

afterAll(async () => {
  await w?.stop();
  if (lab) expect(labNginxTest(lab).ok).toBe(true);
});

const conversations = async (token: string, lang = 'fr') =>
  (await w.d.api('GET', '/v1/conversations', { token, headers: { 'accept-language': lang } })).body
    .conversations as any[];

describe('one conversation per problem, to the all-clear', () => {
  it("a renewal blocked by a stale AAAA: one email while it lasts, then « c'est réglé » once fixed, and the webhook says recovered", async () => {
    const c = await storyClient(w);
    const story = await blockedRenewal(w, c);
    try {
      expect(((await story.renew()) as any).failed).toHaveLength(1);
      expect(((await story.renew()) as any).failed).toHaveLength(1);
      // Two failures, one email: the conversation tells the client once a day at most.
      await w.d.delivered();
      expect(w.mailsTo(c.email).map((m) => m.subject)).toEqual([
        `Votre site ${c.site} a besoin d'un changement pour rester sécurisé`,
      ]);
      expect(w.hooksOf('certificate-renewal-failed').filter((h) => h.tenantId === c.tenantId)).toHaveLength(2);
      const [told] = await conversations(c.token);
      expect(told).toMatchObject({
        name: c.site,
        kind: 'renewal-blocked',
        stage: 'told',
        resolution: null,
        allClear: null,
      });
      expect(told.found.join(' ')).toContain('2001:db8::dead');
      await story.fix();
      expect(((await story.renew()) as any).renewed).toHaveLength(1);
      const [ended] = await until(
        async () => {
          const l = await conversations(c.token);
          return l[0]?.stage === 'resolved' && l;
        },
        20_000,
        'the all-clear',
      );
      expect(ended).toMatchObject({
        id: told.id,
        resolution: { by: 'client', what: 'renewed' },
        allClear: { subject: `${c.site}\u00a0: c'est réglé` },
      });
      const mails = await until(
        async () => w.mailsTo(c.email).length === 2 && w.mailsTo(c.email),
        20_000,
        'the all-clear email',
      );
      expect(mails[1].subject).toBe(`${c.site}\u00a0: c'est réglé`);
      expect(mails[1].text).toContain(`la connexion sécurisée de votre site ${c.site} est renouvelée`);
      expect(mails[1].text).toContain("Merci d'avoir fait la modification");
      expect(mails[1].text).not.toContain("notre équipe s'est chargée");
      await w.d.delivered();
      const recovered = w.hooksOf('escalation-resolved').filter((h) => h.tenantId === c.tenantId);
      expect(recovered).toHaveLength(1);
      expect(recovered[0].text).toContain('(fixed by the client)');
      // On the page, once, as it was emailed.
      const page = (await w.d.api('GET', '/v1/notices', { token: c.token, headers: { 'accept-language': 'fr' } })).body
        .notices;
      expect(page.filter((n: any) => n.kind === 'sorted')).toEqual([
        expect.objectContaining({ subject: `${c.site}\u00a0: c'est réglé` }),
      ]);
    } finally {
      await story.stop();
      await staleAaaa(w, c).clear();
      await w.d.runJob('vhost.delete', { domain: c.site, confirm: c.site }, { token: c.token });
    }
  });

  it('three failed issuances with no DNS host: the change is sent to the client in one click, and their own fix ends it as theirs', async () => {
    const c = await storyClient(w, { language: 'en', name: 'Shop' });
    expect((await w.d.runJob('vhost.create', { webserver: 'lab', domain: c.site }, { token: c.token })).status).toBe(
      'succeeded',
    );
    const dns = staleAaaa(w, c);
    await dns.add();
    try {
      for (let i = 0; i < 3; i++)
        expect((await w.d.runJob('certificate.issue', { domains: [c.site] }, { token: c.token })).status).toBe(
          'failed',
        );
      const e = await until(
        async () =>
          ((await w.d.api('GET', '/v1/escalations')).body.escalations as any[]).find((x) => x.tenantId === c.tenantId),
        20_000,
        'the escalation',
      );
      // Not the failing issuance again, not a dns.fix that would fail at once: the change for the client to make.
      expect(e).toMatchObject({
        problem: `site:${c.site}`,
        suggestion: null,
        fixToSend: { changes: [expect.objectContaining({ en: expect.stringContaining('2001:db8::dead') })] },
      });
      expect((await w.d.api('POST', `/v1/escalations/${e.id}/do`, { body: { suggestion: 'x' } })).status).toBe(409);
      const sent = await w.d.api('POST', `/v1/escalations/${e.id}/send-fix`);
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      expect(sent.body.escalation).toMatchObject({ state: 'taken', stage: 'handling' });
      await w.d.delivered();
      const [mail] = w.mailsTo(c.email);
      expect(w.mailsTo(c.email)).toHaveLength(1);
      expect(mail.subject).toBe(`Your site ${c.site}: the change to make`);
      expect(mail.text).toContain('To do: ');
      expect(mail.text).toContain('2001:db8::dead');
      const [seen] = await conversations(c.token, 'en');
      expect(seen).toMatchObject({
        stage: 'handling',
        steps: expect.arrayContaining([expect.objectContaining({ kind: 'fix-sent' })]),
      });
      // The change sent is read in the reader's language: the same conversation read in French says it in French.
      const sentStep = (x: any) => x.steps.find((s: any) => s.kind === 'fix-sent').text;
      expect(sentStep(seen)).toBe(e.fixToSend.changes.map((x: any) => x.en).join('\n'));
      expect(sentStep((await conversations(c.token, 'fr'))[0])).toBe(
        e.fixToSend.changes.map((x: any) => x.fr).join('\n'),
      );
      // The client makes the change and secures the site themself.
      await dns.clear();
      expect((await w.d.runJob('certificate.issue', { domains: [c.site] }, { token: c.token })).status).toBe(
        'succeeded',
      );
      const ended = await until(
        async () => {
          const x = (await conversations(c.token, 'en'))[0];
          return x.stage === 'resolved' && x;
        },
        20_000,
        'the end',
      );
      expect(ended).toMatchObject({
        resolution: { by: 'client', what: 'issued' },
        allClear: { subject: `${c.site}: it's sorted` },
      });
      const mails = await until(
        async () => w.mailsTo(c.email).length === 2 && w.mailsTo(c.email),
        20_000,
        'the all-clear',
      );
      expect(mails[1].text).toContain(`It's sorted: your site ${c.site} is secure`);
      await w.d.delivered();
      expect(w.hooksOf('escalation-resolved').filter((h) => h.subject === `escalation:${e.id}`)).toHaveLength(1);
      expect(w.hooksOf('escalation').filter((h) => h.subject === `escalation:${e.id}`)).toHaveLength(1);
    } finally {
      await dns.clear();
      await w.d.runJob('vhost.delete', { domain: c.site, confirm: c.site }, { token: c.token });
    }
  });

  it('a request handed to a person stays on the page, a person answers in words, and the client reads it there and by email', async () => {
    const c = await storyClient(w);
    expect((await handedOver(w, c)).status).toBe('handoff');
    const [waiting] = await conversations(c.token);
    expect(waiting).toMatchObject({
      kind: 'request',
      stage: 'told',
      words: 'je voudrais plus de mémoire pour mon site, svp',
      steps: [{ kind: 'noticed' }, { kind: 'handed-over' }],
    });
    const e = ((await w.d.api('GET', '/v1/escalations')).body.escalations as any[]).find(
      (x) => x.tenantId === c.tenantId,
    );
    expect((await w.d.api('POST', `/v1/escalations/${e.id}/take`)).status).toBe(200);
    const taken = (await conversations(c.token))[0];
    expect(taken.stage).toBe('handling');
    expect(taken.handledBy).toBeTruthy();
    await w.d.delivered();
    expect(w.mailsTo(c.email).map((m) => m.subject)).toEqual([expect.stringContaining("s'en occupe")]);
    const text = 'Bonjour, <b>nous avons doublé</b> votre espace : vous avez maintenant 20 Go.';
    const answered = await w.d.api('POST', `/v1/escalations/${e.id}/answer`, { body: { text } });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body.escalation.state).toBe('resolved');
    const [read] = await conversations(c.token);
    expect(read).toMatchObject({ stage: 'resolved', resolution: { by: 'team', what: 'answered' } });
    expect(read.steps.find((s: any) => s.kind === 'answered')).toMatchObject({ text, by: taken.handledBy });
    // One email per change of state: taken, then the answer (which ends it); the answer is escaped in HTML.
    await w.d.delivered();
    const mails = w.mailsTo(c.email);
    expect(mails).toHaveLength(2);
    expect(mails[1].text).toContain(text);
    expect(mails[1].html || '').not.toContain('<b>nous');
    expect(mails[1].html || '').toContain('&#60;b&#62;nous');
    expect(w.hooksOf('escalation-resolved').filter((h) => h.subject === `escalation:${e.id}`)).toHaveLength(1);
    // Another tenant reads none of it.
    const other = await storyClient(w);
    expect(await conversations(other.token)).toEqual([]);
    expect(
      (await w.d.api('GET', `/v1/conversations?tenantId=${c.tenantId}`, { token: other.token })).body.conversations,
    ).toEqual([]);
  });

  it('the struggle score raises the priority with time open and repeated messages; an untaken escalation reminds admins once per channel', async () => {
    const c = await storyClient(w);
    const esc = w.d.daemon.engine.services.escalations;
    const at = new Date();
    const e = await esc.signal(
      c.tenantId,
      'operation:database.create',
      [{ at: at.toISOString(), kind: 'failures', message: 'database.create failed', jobId: 'j1' }],
      { summary: 'database.create failed 3 times' },
    );
    expect(struggleOf(e, at).priority).toBe('normal');
    expect(struggleOf(e, new Date(at.getTime() + 48 * 3_600_000)).priority).toBe('urgent');
    const alert = (words: string) =>
      w.d.daemon.engine.services.alert({
        kind: 'request-handoff',
        tenantId: c.tenantId,
        subject: 'request',
        message: 'asks in words (frustrated)',
        detail: { text: words, language: 'fr', frustrated: true },
      });
    const listed = async () =>
      ((await w.d.api('GET', '/v1/escalations')).body.escalations as any[]).find((x) => x.id === e.id);
    const before = (await listed()).struggle;
    for (const words of ['ça ne marche pas', 'toujours rien !!', 'URGENT ça ne marche toujours pas'])
      await alert(words);
    const after = (await listed()).struggle;
    expect(after).toMatchObject({ priority: 'urgent', messages: 3, frustrated: 3, bursts: 2 });
    expect(after.score).toBeGreaterThan(before.score);
    // Summaries keep every signal: the first summary stays, each message is one line, "last updated" never goes back.
    const now = await listed();
    expect(now.summary).toBe('database.create failed 3 times');
    expect(now.signals.filter((s: any) => s.words)).toHaveLength(3);
    await esc.signal(
      c.tenantId,
      'operation:database.create',
      [{ at: new Date(at.getTime() - 3_600_000).toISOString(), kind: 'no-success', message: 'late', jobId: 'j1' }],
      { summary: 'database.create failed and was not done since' },
    );
    const again = await listed();
    expect(again.signals).toHaveLength(now.signals.length);
    expect(again.summary).toBe(now.summary);
    expect(again.updatedAt >= now.updatedAt).toBe(true);
    // Reminders: after an hour untaken, the webhook; after three more, the admins' email; each once.
    const config = w.d.daemon.engine.services.config;
    const mine = () => w.hooksOf('escalation-reminder').filter((h) => h.subject === `escalation:${e.id}`);
    const opsMails = () =>
      w
        .mailsTo('ops@hosting.test')
        .filter(
          (m) =>
            (m.subject ?? '').includes('reminder') &&
            (m.subject ?? '').includes('La Boutique') &&
            (m.text ?? '').includes(`${c.tenantId} (La Boutique)`),
        );
    await remind(esc, config, new Date(at.getTime() + 59 * 60_000));
    await w.d.delivered();
    expect(mine()).toHaveLength(0);
    await remind(esc, config, new Date(at.getTime() + 61 * 60_000));
    await remind(esc, config, new Date(at.getTime() + 62 * 60_000));
    await w.d.delivered();
    expect(mine()).toHaveLength(1);
    expect(mine()[0].text).toContain('priority urgent');
    expect(opsMails()).toHaveLength(0);
    await remind(esc, config, new Date(at.getTime() + 242 * 60_000));
    await until(async () => opsMails().length > 0, 20_000, 'the reminder email');
    await remind(esc, config, new Date(at.getTime() + 300 * 60_000));
    await w.d.delivered();
    expect(opsMails()).toHaveLength(1);
    expect(mine()).toHaveLength(1);
  });
});
