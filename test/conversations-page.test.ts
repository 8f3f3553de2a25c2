/**
 * Every alarm ends with an all-clear, walked in headless Chromium as a shop owner and an
 * admin live it, against the real daemon, SMTP server, webhook receiver and lab (the
 * stories of test/helpers/conversations.ts): drift → warning → fixed → « c'est réglé »;
 * blocked renewal → one email → fixed → all-clear; three failures → the right rescue →
 * the admin does it → all-clear; a request handed over → visible → answered → read. Each
 * story is seen on a phone (360×780) in one language and on a desktop (1280×800) in the
 * other, the admin in their own; emails and webhook posts are counted, one per change of
 * state. Screenshots at each step go to SEREIN_SCREENSHOTS (default: a temp folder).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriftWatch } from '../src/watch/drift.js';
import {
  blockedRenewal,
  staleAaaa,
  storyClient,
  storyWorld,
  type StoryClient,
  type StoryWorld,
} from './helpers/conversations.js';
import { until } from './helpers/until.js';
import { DESKTOP, PHONE, plain, storyPages, type StoryPages } from './helpers/story-pages.js';
import { labNginxTest } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

let lab: LabInfo;
let w: StoryWorld;
let pages: StoryPages;
let marie: string;

beforeAll(async () => {
  lab = await useLab('pebble');
  w = await storyWorld(lab);
  // The admin as clients read them: a person's name, never a token.
  marie = (await w.d.api('POST', '/v1/tokens', { body: { kind: 'admin', label: 'Marie' } })).body.token;
  pages = await storyPages(() => w.d.url, 'serein-conversation-shots-');
});

afterAll(async () => {
  await pages?.close();
  await w?.stop();
  if (lab) expect(labNginxTest(lab).ok).toBe(true);
});

const tab: StoryPages['tab'] = (...a) => pages.tab(...a);
const look: StoryPages['look'] = (...a) => pages.look(...a);

/** The client's emails' subjects, in order, and the webhook posts about this tenant by kind. */
const subjects = (c: StoryClient) => w.mailsTo(c.email).map((m) => plain(m.subject ?? ''));
const posts = (c: StoryClient) =>
  w.hooks
    .filter((x) => x.tenantId === c.tenantId)
    .map((x) => x.kind)
    .sort();

/** A site's card on a page. */
const card = (page: Page, site: string) =>
  page.locator('#sites article', { has: page.getByRole('heading', { name: site }) });

describe('conversations on the page, to the all-clear', () => {
  it('drift → a warning with the change to make → fixed by the client → « c’est réglé », and "nothing to do" only then', async () => {
    const c = await storyClient(w, { language: 'fr', name: 'Boulangerie Martin' });
    const site = await w.d.runJob('vhost.create', { webserver: 'lab', domain: c.site }, { token: c.token });
    expect(site.status).toBe('succeeded');
    expect((await w.d.runJob('certificate.issue', { domains: [c.site] }, { token: c.token })).status).toBe('succeeded');
    const phone = await tab(c.token, 'fr', PHONE);
    const desk = await tab(c.token, 'en', DESKTOP);
    const dns = staleAaaa(w, c);
    try {
      expect(await look(phone, 'drift-1-fr-phone-fine')).toContain('Tout va bien.');
      await dns.add();
      const watch = new DriftWatch(w.d.daemon.engine.services);
      expect((await watch.pass()).drifted).toContain(c.site);
      const warned = await look(phone, 'drift-2-fr-phone-warning');
      expect(warned).not.toContain('Tout va bien');
      expect(warned).toContain('Quelque chose demande votre attention.');
      const talk = card(phone, c.site).locator('.conversation');
      expect(plain(await talk.locator('.conv-title').textContent())).toMatch(
        /^Un changement à faire avant le \d+ \S+ \d{4}$/,
      );
      // What to do first, then why, then that there is time; the card no longer says it renews by itself.
      expect(plain(await talk.locator('.fix-line').first().textContent())).toMatch(/^Que faire : .*2001:db8::dead/);
      expect(plain(await talk.locator('.conv-lead').textContent())).toContain('Vous avez le temps');
      expect(plain(await card(phone, c.site).locator('.state').textContent())).not.toContain('se renouvelle tout seul');
      expect(plain(await talk.locator('.timeline').textContent())).toMatch(
        /^Nous vous l’avons signalé à \d{1,2} h \d{2}$/,
      );
      const en = await look(desk, 'drift-2-en-desktop-warning');
      expect(en).toMatch(/A change to make before \d+ \w+ \d{4}/);
      expect(plain(await card(desk, c.site).locator('.timeline').textContent())).toMatch(
        /^We told you at \d{1,2}:\d{2} [ap]m$/,
      );
      expect(subjects(c)).toEqual([expect.stringMatching(/^Votre site \S+ : un changement à faire avant le /)]);

      await dns.clear();
      expect((await watch.pass()).fixed).toContain(c.site);
      const sorted = await look(phone, 'drift-3-fr-phone-sorted');
      expect(sorted).toContain('Tout va bien.');
      const done = card(phone, c.site).locator('.conversation.conv-sorted');
      expect(plain(await done.locator('.conv-lead').textContent())).toMatch(
        /^C'est réglé : les réglages de votre domaine sont corrects maintenant.*Merci d'avoir fait la modification !$/,
      );
      expect(plain(await done.locator('.timeline').textContent())).toMatch(
        /^Nous vous l’avons signalé à .* — réglé à \d{1,2} h \d{2}$/,
      );
      expect(await look(desk, 'drift-3-en-desktop-sorted')).toContain(
        "It's sorted: your domain's settings are right now",
      );
      await until(async () => subjects(c).length === 2, 20_000, 'the all-clear email');
      expect(subjects(c)[1]).toBe(`${c.site} : c'est réglé`);
      // Only the client heard of it: no admin alert, so no recovery either.
      expect(posts(c)).toEqual([]);
    } finally {
      await dns.clear();
      await phone.context().close();
      await desk.context().close();
      await w.d.runJob('vhost.delete', { domain: c.site, confirm: c.site }, { token: c.token });
    }
  });

  it('a blocked renewal → one email and one notice (never "there is time" after it failed) → fixed → the all-clear', async () => {
    const c = await storyClient(w, { language: 'en', name: 'Corner Shop' });
    const story = await blockedRenewal(w, c);
    const phone = await tab(c.token, 'en', PHONE);
    const desk = await tab(c.token, 'fr', DESKTOP);
    try {
      expect(((await story.renew()) as any).failed).toHaveLength(1);
      expect(((await story.renew()) as any).failed).toHaveLength(1);
      // The daily drift check sees the same cause: it joins the conversation, it does not start a second one.
      await new DriftWatch(w.d.daemon.engine.services).pass();
      const notices = (await w.d.api('GET', '/v1/notices', { token: c.token, headers: { 'accept-language': 'fr' } }))
        .body.notices;
      expect(notices.map((n: any) => n.kind)).toEqual(['blocked']);
      const en = await look(phone, 'blocked-1-en-phone-told');
      expect(en).toContain('Something needs your attention.');
      expect(en).not.toMatch(/There is time|renews by itself on/);
      const talk = card(phone, c.site).locator('.conversation');
      expect(plain(await talk.locator('.conv-lead').textContent())).toMatch(
        /^Your site stays secure until \d+ \w+ \d{4}, but it cannot renew by itself until this change is made/,
      );
      // The change to make is said once on the card, before the conversation's timeline; no DNS host serein can change serves
      // the domain, so no "Fix it for me" that would fail at once, and no "we try again by ourselves" either.
      expect(await card(phone, c.site).locator('.fix-line').count()).toBe(1);
      expect(await card(phone, c.site).getByRole('button', { name: 'Fix it for me' }).count()).toBe(0);
      expect(plain(await card(phone, c.site).locator('.state').textContent())).toBe(
        'Its secure connection could not be renewed: a change is needed first.',
      );
      const fr = await look(desk, 'blocked-1-fr-desktop-told');
      expect(fr).not.toContain('Vous avez le temps');
      expect(fr).toContain('Quelque chose demande votre attention.');
      expect(subjects(c)).toEqual([`Your site ${c.site} needs a change to stay secure`]);

      await story.fix();
      expect(((await story.renew()) as any).renewed).toHaveLength(1);
      await until(async () => subjects(c).length === 2, 20_000, 'the all-clear email');
      const sorted = await look(phone, 'blocked-2-en-phone-sorted');
      expect(sorted).toContain('Everything is fine.');
      const done = card(phone, c.site).locator('.conversation.conv-sorted');
      expect(plain(await done.locator('.conv-lead').textContent())).toMatch(
        /^It's sorted: the secure connection of your site \S+ is renewed(: it is secure until .*)?\. Thank you for making the change!$/,
      );
      expect(plain(await done.locator('.timeline').textContent())).toMatch(
        /^We told you at .* — sorted at \d{1,2}:\d{2} [ap]m$/,
      );
      expect(await look(desk, 'blocked-2-fr-desktop-sorted')).toContain(
        "C'est réglé : la connexion sécurisée de votre site",
      );
      expect(subjects(c)[1]).toBe(`${c.site}: it's sorted`);
      // Admins heard of each failed renewal; they hear of the recovery once.
      expect(posts(c)).toEqual(['certificate-renewal-failed', 'certificate-renewal-failed', 'escalation-resolved']);
    } finally {
      await story.stop();
      await staleAaaa(w, c).clear();
      await phone.context().close();
      await desk.context().close();
      await w.d.runJob('vhost.delete', { domain: c.site, confirm: c.site }, { token: c.token });
    }
  });

  it('three failures → the change sent to the client in one click → their fix → the admin does what is left → the all-clear', async () => {
    const c = await storyClient(w, { language: 'en', name: 'Corner Café' });
    expect((await w.d.runJob('vhost.create', { webserver: 'lab', domain: c.site }, { token: c.token })).status).toBe(
      'succeeded',
    );
    const dns = staleAaaa(w, c);
    await dns.add();
    const admin = await tab(marie, 'fr', DESKTOP);
    const phone = await tab(c.token, 'en', PHONE);
    const desk = await tab(c.token, 'fr', DESKTOP);
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
      await look(admin, 'failures-1-fr-desktop-admin');
      const esc = admin.locator(`.escalation[data-id="${e.id}"]`);
      // No DNS host serein can change serves the zone: the rescue is the change to send, not "do it for them".
      expect(plain(await esc.locator('.standing').textContent())).toMatch(
        /^Le client a été prévenu ; personne ne l’a encore prise\. Ouverte depuis le .*Priorité : /,
      );
      expect(plain(await esc.locator('.changes').textContent())).toMatch(
        /^À faire pour eux : leur envoyer la modification à faire.*2001:db8::dead/,
      );
      expect(await esc.getByRole('button', { name: 'Le faire pour eux' }).count()).toBe(0);
      const before = await look(phone, 'failures-1-en-phone-team-told');
      expect(before).toContain('Our team has been told as well.');
      expect(plain(await card(phone, c.site).locator('.timeline').textContent())).toMatch(
        /^Sent to the team at \d{1,2}:\d{2} [ap]m$/,
      );

      await esc.getByRole('button', { name: 'Envoyer la modification au client' }).click();
      await esc.getByText('Prise par Marie').waitFor();
      await admin.screenshot({ path: join(pages.shots, 'failures-2-fr-desktop-admin-sent.png'), fullPage: true });
      await until(async () => subjects(c).length === 1, 20_000, 'the change, emailed');
      expect(subjects(c)).toEqual([`Your site ${c.site}: the change to make`]);
      await look(phone, 'failures-2-en-phone-change-sent');
      expect(plain(await card(phone, c.site).locator('.conv-who').textContent())).toMatch(
        /^Marie, from our team, sent you this change by email too/,
      );
      expect(plain(await card(phone, c.site).locator('.timeline').textContent())).toMatch(
        /Marie sent you the change to make at /,
      );
      expect(await look(desk, 'failures-2-fr-desktop-change-sent')).toMatch(
        /Marie vous a envoyé la modification à faire à /,
      );

      // The client makes the change; the admin looks again: the cause is gone, what is left is the issuance, one click.
      await dns.clear();
      await look(admin, 'failures-3-fr-desktop-admin-cause-gone');
      await esc.getByRole('button', { name: 'Le faire pour eux' }).click();
      await until(
        async () =>
          (await w.d.api('GET', `/v1/escalations?state=resolved&tenantId=${c.tenantId}`)).body.escalations[0]?.done
            ?.status === 'succeeded',
        20_000,
        'done for them',
      );
      expect(await look(admin, 'failures-4-fr-desktop-admin-done')).not.toContain('Corner Café');
      await until(async () => subjects(c).length === 2, 20_000, 'the all-clear email');
      const sorted = await look(phone, 'failures-4-en-phone-sorted');
      expect(sorted).toContain('Everything is fine.');
      const done = card(phone, c.site).locator('.conversation.conv-sorted');
      // The client fixed the cause: it is theirs, thanked, never "done for them".
      expect(plain(await done.locator('.conv-lead').textContent())).toMatch(
        /^It's sorted: your site \S+ is secure.*Thank you for making the change!$/,
      );
      expect(plain(await done.locator('.timeline').textContent())).toMatch(
        /^Sent to the team at .* — taken by Marie at .* — Marie sent you the change to make at .* — sorted at /,
      );
      expect(await look(desk, 'failures-4-fr-desktop-sorted')).toContain("C'est réglé : votre site");
      expect(subjects(c)[1]).toBe(`${c.site}: it's sorted`);
      expect(posts(c)).toEqual(['escalation', 'escalation-resolved']);
    } finally {
      await dns.clear();
      for (const p of [admin, phone, desk]) await p.context().close();
      await w.d.runJob('vhost.delete', { domain: c.site, confirm: c.site }, { token: c.token });
    }
  });

  it('a request handed over stays on the page → taken by Marie → answered in words → read as written, then « c’est réglé »', async () => {
    const c = await storyClient(w, { language: 'fr', name: 'Fleurs de Lise' });
    const phone = await tab(c.token, 'fr', PHONE);
    const desk = await tab(c.token, 'en', DESKTOP);
    const admin = await tab(marie, 'en', PHONE);
    try {
      // Asked on the phone, in the client's words.
      await phone.locator('#ask-text').fill('je voudrais plus de mémoire pour mon site, svp');
      await phone.locator('#ask-form button[type=submit]').click();
      await phone.locator('#ask-result .help').waitFor();
      const ask = phone.locator('#notices .conversation');
      await ask.waitFor();
      const waiting = await look(phone, 'request-1-fr-phone-handed-over');
      expect(waiting).not.toContain('Tout va bien');
      expect(waiting).toContain('Notre équipe s’en occupe.');
      expect(plain(await ask.locator('.notice-title').textContent())).toBe('Votre demande');
      expect(plain(await ask.locator('q').textContent())).toBe('je voudrais plus de mémoire pour mon site, svp');
      expect(plain(await ask.locator('.timeline').textContent())).toMatch(/^Transmis à l’équipe à \d{1,2} h \d{2}$/);
      expect(await look(desk, 'request-1-en-desktop-handed-over')).toContain('Our team is on it.');

      const e = ((await w.d.api('GET', '/v1/escalations')).body.escalations as any[]).find(
        (x) => x.tenantId === c.tenantId,
      );
      await look(admin, 'request-2-en-phone-admin');
      const esc = admin.locator(`.escalation[data-id="${e.id}"]`);
      expect(plain(await esc.locator('.escalation-title').textContent())).toBe(
        'Fleurs de Lise — Asked in their own words, for a person',
      );
      // On a phone, the admin's first button is in the first screen.
      const take = esc.getByRole('button', { name: 'Take it' });
      expect((await take.boundingBox())!.y).toBeLessThan(PHONE.height);
      await take.click();
      await esc.getByText('Taken by Marie').waitFor();
      await until(async () => subjects(c).length === 1, 20_000, 'the "on it" email');
      await look(phone, 'request-3-fr-phone-taken');
      expect(plain(await ask.locator('.conv-who').textContent())).toBe('Marie, de notre équipe, s’en occupe.');
      expect(plain(await ask.locator('.timeline').textContent())).toMatch(
        /^Transmis à l’équipe à \d{1,2} h \d{2} — pris en charge par Marie à \d{1,2} h \d{2}$/,
      );

      const answer = 'Bonjour, <b>nous avons doublé</b> votre espace :\nvous avez maintenant 20 Go.';
      await esc.locator('textarea').fill(answer);
      await esc.getByRole('button', { name: 'Send the answer' }).click();
      await admin.locator(`.escalation[data-id="${e.id}"]`).waitFor({ state: 'detached' });
      await admin.screenshot({ path: join(pages.shots, 'request-4-en-phone-admin-answered.png'), fullPage: true });
      await until(async () => subjects(c).length === 2, 20_000, 'the answer by email');
      const read = await look(phone, 'request-4-fr-phone-answered');
      // Nothing open any more (this client has no site yet: the welcome, not "our team is on it").
      expect(read).not.toContain('Notre équipe s’en occupe.');
      // The answer as written: text, never markup.
      expect(await ask.locator('blockquote.answer').textContent()).toBe(answer);
      expect(await ask.locator('blockquote.answer b').count()).toBe(0);
      expect(plain(await ask.locator('.answer-by').textContent())).toBe('Marie vous répond :');
      expect(plain(await ask.locator('.notice-title').textContent())).toBe('Votre demande : c’est réglé');
      expect(plain(await ask.locator('.conv-lead').textContent())).toBe(
        "C'est réglé : notre équipe vous a répondu au sujet de votre demande.",
      );
      expect(plain(await ask.locator('.timeline').textContent())).toMatch(
        /^Transmis à l’équipe à .* — pris en charge par Marie à .* — Marie a répondu à .* — réglé à \d{1,2} h \d{2}$/,
      );
      const en = await look(desk, 'request-4-en-desktop-answered');
      expect(en).toContain('Marie answers you:');
      expect(en).toMatch(/Sent to the team at .* — taken by Marie at .* — Marie answered at .* — sorted at /);
      expect(subjects(c)).toEqual([
        expect.stringContaining("Marie s'en occupe"),
        expect.stringContaining('notre réponse'),
      ]);
      expect(posts(c)).toEqual(['escalation', 'escalation-resolved', 'request-handoff']);
    } finally {
      for (const p of [admin, phone, desk]) await p.context().close();
    }
    expect(pages.problems.splice(0)).toEqual([]);
  });
});
