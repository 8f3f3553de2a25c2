/**
 * A site's file access (SFTP) on the client's page (headless Chromium, a real daemon, the
 * lab's nginx and SFTP sshd), for a French client on a phone and an English one on a
 * desktop: "Get a file access (SFTP)" in the site's card → login, server, port and password
 * shown once with copy buttons → the SFTP login works with them → the page read again no
 * longer shows the password → "New password": the old one is refused, the new one works →
 * "Close the access" with the site's name typed: nobody logs in any more → opened again with
 * the client's public key instead of a password, and that key lets them in. A site made before
 * sites had their own user says in one sentence why it cannot have one and what to ask.
 * Each state is photographed at both sizes (the page resized, the password still shown).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../src/actions/site-user.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { noteSecrets } from './helpers/secrets-scan.js';
import {
  clientKeyPair,
  chrootableDir,
  deleteAccountsAndStop,
  labSftp,
  op,
  refused,
  removeLeftAccounts,
  removeUsers,
  sftpLogin,
} from './helpers/sftp-lab.js';
import { DESKTOP, PHONE, plain, storyPages, type StoryPages } from './helpers/story-pages.js';
import { until } from './helpers/until.js';
import { labNginxTest, labWebserver, uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

const words = {
  fr: {
    open: 'Obtenir un accès aux fichiers (SFTP)',
    reset: 'Nouveau mot de passe',
    close: "Fermer l'accès",
    kept: 'Je l’ai gardé',
    keepOpen: 'Le garder ouvert',
    keyLabel: 'Votre clé publique',
    keyUse: 'L’ouvrir avec cette clé',
    once: 'Ce mot de passe ne sera plus affiché',
    isOpen: 'Votre accès aux fichiers est ouvert',
    legacy: (name: string) =>
      `Ce site a été créé avant que l’accès aux fichiers existe, il ne peut donc pas encore en avoir : demandez à votre hébergeur de passer ${name} dans un dossier à lui, puis revenez ici.`,
  },
  en: {
    open: 'Get a file access (SFTP)',
    reset: 'New password',
    close: 'Close the access',
    kept: 'I have kept it',
    keepOpen: 'Keep it open',
    keyLabel: 'Your public key',
    keyUse: 'Open it with this key',
    once: 'This password will not be shown again',
    isOpen: 'Your file access is open',
    legacy: (name: string) =>
      `This site was made before file access existed, so it cannot have one yet: ask your provider to move ${name} to a folder of its own, then come back here.`,
  },
};
const clients = {
  fr: { id: uniq('sf'), domain: `${uniq('exemple')}.fr`, token: '', viewport: PHONE, screen: 'phone' },
  en: { id: uniq('se'), domain: `${uniq('example')}.com`, token: '', viewport: DESKTOP, screen: 'desktop' },
};
const site = (lang: 'fr' | 'en') => `fichiers.${clients[lang].domain}`;
const legacy = (lang: 'fr' | 'en') => `ancien.${clients[lang].domain}`;

let lab: LabInfo;
let d: TestDaemon;
let base: string;
let pages: StoryPages;

beforeAll(async () => {
  lab = await useLab('nginx', 'sftp');
  base = chrootableDir();
  d = await startTestDaemon({
    config: {
      webservers: {
        web: labWebserver(lab.nginx!, base, 'local', {
          siteUsers: true,
          nginxGroup: 'nogroup',
          sftp: labSftp(lab.sftp!),
        }),
        // Sites as they were made before sites had a user of their own.
        old: labWebserver(lab.nginx!, base, 'local', { siteUsers: false, sftp: labSftp(lab.sftp!) }),
      },
    },
  });
  for (const lang of ['fr', 'en'] as const) {
    const c = clients[lang];
    c.token = (await d.tenant(c.id, { language: lang, domains: [c.domain], servers: ['web', 'old'] })).token;
    for (const [domain, webserver] of [
      [site(lang), 'web'],
      [legacy(lang), 'old'],
    ])
      expect((await d.runJob('vhost.create', { webserver, domain }, { token: c.token })).status).toBe('succeeded');
  }
  pages = await storyPages(() => d.url, 'serein-sftp-page-shots-');
}, 120_000);

afterAll(async () => {
  await pages?.close();
  await deleteAccountsAndStop(d);
  const users = (['fr', 'en'] as const).map((l) => siteUserName(site(l)));
  if (lab?.sftp) removeLeftAccounts(lab.sftp, users);
  removeUsers(users);
  if (lab) expect(labNginxTest(lab.nginx!).ok).toBe(true);
  if (base) rmSync(base, { recursive: true, force: true });
});

/** Photographs the page at both sizes (the page is resized, so what it shows stays), then puts its size back. */
async function shots(page: Page, lang: 'fr' | 'en', step: string): Promise<void> {
  const own = page.viewportSize()!;
  for (const [screen, size] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    await page.setViewportSize(size);
    const card = page.locator(`article[aria-labelledby="site-${site(lang)}"]`);
    await card.screenshot({ path: join(pages.shots, `${lang}-${screen}-${step}-card.png`) });
    await page.screenshot({ path: join(pages.shots, `${lang}-${screen}-${step}.png`), fullPage: true });
  }
  await page.setViewportSize(own);
}

/** What the client reads of the access just given: its login, server, port and password. */
async function shownAccess(page: Page, lang: 'fr' | 'en') {
  const box = page.locator(`article[aria-labelledby="site-${site(lang)}"] .sftp-access`);
  await box.waitFor({ timeout: 60_000 });
  const values = await box.locator('.secret-value').allTextContents();
  expect(values).toHaveLength(3); // login, server, password: each with its copy button
  expect(await box.getByRole('button', { name: lang === 'fr' ? 'Copier' : 'Copy' }).count()).toBe(3);
  const text = plain(await box.innerText());
  expect(text).toContain(words[lang].once);
  // How to get another: the button's own words, quoted.
  expect(text).toContain(lang === 'fr' ? `« ${words.fr.reset} »` : `“${words.en.reset}”`);
  const [login, server, password] = values;
  const port = plain(await box.locator('.sftp-port').textContent());
  return { login, server, port, password, text };
}

describe('file access (SFTP) in a site’s card', () => {
  for (const lang of ['fr', 'en'] as const) {
    it(`${lang}: open it, the password shown once works, a new one replaces it, then close it`, async () => {
      const c = clients[lang];
      const w = words[lang];
      const name = site(lang);
      const page = await pages.tab(c.token, lang, c.viewport);
      const card = page.locator(`article[aria-labelledby="site-${name}"]`);
      const part = card.locator('.sftp');
      await part.waitFor();
      await shots(page, lang, '1-closed');
      // A site made before sites had their own user: why not, and what to ask, in one sentence.
      const old = page.locator(`article[aria-labelledby="site-${legacy(lang)}"] .sftp`);
      expect(plain(await old.locator('p').innerText())).toBe(w.legacy(legacy(lang)));
      expect(await old.locator('button').count()).toBe(0);
      await old.screenshot({ path: join(pages.shots, `${lang}-${c.screen}-0-legacy.png`) });
      // Not a form of "What you can do" any more: the card is where it is.
      expect(await page.locator('#ops').innerText()).not.toContain('SFTP');

      await part.getByRole('button', { name: w.open }).click();
      const first = await shownAccess(page, lang);
      noteSecrets('sftp page', first.password);
      expect(first.login).toBe(siteUserName(name));
      expect(first.server).toBe(lab.sftp!.host);
      expect(first.port).toBe(String(lab.sftp!.port));
      expect(first.text).not.toMatch(/\/srv|\/etc|undefined|\{|\}/);
      await shots(page, lang, '2-shown');

      // The login works from outside with what the page showed.
      const s = await sftpLogin(lab.sftp!, first.login, { password: first.password });
      try {
        await op.write(s.sftp, '/public/index.html', `<h1>${name}</h1>`);
      } finally {
        s.end();
      }
      // Never in the job list (the API's nor the page's), nor kept by the browser.
      const listed = await d.api('GET', '/v1/jobs?limit=100', { token: c.token });
      expect(JSON.stringify(listed.body)).not.toContain(first.password);
      expect(await page.locator('#jobs').innerText()).not.toContain(first.password);

      // Read again: the password is gone for good; the access is open, with its login.
      await page.reload();
      await part.waitFor();
      expect(await page.locator('#app').innerText()).not.toContain(first.password);
      const stored = await page.evaluate<string>('JSON.stringify({ ...sessionStorage, ...localStorage })');
      expect(stored).not.toContain(first.password);
      expect(plain(await part.innerText())).toContain(w.isOpen);
      expect(plain(await part.innerText())).toContain(first.login);
      await shots(page, lang, '3-open');

      // A new password: the old one is refused, the new one works.
      await part.getByRole('button', { name: w.reset }).click();
      const second = await shownAccess(page, lang);
      noteSecrets('sftp page reset', second.password);
      expect(second.password).not.toBe(first.password);
      expect(second.login).toBe(first.login);
      expect(second.text).toContain(lang === 'fr' ? 'l’ancien ne fonctionne plus' : 'the old one no longer works');
      await shots(page, lang, '4-new-password');
      expect(await refused(lab.sftp!, first.login, { password: first.password })).toBe(true);
      (await sftpLogin(lab.sftp!, second.login, { password: second.password })).end();
      // "I have kept it": the password leaves the page.
      await part.getByRole('button', { name: w.kept }).click();
      await until(
        async () => !(await page.locator('#app').innerText()).includes(second.password),
        10_000,
        'the password gone',
      );

      // Closing asks for the site's name typed, as other removals do.
      await part.getByRole('button', { name: w.close }).click();
      const typed = part.locator('input.type-name');
      const go = part.locator('.sftp-close .proposal button.danger');
      // Changing one's mind takes it back.
      await part.getByRole('button', { name: w.keepOpen }).click();
      expect(await typed.count()).toBe(0);
      await part.getByRole('button', { name: w.close }).click();
      expect(await go.isDisabled()).toBe(true);
      await typed.fill(name);
      await shots(page, lang, '5-close');
      await go.click();
      await part.getByRole('button', { name: w.open }).waitFor({ timeout: 60_000 });
      await shots(page, lang, '6-closed-again');
      expect(await refused(lab.sftp!, second.login, { password: second.password })).toBe(true);
      expect(await d.store.tenants.getResource('sftp', name)).toBeFalsy();

      // Opened again with the client's own key, folded under the button: no password to show, the key lets them in.
      const keys = clientKeyPair();
      await part.locator('.sftp-key summary').click();
      await part.getByLabel(w.keyLabel).fill(`${keys.public} laptop`);
      await shots(page, lang, '7-key');
      await part.getByRole('button', { name: w.keyUse }).click();
      await part.getByRole('button', { name: w.reset }).waitFor({ timeout: 60_000 });
      expect(await part.locator('.sftp-access').count()).toBe(0);
      (await sftpLogin(lab.sftp!, second.login, { privateKey: keys.private })).end();
      await page.context().close();
      expect(pages.problems.splice(0)).toEqual([]);
    }, 180_000);
  }
});
