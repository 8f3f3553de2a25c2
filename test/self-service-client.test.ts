/**
 * A client walks through the page in Chromium against a real daemon, Pebble, the lab's
 * nginx and MariaDB, with the Cloudflare fake publishing to challtestsrv: sign in, each
 * site's state with dates, secure a site in one click, renew now, a stale IPv6 address
 * shown with its fix and repaired with "Fix it for me", a database with its password
 * shown once; an admin's certificate on the client's site is the client's. Desktop and
 * phone, English and French; no screen shows a server path, a regex, an ISO timestamp
 * or an untranslated key. Screenshots go to SEREIN_SCREENSHOTS (default: a temp folder).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { dropByPrefix } from './helpers/db-lab.js';
import { FakeCloudflare } from './helpers/fake-cloudflare.js';
import { tempDir } from './helpers/tmp.js';
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
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let lab: LabInfo;
let cf: FakeCloudflare;
let d: TestDaemon;
let browser: Browser;
const cfToken = `cf-${randomBytes(8).toString('hex')}`;
const hex = () => randomBytes(3).toString('hex');
const en = { id: `w${hex()}`, zone: `${hex()}w.test` };
const fr = { id: `v${hex()}`, zone: `${hex()}v.test` };
const tokens: Record<string, string> = {};
const problems: string[] = [];
const shots = process.env.SEREIN_SCREENSHOTS ?? tempDir('serein-client-shots-');

beforeAll(async () => {
  lab = await useLab('pebble', 'mariadb');
  cf = await new FakeCloudflare({ token: cfToken, challtestsrv: lab.dns!.managementUrl }).start();
  const dir = tempDir('serein-client-');
  const m = lab.mariadb!;
  d = await startTestDaemon({
    config: {
      ...labCertConfig(lab, dir, { cloudflare: { apiToken: cfToken, baseUrl: cf.baseUrl } }),
      databases: { maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password } },
      branding: {
        name: 'Hébergix',
        colors: { accent: '#6b2fa3', accentDark: '#4e2178' },
        support: { email: 'support@hebergix.test', phone: '+33 1 23 45 67 89' },
        lostToken: 'mailto:support@hebergix.test?subject=token',
      },
    },
  });
  for (const t of [en, fr]) {
    cf.addZone(t.zone);
    tokens[t.id] = (
      await d.tenant(t.id, { language: t === fr ? 'fr' : 'en', domains: [t.zone], servers: ['lab', 'maria'] })
    ).token;
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await d?.stop();
  await cf?.stop();
  if (lab) await dropByPrefix(lab, [`${en.id}_`, `${fr.id}_`]);
});

/** An admin creates a site for the tenant (sites are the provider's to set up). */
async function site(name: string): Promise<void> {
  const job = await d.runJob('vhost.create', { webserver: 'lab', domain: name, aliases: [] });
  expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
}

async function open(viewport: { width: number; height: number }, token: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', viewport });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      problems.push(`console: ${msg.text()}`);
  });
  // Nothing is ever loaded from elsewhere.
  page.on('request', (req) => {
    if (!req.url().startsWith(d.url) && !req.url().startsWith('data:')) problems.push(`external request: ${req.url()}`);
  });
  await page.goto(`${d.url}/`);
  await page.locator('#token').fill(token);
  await page.locator('#token').press('Enter');
  await page.locator('#sites article').first().waitFor();
  return page;
}

/** What a client reads must be plain: no server path, regex, ISO timestamp or catalog key. */
async function plain(page: Page, name: string): Promise<void> {
  const text = await page.evaluate<string>('document.body.innerText');
  expect(text, name).not.toMatch(/(^|[\s(])\/(etc|var|tmp|srv|home|usr|run|opt)\//);
  expect(text, name).not.toMatch(/\^\[|\[a-z|\\d|\{\d+,\d*\}|\$\)/);
  expect(text, name).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  expect(text, name).not.toMatch(/\b(key|status|step|check|kind|ev|what|tag|tech)_[\w.-]+/);
  expect(text, name).not.toMatch(
    /\b(site(Secure|Renews|NotSecure|Problem)|summary(Fine|Problem)|secureSite|renewNow|fixForMe)\b/,
  );
  // No server jargon in the words: operations in plain words, DNS records named only in the folded technical details.
  expect(text, name).not.toMatch(
    /utf8mb4|<\w+>_<\w+>|\b(AAAA|CAA|CNAME|TXT) record|enregistrement (AAAA|CAA|CNAME|TXT)/,
  );
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const card = (page: Page, name: string) => page.locator('#sites article', { has: page.getByRole('heading', { name }) });

describe('the client page, walked through', () => {
  it('in English on a desktop: secure in one click, renew now, a stale IPv6 fixed for them, a database', async () => {
    const shop = `shop.${en.zone}`;
    const blog = `blog.${en.zone}`;
    await site(shop);
    await site(blog);
    // The stale IPv6 address, at the DNS provider serein manages.
    await cf.addRecord(en.zone, { type: 'AAAA', name: blog, content: '2001:db8::dead' });
    const page = await open(DESKTOP, tokens[en.id]);
    expect(await page.locator('#brand-name').textContent()).toBe('Hébergix');
    expect(await page.locator('#summary').textContent()).toMatch(/not secure yet/);
    expect(await card(page, shop).textContent()).toMatch(/Not secure yet/);
    await plain(page, 'en-desktop-1-home');

    // Secure my site: nothing asked, and it becomes "secure until <date in words>".
    await card(page, shop).getByRole('button', { name: 'Secure my site' }).click();
    await expect
      .poll(() => card(page, shop).locator('.state').first().textContent(), { timeout: 60_000 })
      .toMatch(/^Secure until \d{1,2} [A-Z][a-z]+ \d{4}\. It renews by itself on \d{1,2} [A-Z][a-z]+ \d{4}\.$/);
    expect(await card(page, shop).locator('.recent').textContent()).toMatch(
      /Site secured on \d{1,2} [A-Z][a-z]+ \d{4}/,
    );
    expect(await card(page, shop).locator('a').first().getAttribute('href')).toBe(`https://${shop}/`);
    expect(await card(page, shop).locator('details.tech').getAttribute('open')).toBeNull();
    await plain(page, 'en-desktop-2-secured');

    // Renew now: a new certificate, under the site's lock, listed as the client's.
    const before = (await d.api('GET', '/v1/certificates', { token: tokens[en.id] })).body.certificates.find(
      (c: any) => c.name === shop,
    );
    await card(page, shop).getByRole('button', { name: 'Renew now' }).click();
    await expect
      .poll(() => card(page, shop).locator('.recent').textContent(), { timeout: 60_000 })
      .toMatch(/Secure connection renewed on/);
    const after = (await d.api('GET', '/v1/certificates', { token: tokens[en.id] })).body.certificates.find(
      (c: any) => c.name === shop,
    );
    expect(after.id).not.toBe(before.id);
    const renewal = (await d.api('GET', '/v1/jobs?playbook=certificate.renew', { token: tokens[en.id] })).body.jobs[0];
    expect(renewal.resource).toBe(`vhost:${shop}`);
    await plain(page, 'en-desktop-3-renewed');

    // The stale IPv6 address: the problem, what to do, and "Fix it for me".
    await card(page, blog).getByRole('button', { name: 'Secure my site' }).click();
    const problem = card(page, blog).locator('.site-problem');
    await problem.waitFor({ timeout: 60_000 });
    expect(await problem.textContent()).toMatch(/2001:db8::dead/);
    expect(await problem.textContent()).toMatch(/We can fix it for you\.Fix it for me.*Or do it yourself: /); // the offer and its button first, the change by hand next
    expect(await problem.textContent()).toMatch(/We can fix it for you/);
    expect(await page.locator('#summary').textContent()).toMatch(/needs your attention/);
    // The fix in words a client can act on or forward; the record itself in the technical details.
    expect(await problem.textContent()).toMatch(
      /At the company that manages your domain \(often where you bought it\), remove the IPv6 address 2001:db8::dead from /,
    );
    await plain(page, 'en-desktop-4-problem');
    await page.locator('#doctor-domains').fill(blog);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const finding = page.locator('#doctor-result .check-item.st-failure').first();
    await finding.waitFor({ timeout: 30_000 });
    expect(await finding.locator('.fix-line').textContent()).toMatch(/remove the IPv6 address 2001:db8::dead/);
    await plain(page, 'en-desktop-4-doctor');
    await finding.locator('details.tech summary').click();
    expect(await finding.locator('details.tech').textContent()).toMatch(/The exact change.*AAAA record/);
    await finding.screenshot({ path: join(shots, 'en-desktop-4-doctor-details.png') });
    await finding.locator('details.tech summary').click(); // folded again, as a client leaves it
    await card(page, blog).getByRole('button', { name: 'Fix it for me' }).click();
    await expect
      .poll(() => card(page, blog).locator('.state').first().textContent(), { timeout: 60_000 })
      .toMatch(/^Secure until /);
    expect(cf.recordsOf(blog, 'AAAA').map((r) => r.content)).toEqual(['::1']);
    expect(await page.locator('#summary').textContent()).toBe(
      'Everything is fine.Your sites are secure and renew by themselves. You have nothing to do.',
    );
    await plain(page, 'en-desktop-5-fixed');

    // A database: a name suggested, a refused name answered with a name to copy, the password once.
    const op = page.locator('#ops li', { hasText: 'Create a database' });
    expect(await op.locator('.description').textContent()).toMatch(
      /^Creates a database for your site or application .* shown to you only once/,
    );
    await op.getByRole('button', { name: 'Start' }).click();
    expect(await page.locator('#run-fields').textContent()).toMatch(
      /A short name for the database, e\.g\. shop \(your account's name is added in front\)/,
    );
    expect(await page.locator('#run-fields').textContent()).not.toMatch(/admins|administrat/i); // no admin-only input
    expect(await page.locator('#in-server option').allTextContents()).toEqual(['maria']);
    await page.locator('#in-name').fill('Ma Boutique!');
    await page.getByRole('button', { name: 'Do it' }).click();
    await expect.poll(() => page.locator('#outcome').textContent()).toMatch(/for example "ma_boutique"/);
    await plain(page, 'en-desktop-6-name-refused');
    await page.locator('#in-name').fill('ma_boutique');
    await page.getByRole('button', { name: 'Do it' }).click();
    const secret = page.locator('#outcome .secret');
    await secret.waitFor({ timeout: 30_000 });
    const password = (await secret.locator('code').textContent()) ?? '';
    expect(password.length).toBeGreaterThanOrEqual(16);
    await expect
      .poll(() => page.locator('#databases').textContent())
      .toMatch(new RegExp(`${en.id}_ma_boutique.*maria`));
    await plain(page, 'en-desktop-7-database');
    await page.reload();
    await page.locator('#sites article').first().waitFor();
    expect(await page.locator('body').textContent()).not.toContain(password);
    expect(labNginxTest(lab).ok).toBe(true);
    expect(problems.splice(0)).toEqual([]);
    await page.context().close();
  });

  it('in French on a phone: an admin’s certificate is the client’s, secured in one click, the doctor for people', async () => {
    const vitrine = `vitrine.${fr.zone}`;
    const boutique = `boutique.${fr.zone}`;
    await site(vitrine);
    await site(boutique);
    // An admin secures the client's site: the job and the certificate are the client's too.
    const byAdmin = await d.runJob('certificate.issue', { domains: [vitrine] });
    expect(byAdmin.status, JSON.stringify(byAdmin.error)).toBe('succeeded');
    const certs = (await d.api('GET', '/v1/certificates', { token: tokens[fr.id] })).body.certificates;
    expect(certs.map((c: any) => c.name)).toContain(vitrine);
    const jobs = (await d.api('GET', '/v1/jobs', { token: tokens[fr.id] })).body.jobs;
    expect(jobs.map((j: any) => j.id)).toContain(byAdmin.id);
    expect((await d.api('GET', `/v1/jobs/${byAdmin.id}`, { token: tokens[fr.id] })).status).toBe(200);
    // ...and never another tenant's.
    expect((await d.api('GET', `/v1/jobs/${byAdmin.id}`, { token: tokens[en.id] })).status).toBe(404);

    const page = await open(PHONE, tokens[fr.id]);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await expect
      .poll(() => card(page, vitrine).locator('.state').first().textContent())
      .toMatch(/^Sécurisé jusqu’au \d{1,2} [a-zéû]+ \d{4}\. Il se renouvelle tout seul le \d{1,2} [a-zéû]+ \d{4}\.$/);
    expect(await card(page, vitrine).locator('.recent').textContent()).toMatch(/Site sécurisé le/);
    await plain(page, 'fr-phone-1-home');

    await card(page, boutique).getByRole('button', { name: 'Sécuriser mon site' }).click();
    await expect
      .poll(() => card(page, boutique).locator('.state').first().textContent(), { timeout: 60_000 })
      .toMatch(/^Sécurisé jusqu’au /);
    expect(await page.locator('#summary').textContent()).toMatch(/^Tout va bien\./);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await plain(page, 'fr-phone-2-secured');

    // The doctor: a domain of someone else's is "not one of your domains: ask the provider".
    await page.locator('#doctor-domains').fill(`shop.${en.zone}`);
    await page.getByRole('button', { name: 'Vérifier', exact: true }).click();
    await expect
      .poll(() => page.locator('#doctor-result').textContent())
      .toMatch(/ne fait pas partie de vos domaines.*Hébergix/);
    // Its own: what passed is one line that opens.
    await page.locator('#doctor-domains').fill(boutique);
    await page.getByRole('button', { name: 'Vérifier', exact: true }).click();
    await page.locator('#doctor-result details.passed summary').waitFor({ timeout: 30_000 });
    expect(await page.locator('#doctor-result details.passed summary').textContent()).toMatch(
      /^\d+ vérifications réussies$/,
    );
    await plain(page, 'fr-phone-3-doctor');
    // The support contact and the lost-token path come from the config.
    expect(await page.locator('#support').textContent()).toMatch(/Contactez Hébergix[\s\S]*support@hebergix\.test/);

    // The same client in English on a phone, and in French on a desktop.
    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => card(page, boutique).locator('.state').first().textContent()).toMatch(/^Secure until /);
    await plain(page, 'en-phone-home');
    await page.getByRole('button', { name: 'Français' }).click();
    await page.setViewportSize(DESKTOP);
    await expect
      .poll(() => card(page, boutique).locator('.state').first().textContent())
      .toMatch(/^Sécurisé jusqu’au /);
    await plain(page, 'fr-desktop-home');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.locator('#lost-token-link').waitFor();
    expect(await page.locator('#lost-token-link').getAttribute('href')).toMatch(/^mailto:support@hebergix\.test/);
    await plain(page, 'fr-desktop-sign-in');
    expect(labNginxTest(lab).ok).toBe(true);
    expect(problems.splice(0)).toEqual([]);
    await page.context().close();
  });
});
