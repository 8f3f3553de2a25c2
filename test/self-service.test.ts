/**
 * The client self-service page, driven in headless Chromium against a real daemon:
 * what a client sees when signing in, running an operation, failing, getting a
 * password once, checking a domain; and what they never see (another tenant's data).
 * (How the page itself is served: self-service-serving.test.ts.)
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const WIDTH = 360;

let d: TestDaemon;
let browser: Browser;
let dir: string;
let alice: string;
let bob: string;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

beforeAll(async () => {
  // DNS answers "refused" at once: the doctor explains failures without waiting for the internet.
  d = await startTestDaemon({
    playbooksDir: fixtures,
    config: { dns: { resolvers: ['127.0.0.1:9'], timeoutMs: 500 } },
  });
  dir = tempDir('serein-self-service-');
  alice = (await d.tenant('alice', { servers: ['local'], domains: ['alice.example.com'] })).token;
  bob = (await d.tenant('bob', { language: 'fr', servers: ['local'], domains: ['bob.example.com'] })).token;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
  // No script error and no Content-Security-Policy violation, on any page of the test.
  expect(problems.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await d?.stop();
});

/** A fresh browser (its own session storage) on a 360 px wide phone-sized screen, in English. */
async function openPage(): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: WIDTH, height: 780 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // A 401 for a wrong token is expected; anything else (CSP "Refused to...", errors) is not.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      problems.push(`console: ${msg.text()}`);
  });
  await page.goto(`${d.url}/`);
  return page;
}

async function signIn(page: Page, token: string, label = 'Access token'): Promise<void> {
  await page.getByLabel(label).fill(token);
  await page.getByLabel(label).press('Enter');
  await page.locator('#app-title').waitFor();
  await page.locator('#ops li').first().waitFor();
}

// Evaluated in the page (as text: the tests are not compiled with the DOM types).
const stored = (page: Page) =>
  page.evaluate<{ session: Record<string, string>; local: Record<string, string> }>(
    '({ session: { ...sessionStorage }, local: { ...localStorage } })',
  );
const noSideScroll = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');
const focusedId = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.id');
const isFocused = (el: any) => el === el.ownerDocument.activeElement;

/**
 * Full-page screenshots on a phone (360 px) and a desktop (1280 px), to look at by eye:
 * SEREIN_SCREENSHOTS names a folder that keeps them, otherwise they go to a temporary one.
 */
async function shoot(page: Page, name: string): Promise<string[]> {
  const folder = process.env.SEREIN_SCREENSHOTS ?? tempDir('serein-shots-');
  mkdirSync(folder, { recursive: true });
  const paths: string[] = [];
  for (const [screen, width] of [
    ['phone', WIDTH],
    ['desktop', 1280],
  ] as const) {
    await page.setViewportSize({ width, height: 780 });
    const path = join(folder, `${name}-${screen}.png`);
    await page.screenshot({ path, fullPage: true });
    paths.push(path);
  }
  await page.setViewportSize({ width: WIDTH, height: 780 });
  return paths;
}

describe('the self-service page', () => {
  it('says clearly when a token is wrong, and keeps nothing', async () => {
    const page = await openPage();
    const problem = page.locator('#sign-in-problem');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => problem.textContent()).toBe('Paste your access token first.');
    await page.getByLabel('Access token').fill('srn_c_ abc');
    await page.getByLabel('Access token').press('Enter');
    await expect.poll(() => problem.textContent()).toMatch(/does not look like an access token.*without spaces/);
    await page.getByLabel('Access token').fill('srn_c_thisisnotarealtoken');
    await page.getByLabel('Access token').press('Enter');
    await expect.poll(() => problem.textContent()).toMatch(/was not accepted.*Copy it again/);
    expect(await page.getByRole('alert').first().textContent()).toMatch(/not accepted/);
    await page.getByLabel('Access token').fill('hello');
    await page.getByLabel('Access token').press('Enter');
    await expect.poll(() => problem.textContent()).toMatch(/was not accepted.*starts with “srn_”/);
    expect(await stored(page)).toEqual({ session: {}, local: {} });
    expect(page.url()).toBe(`${d.url}/`);
    expect(await page.locator('#app').isHidden()).toBe(true);
  });

  it('signs a client in by keyboard and lists its own domains and operations, in English', async () => {
    const page = await openPage();
    await page.getByLabel('Access token').focus();
    await page.keyboard.type(alice);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Write a greeting' }).waitFor();
    expect(await page.locator('#ops').textContent()).toContain('Leaves a friendly note for you.');
    expect(await page.locator('#ops').textContent()).not.toContain('Admin only');
    expect(await page.locator('#resources').textContent()).toContain('alice.example.com');
    expect(await page.locator('#who').textContent()).toBe('Signed in: Tenant alice');
    // The token lives in this tab's session storage only: not in the address, not in local storage.
    expect(await stored(page)).toEqual({ session: { 'serein.token': alice }, local: {} });
    expect(page.url()).not.toContain(alice);
    expect(await page.getByLabel('Access token').inputValue()).toBe('');
    // Keyboard: Tab reaches the operation's button with a visible focus ring; Enter opens its form.
    const start = page.getByRole('button', { name: 'Start' });
    await page.locator('#ops-title').focus();
    for (let i = 0; i < 20 && !(await start.evaluate(isFocused)); i++) await page.keyboard.press('Tab');
    expect(await start.evaluate(isFocused)).toBe(true);
    expect(await start.evaluate((el: any) => el.ownerDocument.defaultView.getComputedStyle(el).outlineStyle)).toBe(
      'solid',
    );
    await page.keyboard.press('Enter');
    expect(await focusedId(page)).toBe('run-title');
    expect(await page.locator('#run-title').textContent()).toBe('Write a greeting');
    expect(await noSideScroll(page)).toBeLessThanOrEqual(WIDTH);
  });

  it('checks first (the plan, nothing changed), then does it, live, and shows the result as text', async () => {
    const page = await openPage();
    await signIn(page, alice);
    await page.getByRole('button', { name: 'Start' }).click();
    // The only server the client may use is chosen for it.
    expect(await page.getByLabel('server', { exact: true }).inputValue()).toBe('local');
    await page.getByLabel('dir', { exact: true }).fill(dir);
    await page.getByLabel('name', { exact: true }).fill('hello');
    const message = '<b>bold</b> & "quoted" <img src=x>';
    await page.getByLabel('Your note', { exact: true }).fill(message);

    await page.getByRole('button', { name: 'Check first' }).click();
    await page.getByRole('heading', { name: 'Checked: nothing was changed — Write a greeting' }).waitFor();
    expect(await page.locator('#outcome .plan').textContent()).toContain(`write ${dir}/hello.txt`);
    expect(existsSync(join(dir, 'hello.txt'))).toBe(false);

    await page.getByRole('button', { name: 'Do it' }).click();
    await page.getByRole('heading', { name: 'Done — Write a greeting' }).waitFor();
    expect(readFileSync(join(dir, 'hello.txt'), 'utf8')).toBe(`hello ${message}\n`);
    const result = page.locator('#outcome dl.result');
    expect(await result.locator('dt').allTextContents()).toEqual(['File', 'Message']);
    expect(await result.locator('dd').allTextContents()).toEqual([join(dir, 'hello.txt'), message]);
    // Data is text, never markup.
    expect(await page.locator('#outcome b, #outcome img').count()).toBe(0);
    // Progress was followed live: every step was reported done.
    expect(await page.locator('#progress-steps li').allTextContents()).toEqual(
      expect.arrayContaining(['Write the file — done', 'echo — done', 'check — done']),
    );
    await expect.poll(() => page.locator('#jobs li.job').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#jobs li.job').first().textContent()).toMatch(/Write a greeting\s*done/);
    // A check is not history: only what was done is listed.
    const all = (await d.api('GET', '/v1/jobs', { token: alice })).body.jobs;
    expect(all.some((j: any) => j.dryRun)).toBe(true);
    await expect.poll(() => page.locator('#jobs li.job').count()).toBe(all.filter((j: any) => !j.dryRun).length);
    expect(await noSideScroll(page)).toBeLessThanOrEqual(WIDTH);
  });

  it('shows a failure with its message and, prominently, the fix', async () => {
    const page = await openPage();
    await signIn(page, alice);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByLabel('dir', { exact: true }).fill(dir);
    await page.getByLabel('name', { exact: true }).fill('broken');
    await page.getByLabel('Your note', { exact: true }).fill('x');
    await page.getByLabel('fail', { exact: true }).check();
    await page.getByRole('button', { name: 'Do it' }).click();
    const failure = page.locator('#outcome .failure');
    await failure.waitFor();
    expect(await failure.getAttribute('role')).toBe('alert');
    expect(await failure.locator('h3').textContent()).toBe('It did not work — Write a greeting');
    expect(await failure.locator('.message').textContent()).toBe('A command on the server failed.');
    expect(await failure.locator('.fix h4').textContent()).toBe('How to fix it');
    expect(await failure.locator('.fix p').textContent()).toBe(
      'Nothing was left half-done. Your provider can read the details.',
    );
    // A refused request (a missing input) is explained the same way.
    await page.getByLabel('name', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Do it' }).click();
    await expect.poll(() => failure.locator('.message').textContent()).toMatch(/name.*required/);
    expect(await failure.locator('.fix p').textContent()).toMatch(/Provide name/);
  });

  it('shows a generated password once, with a warning, and never again after a reload', async () => {
    const page = await openPage();
    await signIn(page, alice);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByLabel('dir', { exact: true }).fill(dir);
    await page.getByLabel('name', { exact: true }).fill('secret');
    await page.getByLabel('Your note', { exact: true }).fill('keep it');
    await page.getByLabel('secret', { exact: true }).check();
    await page.getByRole('button', { name: 'Do it' }).click();
    const secret = page.locator('#outcome .secret');
    await secret.waitFor();
    expect(await secret.locator('h4').textContent()).toBe('Copy it now: it will not be shown again');
    const password = (await secret.getByLabel('Password').textContent()) ?? '';
    expect(password).toMatch(/^\S{24}$/);
    // It is shown as the secret, not repeated in the ordinary result.
    expect(await page.locator('#outcome dl.result').textContent()).not.toContain(password);

    const shot = process.env.SEREIN_SCREENSHOT ?? join(tempDir('serein-shot-'), 'self-service.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    for (const path of await shoot(page, 'secret-en')) expect(existsSync(path)).toBe(true);

    await page.reload();
    await page.locator('#jobs li.job').first().waitFor();
    expect(await page.locator('#who').textContent()).toBe('Signed in: Tenant alice');
    await page.locator('#jobs li.job').first().getByRole('button', { name: 'Details' }).click();
    await page.locator('#jobs li.job').first().getByText(/^Done/).waitFor();
    expect(await page.locator('body').textContent()).not.toContain(password);
    expect(JSON.stringify(await stored(page))).not.toContain(password);
    const jobs = (await d.api('GET', '/v1/jobs', { token: alice })).body.jobs;
    expect(JSON.stringify(jobs)).not.toContain(password);
    expect(JSON.stringify((await d.api('GET', `/v1/jobs/${jobs[0].id}`, { token: alice })).body)).not.toContain(
      password,
    );
  });

  it('speaks French to a French tenant, and never shows another tenant’s data', async () => {
    const page = await openPage();
    await signIn(page, bob, 'Access token');
    // The browser asks for English; the tenant is French and has not chosen: French.
    await page.getByRole('heading', { name: 'Écrire un message' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.locator('#ops').textContent()).toContain('Vous laisse un petit mot.');
    expect(await page.getByRole('button', { name: 'Se déconnecter' }).isVisible()).toBe(true);
    expect(await page.locator('#resources').textContent()).toContain('bob.example.com');
    expect(await page.locator('#jobs').textContent()).toBe('Rien pour l’instant.');
    expect(await page.locator('body').textContent()).not.toMatch(/alice|hello\.txt/);

    await page.getByRole('button', { name: 'Commencer' }).click();
    await page.getByLabel('dir', { exact: true }).fill(dir);
    await page.getByLabel('name', { exact: true }).fill('bob');
    await page.getByLabel('Votre mot', { exact: true }).fill('x');
    await page.getByLabel('fail', { exact: true }).check();
    await page.getByRole('button', { name: 'Le faire' }).click();
    const failure = page.locator('#outcome .failure');
    await failure.waitFor();
    expect(await failure.locator('.message').textContent()).toBe('Une commande sur le serveur a échoué.');
    expect(await failure.locator('.fix h4').textContent()).toBe('Comment corriger');
    await expect.poll(() => page.locator('#jobs li.job').count()).toBe(1);
    for (const path of await shoot(page, 'failure-fr')) expect(existsSync(path)).toBe(true);
    expect(await page.locator('body').textContent()).not.toContain('alice');
    // Checking alice's domain as bob: refused, as if it did not exist, in French.
    await page.getByLabel('Noms de domaine').fill('alice.example.com');
    await page.getByRole('button', { name: 'Vérifier', exact: true }).click();
    // Refused as if it did not exist, in French, saying whom to ask.
    await expect
      .poll(() => page.locator('#doctor-result').textContent())
      .toMatch(/alice\.example\.com ne fait pas partie de vos domaines.*demandez à serein/);

    // The switch wins over the tenant's language, and is remembered; typed values are kept.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Write a greeting' }).first().waitFor();
    expect(await page.getByLabel('name', { exact: true }).inputValue()).toBe('bob');
    expect(await page.getByRole('button', { name: 'English' }).getAttribute('aria-pressed')).toBe('true');
    // The list of requests is read again in the new language once the rest is drawn: waited for, not assumed.
    await expect.poll(() => page.locator('#jobs li.job').first().textContent()).toMatch(/Write a greeting\s*not done/);
    // The domain check on screen is asked again in the new language.
    await expect
      .poll(() => page.locator('#doctor-result').textContent())
      .toMatch(/alice\.example\.com is not one of your domains/);
    await page.reload();
    await page.getByRole('heading', { name: 'Write a greeting' }).waitFor();
    expect((await stored(page)).local).toEqual({ 'serein.language': 'en' });
  });

  it('checks a domain: each check with its status, what it means and the fix', async () => {
    const page = await openPage();
    await signIn(page, alice);
    await page.getByLabel('Domain names').fill('alice.example.com');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const summary = page.locator('#doctor-result .summary');
    await summary.waitFor();
    expect(await summary.textContent()).toBe('Something needs fixing before these names can be secured (HTTPS).');
    const items = page.locator('#doctor-result li.check-item');
    expect(await items.count()).toBeGreaterThanOrEqual(3);
    // Problems first, each with its status in words (not only a colour) and its fix.
    const first = items.first();
    expect(await first.locator('.badge').textContent()).toBe('Problem');
    expect(await first.textContent()).toMatch(/no answer/);
    expect(await first.locator('.fix-line').textContent()).toMatch(/^Fix: \S/);
    expect(await items.locator('.badge', { hasText: 'OK' }).count()).toBeGreaterThanOrEqual(1);
    expect(await items.filter({ hasText: 'alice.example.com is a valid domain name' }).count()).toBe(1);
    expect(await noSideScroll(page)).toBeLessThanOrEqual(WIDTH);
  });

  it('signs out: the token is forgotten, even after a reload', async () => {
    const page = await openPage();
    await signIn(page, alice);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect((await stored(page)).session).toEqual({});
    await page.reload();
    await page.getByLabel('Access token').waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(await page.locator('body').textContent()).not.toContain('alice.example.com');
  });
});
