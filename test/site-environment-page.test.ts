/**
 * A client asks for a WordPress site in their own words on the page (headless Chromium, a
 * real daemon, the lab's nginx, php-fpm, MariaDB, Pebble and SFTP sshd), in French on a phone
 * and in English on a desktop: "un site WordPress pour photos.<their domain>" gives one
 * proposal, one click makes it, every access is shown once (the database's and the SFTP
 * password), the SFTP login works with the password shown, and the site answers over HTTPS.
 * Then the French client deletes the database by mistake and brings it back from the trash
 * in one click. Screenshots go to SEREIN_SCREENSHOTS.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../src/actions/site-user.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { dbExists, dropByPrefix } from './helpers/db-lab.js';
import { noteSecrets } from './helpers/secrets-scan.js';
import { environmentWebserver, getTls, labMariadbServer, pebbleRoot } from './helpers/environment-lab.js';
import {
  chrootableDir,
  deleteAccountsAndStop,
  op,
  removeLeftAccounts,
  removeUsers,
  sftpLogin,
} from './helpers/sftp-lab.js';
import { DESKTOP, PHONE, plain } from './helpers/story-pages.js';
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
const h = randomBytes(3).toString('hex');
const shots = process.env.SEREIN_SCREENSHOTS ?? tempDir('serein-environment-page-shots-');
const problems: string[] = [];
const clients = {
  fr: { id: `f${h}`, domain: `exemple${h}.fr`, token: '', words: (s: string) => `un site WordPress pour ${s}` },
  en: { id: `e${h}`, domain: `example${h}.com`, token: '', words: (s: string) => `a WordPress site for ${s}` },
};
const sites = Object.values(clients).map((c) => `photos.${c.domain}`);

let lab: LabInfo;
let d: TestDaemon;
let base: string;
let browser: Browser;

beforeAll(async () => {
  lab = await useLab('pebble', 'mariadb', 'phpFpm', 'sftp');
  base = chrootableDir();
  d = await startTestDaemon({
    config: {
      ...labCertConfig(lab, tempDir('serein-environment-page-')),
      webservers: { web: environmentWebserver(lab, base) },
      databases: { maria: labMariadbServer(lab) },
    },
  });
  for (const [lang, c] of Object.entries(clients) as ['fr' | 'en', (typeof clients)['fr']][])
    c.token = (await d.tenant(c.id, { language: lang, domains: [c.domain], servers: ['web', 'maria'] })).token;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deleteAccountsAndStop(d);
  const users = sites.map(siteUserName);
  if (lab?.sftp) removeLeftAccounts(lab.sftp, users);
  removeUsers(users);
  if (lab) {
    await dropByPrefix(lab, [`${clients.fr.id}_`, `${clients.en.id}_`]);
    expect(labNginxTest(lab).ok).toBe(true);
  }
  if (base) rmSync(base, { recursive: true, force: true });
});

/** The client's page signed in, in their language, on this screen. */
async function open(lang: 'en' | 'fr', viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ locale: lang === 'fr' ? 'fr-FR' : 'en-GB', viewport });
  await context.addInitScript(`localStorage.setItem('serein.language', ${JSON.stringify(lang)})`);
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

const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

describe('a WordPress site asked for in words, on the page', () => {
  for (const [lang, viewport, screen] of [
    ['fr', PHONE, 'phone'],
    ['en', DESKTOP, 'desktop'],
  ] as const) {
    it(`${lang} ${screen}: one proposal, one click, every access shown once; SFTP works and the site answers over HTTPS`, async () => {
      const c = clients[lang];
      const site = `photos.${c.domain}`;
      const page = await open(lang, viewport);
      await page.locator('#ask-text').fill(c.words(site));
      await page.locator('#ask-form button[type=submit]').click();
      const box = page.locator('#ask-result');
      await box.locator('.ask-lead, .ask-sentence, .proposal').first().waitFor();
      await shot(page, `${lang}-${screen}-1-proposal`);
      expect(await box.locator('.proposal').count(), plain(await box.innerText())).toBe(1);
      expect(plain(await box.locator('.ask-sentence').first().textContent())).toBe(
        lang === 'fr'
          ? `Je vais créer le site ${site} avec PHP, sa propre base de données, le cadenas (HTTPS) et un accès aux fichiers (SFTP), prêt pour WordPress ; les mots de passe seront affichés une seule fois. Confirmez pour lancer.`
          : `I will create the site ${site} with PHP, its own database, the padlock (HTTPS) and a file access (SFTP), ready for WordPress; the passwords will be shown once. Confirm to start.`,
      );
      await box.locator('.proposal button.primary').click();
      await box.locator('.outcome.st-succeeded, .outcome.st-failed').waitFor({ timeout: 120_000 });
      await shot(page, `${lang}-${screen}-2-done`);
      await box.screenshot({ path: join(shots, `${lang}-${screen}-2-done-answer.png`) });
      expect(await box.locator('.outcome.st-succeeded').count(), plain(await box.innerText())).toBe(1);
      const secrets = box.locator('.secret');
      expect(await secrets.count()).toBe(2);
      const value = async (label: string) =>
        (await secrets.filter({ hasText: label }).locator('.secret-value').textContent())!;
      const dbPassword = await value(lang === 'fr' ? 'base de données' : 'database');
      const sftpPassword = await value('SFTP');
      noteSecrets('site.environment page', dbPassword, sftpPassword);
      const text = plain(await box.innerText());
      expect(text).toContain(lang === 'fr' ? `${site} est prêt pour WordPress` : `${site} is ready for WordPress`);
      expect(text).toContain(siteUserName(site)); // the SFTP login
      expect(text).toContain(`${c.id}_photos`); // the database and its user
      expect(text).not.toMatch(/undefined|\{|\}|‹/);

      // The SFTP login works with the password shown, from outside.
      const s = await sftpLogin(lab.sftp!, siteUserName(site), { password: sftpPassword });
      try {
        await op.write(s.sftp, '/public/index.html', `<h1>${site}</h1>`);
      } finally {
        s.end();
      }
      // The site answers over HTTPS with what was uploaded, its certificate checked up to the CA's root.
      const root = await d.store.certificates.list({ name: site });
      expect(root.filter((x) => x.status === 'active')).toHaveLength(1);
      const ca = await pebbleRoot(lab);
      expect(await getTls(lab, site, '/', ca)).toEqual({ status: 200, body: `<h1>${site}</h1>` });

      // Shown once: the page read again shows no password.
      await page.reload();
      await page.locator('#app-title').waitFor();
      const again = await page.locator('#app').innerText();
      expect(again).not.toContain(dbPassword);
      expect(again).not.toContain(sftpPassword);
      await page.context().close();
      expect(problems.splice(0)).toEqual([]);
    }, 180_000);
  }

  it('fr desktop: the database deleted by mistake comes back from the trash in one click', async () => {
    const c = clients.fr;
    const database = `${c.id}_photos`;
    const gone = await d.runJob(
      'database.delete',
      { server: 'maria', name: 'photos', confirm: database },
      { token: c.token },
    );
    expect(gone.status, JSON.stringify(gone.error)).toBe('succeeded');
    expect(await dbExists(lab, 'mariadb', database)).toEqual({ database: false, user: false });
    const page = await open('fr', DESKTOP);
    const line = page.locator('#trash li', { hasText: database });
    await line.waitFor();
    await shot(page, 'fr-desktop-3-trash');
    await line.getByRole('button', { name: 'Restaurer' }).click();
    await line.locator('.secret-value').waitFor({ timeout: 60_000 });
    expect(await dbExists(lab, 'mariadb', database)).toEqual({ database: true, user: true });
    noteSecrets('trash restore', await line.locator('.secret-value').textContent());
    await shot(page, 'fr-desktop-4-restored');
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  }, 120_000);
});
