/**
 * What a shop owner and an admin read on the page, in headless Chromium against a real
 * daemon and the lab: a blocked site on a phone opens with what to do and its button in
 * the first screen, the why after, codes and the proof path folded in "Détails techniques";
 * the admin's view of three failures is in French, names the client, says the diagnosis
 * once with "3 fois" and the rescue in words. Screenshots go to SEREIN_SCREENSHOTS.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsAdmin, labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';
import { labNginxTest } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const PHONE = { width: 360, height: 780 };
const hex = () => randomBytes(3).toString('hex');
const zone = `${hex()}p.test`;
const tenantId = `p${hex()}`;
const shots = process.env.SEREIN_SCREENSHOTS ?? tempDir('serein-words-shots-');
const problems: string[] = [];

let lab: LabInfo;
let d: TestDaemon;
let browser: Browser;
let token: string;

beforeAll(async () => {
  lab = await useLab('pebble');
  d = await startTestDaemon({ config: labCertConfig(lab, tempDir('serein-words-page-')) });
  await d.api('POST', '/v1/tenants', { body: { id: tenantId, name: 'Boulangerie Martin', language: 'fr' } });
  for (const [kind, name] of [
    ['domain', zone],
    ['server', 'lab'],
  ])
    await d.api('POST', `/v1/tenants/${tenantId}/resources`, { body: { kind, name } });
  token = (await d.api('POST', '/v1/tokens', { body: { kind: 'client', tenantId } })).body.token;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await d?.stop();
});

/** The text of an element with French non-breaking spaces as plain ones, for patterns that read as the page does. */
const text = async (l: { textContent(): Promise<string | null> }) =>
  ((await l.textContent()) ?? '').replace(/\u00a0/g, ' ');

async function open(who: string, locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: PHONE });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      problems.push(`console: ${msg.text()}`);
  });
  await page.goto(`${d.url}/`);
  await page.locator('#token').fill(who);
  await page.locator('#token').press('Enter');
  await page.locator('#app-title').waitFor();
  return page;
}

describe('the words on the page', () => {
  it('a blocked site on a phone: what to do and its button first, why after, codes folded; the admin reads it in French, once, "3 fois"', async () => {
    const site = `boutique.${zone}`;
    expect((await d.runJob('vhost.create', { webserver: 'lab', domain: site })).status).toBe('succeeded');
    await dnsAdmin(lab, 'add-aaaa', { host: `${site}.`, addresses: ['2001:db8::dead'] });
    // Three tries by the client, the way a stuck client tries: the third opens an escalation.
    for (let i = 0; i < 3; i++)
      expect((await d.runJob('certificate.issue', { domains: [site] }, { token })).status).toBe('failed');
    await until(
      async () => (await d.api('GET', '/v1/escalations')).body.escalations.some((e: any) => e.tenantId === tenantId),
      30_000,
      'the escalation of three failures',
    );

    const client = await open(token, 'fr-FR');
    const card = client.locator('#sites article', { has: client.getByRole('heading', { name: site }) });
    const box = card.locator('.site-problem');
    await box.waitFor();
    await card.screenshot({ path: join(shots, 'fr-phone-blocked-card.png') });
    const fix = box.locator('.fix-line');
    // ("Ou vous-même" when the card also offers the repair: see the report on dns.fix without a provider.)
    expect(await text(fix)).toMatch(
      /^(Que faire|Ou vous-même) : Chez la société qui gère votre domaine \(souvent là où vous l'avez acheté\), supprimez l'adresse IPv6 2001:db8::dead de /,
    );
    // The button is right under what to do, within the first screen of the card; the why comes after it.
    const button = box.getByRole('button').first();
    const [cardTop, buttonBox, whyBox] = [
      await card.boundingBox(),
      await button.boundingBox(),
      await box.locator('.why').boundingBox(),
    ];
    expect(buttonBox!.y - cardTop!.y).toBeLessThan(PHONE.height / 2);
    expect(whyBox!.y).toBeGreaterThan(buttonBox!.y);
    expect(await text(box.locator('.why'))).toMatch(
      /^Pourquoi : Votre domaine \S+ a une adresse IPv6, 2001:db8::dead, qui est une adresse de documentation/,
    );
    const visible = await box.innerText();
    expect(visible).not.toMatch(/EHOSTUNREACH|ENETUNREACH|acme-challenge|Rien n'a encore été demandé|http:\/\//);
    // Folded: what a technician needs, for the client to forward.
    const tech = card.locator('details.tech');
    expect(await tech.getAttribute('open')).toBeNull();
    expect(await text(tech.locator('.for-technician'))).toMatch(/Rien n'a été demandé à l'autorité de certification/);
    await client.screenshot({ path: join(shots, 'fr-phone-blocked-page.png') });
    await tech.locator('summary').click();
    await card.screenshot({ path: join(shots, 'fr-phone-blocked-details.png') });
    await client.context().close();

    // The admin, in French: the client by name, the three failures as one line with "3 fois", the fix first, the rescue in words.
    const admin = await open(d.adminToken, 'fr-FR');
    const esc = admin.locator('.escalation').filter({ hasText: 'Boulangerie Martin' });
    await esc.waitFor();
    expect(await text(esc.locator('.escalation-title'))).toBe(
      `Boulangerie Martin — Site sécurisé : n’a pas pu être fait (${site})`,
    );
    expect(await esc.textContent()).not.toContain(tenantId);
    const lines = esc.locator('ul > li');
    expect(await lines.count()).toBe(1);
    expect(await text(lines.first())).toMatch(/\(3 fois\)/);
    // No DNS host serein can change serves the zone: the rescue is the change to send, said once there, not again under the failures.
    expect(await text(esc.locator('.changes'))).toMatch(
      /^À faire pour eux : leur envoyer la modification à faire.*Chez la société qui gère votre domaine/,
    );
    expect(await lines.first().locator('.fix-line').count()).toBe(0);
    expect(await esc.locator('details.tech[open]').count()).toBe(0);
    expect(await esc.innerText()).not.toMatch(/failed \d+ times|certificate\.issue \{/);
    await esc.screenshot({ path: join(shots, 'fr-phone-admin-escalation.png') });
    await admin.context().close();
    expect(labNginxTest(lab).ok).toBe(true);
    expect(problems.splice(0)).toEqual([]);
  });
});
