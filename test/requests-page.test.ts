/**
 * Requests in words on the client's page, in headless Chromium against a real daemon, the
 * lab's BIND (a zone serein may repair), Pebble, nginx and MariaDB, on a phone (360×780)
 * and a desktop, in English and French: "my site is down" on a site whose domain keeps a
 * stale IPv6 address answers with what was found and "Fix it for me", which shows the
 * change first and makes it on the second click (the record leaves BIND); "delete the
 * database clients" keeps its button disabled until the full name is typed, then deletes
 * it; "un site et une base appelée agenda" shows both proposals in order, each with its
 * button; a question about an invoice names the topic. Screenshots go to SEREIN_SCREENSHOTS.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { dbExists, dropByPrefix } from './helpers/db-lab.js';
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
const PHONE = { width: 360, height: 780 };
const DESKTOP = { width: 1280, height: 900 };
const h = randomBytes(3).toString('hex');
const shots = process.env.SEREIN_SCREENSHOTS ?? tempDir('serein-requests-page-shots-');
const problems: string[] = [];

let lab: LabInfo;
let d: TestDaemon;
let browser: Browser;
/** One client per language, each with a site whose IPv6 address is stale and a domain with no site yet. */
const clients = {
  en: { id: `e${h}`, token: '', broken: '', spare: '' },
  fr: { id: `f${h}`, token: '', broken: '', spare: '' },
};

/** Records set in the lab's BIND by hand, as a client's DNS host would. */
function setAddresses(name: string, a: string, aaaa: string): void {
  const b = lab.bind9!;
  execFileSync('nsupdate', ['-y', `${b.key.algorithm}:${b.key.name}:${b.key.secret}`], {
    input: [
      `server ${b.host} ${b.port}`,
      `zone ${b.zone}`,
      `update add ${name}. 60 A ${a}`,
      `update add ${name}. 60 AAAA ${aaaa}`,
      'send',
      '',
    ].join('\n'),
    timeout: 10_000,
  });
}

/** The IPv6 addresses BIND itself gives for a name (no cache in between). */
async function ipv6Of(name: string): Promise<string[]> {
  const r = new Resolver();
  r.setServers([`${lab.bind9!.host}:${lab.bind9!.port}`]);
  return r.resolve6(name).catch(() => []);
}

beforeAll(async () => {
  lab = await useLab('pebbleBind9', 'mariadb');
  const b = lab.bind9!;
  const address = `${b.host}:${b.port}`;
  const m = lab.mariadb!;
  d = await startTestDaemon({
    config: {
      ...labCertConfig(lab, tempDir('serein-requests-page-'), {
        dnsServer: address,
        pebble: lab.pebbleBind9!,
        dns: {
          providers: [
            { type: 'rfc2136', zones: [b.zone], server: address, keyName: b.key.name, keySecret: b.key.secret },
          ],
        },
      }),
      databases: { maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password } },
    },
  });
  for (const [lang, c] of Object.entries(clients) as ['en' | 'fr', (typeof clients)['en']][]) {
    c.broken = `shop${lang}${h}.${b.zone}`;
    c.spare = `blog${lang}${h}.${b.zone}`;
    setAddresses(c.broken, '127.0.0.1', '2001:db8::dead'); // an old IPv6 address still points elsewhere
    c.token = (await d.tenant(c.id, { language: lang, domains: [c.broken, c.spare], servers: ['lab', 'maria'] })).token;
    expect(
      (await d.runJob('vhost.create', { webserver: 'lab', domain: c.broken, aliases: [] }, { token: c.token })).status,
    ).toBe('succeeded');
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await d?.stop();
  if (lab) {
    await dropByPrefix(lab, [`${clients.en.id}_`, `${clients.fr.id}_`]);
    expect(labNginxTest(lab).ok).toBe(true);
  }
});

/** The text of an element with French non-breaking spaces as plain ones, as the eye reads it. */
const text = async (l: { textContent(): Promise<string | null> }) =>
  ((await l.textContent()) ?? '').replace(/\u00a0/g, ' ');

/** The client's page signed in, in their language, on this screen. */
async function open(lang: 'en' | 'fr', viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ locale: lang === 'fr' ? 'fr-FR' : 'en-US', viewport });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      problems.push(`console: ${msg.text()}`);
  });
  await page.goto(`${d.url}/`);
  await page.locator('#token').fill(clients[lang].token);
  await page.locator('#token').press('Enter');
  await page.locator('#app-title').waitFor();
  return page;
}

/** Asks in words on the page; the answer's box once it has replaced "Reading your request…". */
async function ask(page: Page, words: string) {
  await page.locator('#ask-text').fill(words);
  await page.locator('#ask-form button[type=submit]').click();
  const box = page.locator('#ask-result');
  await box.locator('.ask-lead, .ask-sentence, .proposal').first().waitFor();
  return box;
}

/** A screenshot of the request's card, named for what it shows. */
const shot = (page: Page, name: string) =>
  page.locator('section[aria-labelledby="ask-title"]').screenshot({ path: join(shots, `${name}.png`) });

describe('requests in words on the page', () => {
  for (const [lang, viewport, screen, words] of [
    ['en', DESKTOP, 'desktop', (s: string) => `my site ${s} is down`],
    ['fr', PHONE, 'phone', (s: string) => `mon site ${s} ne marche plus`],
  ] as const) {
    it(`${lang} ${screen}: "my site is down" on a stale IPv6 address says what was found and "Fix it for me" shows the change, then makes it`, async () => {
      const c = clients[lang];
      const page = await open(lang, viewport);
      const box = await ask(page, words(c.broken));
      const lead = box.locator('h3.ask-lead');
      expect(await text(lead)).toBe(
        lang === 'en'
          ? `Press “Fix it for me”: we found what is wrong with ${c.broken} and can correct it for you.`
          : `Appuyez sur « Le corriger pour moi » : nous avons trouvé ce qui ne va pas sur ${c.broken} et pouvons le corriger pour vous.`,
      );
      expect(await text(box.locator('p.ask-sentence'))).toMatch(
        lang === 'en'
          ? new RegExp(`^I checked ${c.broken.replace(/\./g, '\\.')}: .*IPv6`)
          : new RegExp(`^J'ai vérifié ${c.broken.replace(/\./g, '\\.')} : .*IPv6`),
      );
      const fix = box.getByRole('button', { name: lang === 'en' ? 'Fix it for me' : 'Le corriger pour moi' });
      await shot(page, `${lang}-${screen}-down-diagnosis`);
      // On a phone, the button is in the first screen of the answer.
      if (screen === 'phone') {
        await box.scrollIntoViewIfNeeded();
        const [top, button] = [await box.boundingBox(), await fix.boundingBox()];
        expect(button!.y - top!.y).toBeLessThan(PHONE.height);
      }
      await fix.click();
      // The check first: what would change, nothing changed yet.
      await box
        .getByRole('heading', {
          name: lang === 'en' ? 'Here is what we will change' : 'Voici ce que nous allons modifier',
        })
        .waitFor();
      expect(await ipv6Of(c.broken)).toEqual(['2001:db8::dead']);
      expect(await text(box.locator('.outcome p').first())).toMatch(
        lang === 'en'
          ? /^One change to your domain’s settings\. Nothing has changed yet/
          : /^Une modification des réglages de votre domaine\. Rien n’a encore changé/,
      );
      await shot(page, `${lang}-${screen}-down-plan`);
      await box.getByRole('button', { name: lang === 'en' ? 'Correct it now' : 'Corriger maintenant' }).click();
      await box.locator('.outcome.st-succeeded').waitFor({ timeout: 60_000 });
      expect(await ipv6Of(c.broken)).not.toContain('2001:db8::dead'); // pointed at this server instead
      // Done, in words; "nothing has changed yet" is gone with the plan.
      expect(await text(box.locator('.done-line'))).toMatch(
        lang === 'en'
          ? new RegExp(`^Corrected: your domain ${c.broken.replace(/\./g, '\\.')} now leads to your site\\.`)
          : new RegExp(`^Corrigé : votre domaine ${c.broken.replace(/\./g, '\\.')} mène maintenant à votre site\\.`),
      );
      expect(
        await box
          .getByText(lang === 'en' ? 'Nothing has changed yet' : 'Rien n’a encore changé', { exact: false })
          .count(),
      ).toBe(0);
      expect(await box.locator('h3.ask-lead').count()).toBe(0); // "Press Fix it for me" went with its button
      await shot(page, `${lang}-${screen}-down-fixed`);
      const visible = await box.innerText();
      expect(visible).not.toMatch(/dns\.fix|dryRun|AAAA|undefined|\{|\}/);
      await page.context().close();
      expect(problems.splice(0)).toEqual([]);
    }, 120_000);
  }

  for (const [lang, viewport, screen, words] of [
    ['en', PHONE, 'phone', 'delete the database clients'],
    ['fr', DESKTOP, 'desktop', 'supprimez la base clients'],
  ] as const) {
    it(`${lang} ${screen}: "${words}" proposes the removal and its button stays disabled until the full name is typed`, async () => {
      const c = clients[lang];
      const created = await d.runJob('database.create', { server: 'maria', name: 'clients' }, { token: c.token });
      expect(created.status, JSON.stringify(created.error)).toBe('succeeded');
      const full = `${c.id}_clients`;
      const page = await open(lang, viewport);
      const box = await ask(page, words);
      const typed = box.getByLabel(lang === 'en' ? `To confirm, type ${full}` : `Pour confirmer, tapez ${full}`);
      const button = box.getByRole('button', { name: lang === 'en' ? 'Delete it' : 'Supprimer' });
      expect(await button.isDisabled()).toBe(true);
      await shot(page, `${lang}-${screen}-delete-asked`);
      await typed.fill('clients'); // the short name is not the full one
      expect(await button.isDisabled()).toBe(true);
      await typed.fill(full);
      expect(await button.isDisabled()).toBe(false);
      await shot(page, `${lang}-${screen}-delete-typed`);
      expect(await dbExists(lab, 'mariadb', full)).toEqual({ database: true, user: true });
      await button.click();
      await box.locator('.outcome.st-succeeded').waitFor({ timeout: 60_000 });
      expect(await dbExists(lab, 'mariadb', full)).toEqual({ database: false, user: false });
      expect(await text(box.locator('.done-line'))).toBe(
        lang === 'en'
          ? `The database ${full} is deleted. A copy stays in your trash for a few weeks, if you need it back.`
          : `La base de données ${full} est supprimée. Une copie reste dans votre corbeille pendant quelques semaines, si vous en avez besoin.`,
      );
      await shot(page, `${lang}-${screen}-delete-done`);
      await page.context().close();
      expect(problems.splice(0)).toEqual([]);
    }, 120_000);
  }

  for (const [lang, viewport, screen, words] of [
    ['fr', PHONE, 'phone', 'un site et une base appelée agenda'],
    ['en', DESKTOP, 'desktop', 'I need a website and a database named agenda'],
  ] as const) {
    it(`${lang} ${screen}: "${words}" asks the site's name, then shows both proposals in order, each with its button`, async () => {
      const c = clients[lang];
      const page = await open(lang, viewport);
      const box = await ask(page, words);
      expect(await text(box.locator('.help').first())).toBe(
        lang === 'fr'
          ? 'Une fois le choix fait, vous confirmez les 2 choses demandées, dans l’ordre.'
          : 'Once it is chosen, you confirm the 2 things you asked for, in order.',
      );
      await shot(page, `${lang}-${screen}-two-question`);
      await box.getByRole('button', { name: c.spare }).click();
      const items = box.locator('ol.ask-proposals > li');
      await items.first().waitFor();
      expect(await items.count()).toBe(2);
      expect(await text(box.locator('p.ask-lead'))).toBe(
        lang === 'fr'
          ? 'Vous avez demandé 2 choses : confirmez chacune ci-dessous, dans l’ordre où vous les avez écrites.'
          : 'You asked for 2 things: confirm each one below, in the order you wrote them.',
      );
      expect(await text(items.nth(0).locator('.ask-sentence'))).toMatch(
        lang === 'fr'
          ? new RegExp(`^Je vais créer le site ${c.spare.replace(/\./g, '\\.')}`)
          : new RegExp(`^I will create the site ${c.spare.replace(/\./g, '\\.')}`),
      );
      expect(await text(items.nth(1).locator('.ask-sentence'))).toMatch(
        lang === 'fr' ? /^Je vais créer la base de données agenda/ : /^I will create the database agenda/,
      );
      for (const i of [0, 1])
        expect(
          await items
            .nth(i)
            .getByRole('button', { name: lang === 'fr' ? 'Oui, faites-le' : 'Yes, do it' })
            .isEnabled(),
        ).toBe(true);
      await shot(page, `${lang}-${screen}-two-proposals`);
      await page.context().close();
      expect(problems.splice(0)).toEqual([]);
    }, 60_000);
  }

  for (const [lang, viewport, screen, words] of [
    ['en', PHONE, 'phone', 'Hello, I have a question about my last invoice, it seems too high. Thanks, Paul'],
    [
      'fr',
      DESKTOP,
      'desktop',
      "Bonjour, j'ai une question sur ma dernière facture, elle me semble trop élevée. Merci, Paul",
    ],
  ] as const) {
    it(`${lang} ${screen}: a question about an invoice is handed to the team, the topic named`, async () => {
      const page = await open(lang, viewport);
      const box = await ask(page, words);
      expect(await text(box.locator('h3.ask-lead'))).toBe(
        lang === 'en'
          ? 'We passed your question about your invoice to our team.'
          : 'Nous avons transmis votre question sur votre facture à notre équipe.',
      );
      expect(await box.locator('button').count()).toBe(0);
      await shot(page, `${lang}-${screen}-invoice`);
      await page.screenshot({ path: join(shots, `${lang}-${screen}-invoice-page.png`) });
      await page.context().close();
      expect(problems.splice(0)).toEqual([]);
    }, 60_000);
  }
});
