/**
 * The rescue that removes the cause, walked in headless Chromium: a client's zone is served
 * by the lab's BIND, which serein changes through RFC 2136. A stale AAAA there makes three
 * issuances fail; the escalation offers dns.fix, then the issuance, as one click; the admin
 * clicks it on the page; the client reads « c'est réglé » with what the team did. The
 * client's card offers "Fix it for me" here (a DNS host serein is connected to serves the
 * domain). Emails and webhook posts are counted. Screenshots go to SEREIN_SCREENSHOTS.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCertConfig } from './helpers/acme-lab.js';
import { storyWorld, type StoryWorld } from './helpers/conversations.js';
import { until } from './helpers/until.js';
import { DESKTOP, PHONE, plain, storyPages, type StoryPages } from './helpers/story-pages.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

let lab: LabInfo;
let w: StoryWorld;
let pages: StoryPages;

beforeAll(async () => {
  lab = await useLab('pebble', 'pebbleBind9');
  const b = lab.bind9!;
  const server = `${b.host}:${b.port}`;
  // BIND answers every DNS question, its own Pebble is the CA, and serein may change the zone.
  const cfg = labCertConfig(lab, tempDir('serein-dnsfix-cfg-'), {
    dnsServer: server,
    pebble: lab.pebbleBind9!,
    dns: { providers: [{ type: 'rfc2136', zones: [b.zone], server, keyName: b.key.name, keySecret: b.key.secret }] },
  });
  w = await storyWorld(lab, { acme: cfg.acme, dns: cfg.dns });
  pages = await storyPages(() => w.d.url, 'serein-dnsfix-shots-');
}, 60_000);

afterAll(async () => {
  await pages?.close();
  await w?.stop();
  if (lab) expect(labNginxTest(lab).ok).toBe(true);
});

/** Records set in BIND with its own tool, as the client's DNS host would have them. */
function nsupdate(lines: string[]): void {
  const b = lab.bind9!;
  execFileSync('nsupdate', ['-y', `${b.key.algorithm}:${b.key.name}:${b.key.secret}`], {
    input: [`server ${b.host} ${b.port}`, `zone ${b.zone}`, ...lines, 'send', ''].join('\n'),
    timeout: 10_000,
  });
}

const tab: StoryPages['tab'] = (...a) => pages.tab(...a);
const look: StoryPages['look'] = (...a) => pages.look(...a);

describe('dns.fix as the rescue, on the page', () => {
  it('three failures on a zone serein can change → "do it for them" repairs the address and secures the site → « c’est réglé »', async () => {
    const tenantId = `z${randomBytes(3).toString('hex')}`;
    const domain = `${tenantId}.${lab.bind9!.zone}`;
    const site = `boutique.${domain}`;
    const email = `contact@${tenantId}.test`;
    expect(
      (await w.d.api('POST', '/v1/tenants', { body: { id: tenantId, name: 'Épicerie Fine', language: 'fr', email } }))
        .status,
    ).toBe(201);
    for (const [kind, name] of [
      ['domain', domain],
      ['server', 'lab'],
    ])
      await w.d.api('POST', `/v1/tenants/${tenantId}/resources`, { body: { kind, name } });
    const token = (await w.d.api('POST', '/v1/tokens', { body: { kind: 'client', tenantId } })).body.token;
    const marie = (await w.d.api('POST', '/v1/tokens', { body: { kind: 'admin', label: 'Marie' } })).body.token;
    nsupdate([`update add ${site}. 60 A 127.0.0.1`, `update add ${site}. 60 AAAA 2001:db8::dead`]);
    const phone = await tab(token, 'fr', PHONE);
    const desk = await tab(token, 'en', DESKTOP);
    const admin = await tab(marie, 'en', DESKTOP);
    try {
      expect((await w.d.runJob('vhost.create', { webserver: 'lab', domain: site }, { token })).status).toBe(
        'succeeded',
      );
      for (let i = 0; i < 3; i++)
        expect((await w.d.runJob('certificate.issue', { domains: [site] }, { token })).status).toBe('failed');
      const e = await until(
        async () =>
          ((await w.d.api('GET', '/v1/escalations')).body.escalations as any[]).find((x) => x.tenantId === tenantId),
        30_000,
        'the escalation',
      );
      // The rescue removes the cause first (the address, in the zone serein can change), then runs what failed.
      expect(e.suggestion).toMatchObject({
        playbook: 'dns.fix',
        inputs: { domain: site, confirm: true },
        then: { playbook: 'certificate.issue' },
        oneClick: true,
      });

      const client = await look(phone, 'dnsfix-1-fr-phone-blocked');
      expect(client).toContain('Quelque chose demande votre attention.');
      const card = phone.locator('#sites article', { has: phone.getByRole('heading', { name: site }) });
      // Here the repair can work: it is offered first, on the card.
      expect(await card.getByRole('button', { name: 'Le corriger pour moi' }).count()).toBe(1);
      expect(plain(await card.locator('.timeline').textContent())).toMatch(/^Transmis à l’équipe à \d{1,2} h \d{2}$/);

      await look(admin, 'dnsfix-2-en-desktop-admin');
      const esc = admin.locator(`.escalation[data-id="${e.id}"]`);
      expect(plain(await esc.locator('.escalation-title').textContent())).toBe(
        `Épicerie Fine — Site secured: could not be done (${site})`,
      );
      expect(plain(await esc.textContent())).toContain(`To do for them: Repair the domain's address — ${site}`);
      expect(await esc.getByRole('button', { name: 'Send the change to the client' }).count()).toBe(0);
      await esc.getByRole('button', { name: 'Do it for them' }).click();
      const done = await until(
        async () => (await w.d.api('GET', `/v1/escalations?state=resolved&tenantId=${tenantId}`)).body.escalations[0],
        60_000,
        'done for them',
      );
      expect(done).toMatchObject({ done: { status: 'succeeded' }, resolution: { by: 'team', what: 'done' } });
      expect(
        execFileSync('dig', ['+short', '-p', String(lab.bind9!.port), `@${lab.bind9!.host}`, site, 'AAAA'])
          .toString()
          .trim(),
      ).toBe('::1');
      expect(await look(admin, 'dnsfix-3-en-desktop-admin-done')).not.toContain('Épicerie Fine');

      await until(async () => w.mailsTo(email).length > 0, 20_000, 'the all-clear email');
      const sorted = await look(phone, 'dnsfix-4-fr-phone-sorted');
      expect(sorted).toContain('Tout va bien.');
      const talk = card.locator('.conversation.conv-sorted');
      // Done by the team this time: said so, with no "thank you for the change".
      expect(plain(await talk.locator('.conv-lead').textContent())).toMatch(
        /^C'est réglé : notre équipe s'est chargée de la sécurisation .* pour vous\.$/,
      );
      expect(plain(await talk.locator('.timeline').textContent())).toMatch(
        /^Transmis à l’équipe à \d{1,2} h \d{2} — pris en charge par Marie à \d{1,2} h \d{2} — Marie a lancé la correction à \d{1,2} h \d{2} — réglé à \d{1,2} h \d{2}$/,
      );
      expect(await look(desk, 'dnsfix-4-en-desktop-sorted')).toContain("It's sorted: our team took care of");
      // One email (the all-clear); admins: the escalation, then the recovery.
      expect(w.mailsTo(email).map((m) => plain(m.subject ?? ''))).toEqual([`${site} : c'est réglé`]);
      expect(
        w.hooks
          .filter((x) => x.tenantId === tenantId)
          .map((x) => x.kind)
          .sort(),
      ).toEqual(['escalation', 'escalation-resolved']);
    } finally {
      for (const p of [admin, phone, desk]) await p.context().close();
      await w.d.runJob('vhost.delete', { domain: site, confirm: site }, { token });
      nsupdate([`update delete ${site}.`]);
    }
    expect(pages.problems).toEqual([]);
  }, 120_000);
});
