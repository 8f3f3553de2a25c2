/**
 * The escalations on the page, in headless Chromium against a real daemon: an admin
 * signed in with an admin token sees the stuck client with their words and the operation
 * to run, takes it and clicks "Do it for them"; the client, signed in in French, then
 * reads on their page that it was done for them. No script error, no CSP violation.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

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

let d: TestDaemon;
let browser: Browser;
let carol: string;
const problems: string[] = [];

beforeAll(async () => {
  d = await startTestDaemon({
    playbooksDir: fixtures,
    config: { dns: { resolvers: ['127.0.0.1:9'], timeoutMs: 500 } },
  });
  carol = (await d.tenant('carol', { language: 'fr', servers: ['local'] })).token;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await d?.stop();
});

async function open(token: string, locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 360, height: 780 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      problems.push(`console: ${msg.text()}`);
  });
  await page.goto(`${d.url}/`);
  const field = page.locator('#token');
  await field.fill(token);
  await field.press('Enter');
  await page.locator('#app-title').waitFor();
  return page;
}

describe('escalations on the page', () => {
  it('an admin takes a stuck client and does it for them; the client reads that it was done', async () => {
    const dir = tempDir('serein-esc-page-');
    const e = await d.daemon.engine.services.escalations.signal(
      'carol',
      'operation:sample.write',
      [
        {
          at: new Date().toISOString(),
          kind: 'frustrated',
          message: 'A request serein could not understand',
          words: { text: 'ça ne marche toujours pas', language: 'fr' },
        },
      ],
      {
        summary: 'sample.write failed 3 times in 60 minutes',
        suggestion: {
          playbook: 'sample.write',
          inputs: { server: 'local', dir, name: 'greeting', message: 'bonjour' },
        },
      },
    );
    const admin = await open(d.adminToken, 'en-US');
    const card = admin.locator(`.escalation[data-id="${e.id}"]`);
    await card.waitFor();
    expect(await card.locator('q').textContent()).toBe('ça ne marche toujours pas');
    expect(await card.locator('code').textContent()).toContain('sample.write');
    await card.getByRole('button', { name: 'Take it' }).click();
    await card.getByText('Taken by').waitFor();
    expect((await d.api('GET', '/v1/escalations')).body.escalations[0]).toMatchObject({ id: e.id, state: 'taken' });
    await card.getByRole('button', { name: 'Do it for them' }).click();
    await card.getByText('Run for them').waitFor();
    // The job ends; the escalation is resolved by it, and the client's page says so in French.
    const [done] = await until(
      async () => {
        const list = (await d.api('GET', '/v1/escalations?state=resolved')).body.escalations.filter(
          (x: any) => x.done?.status === 'succeeded',
        );
        return list.length ? list : undefined;
      },
      60_000,
      'the escalation resolved by the job done for them',
    );
    expect(done.id).toBe(e.id);
    // A client page has no escalations card.
    const client = await open(carol, 'fr-FR');
    const notice = client.locator('#notices .notice-done');
    await notice.waitFor();
    expect(await notice.locator('.notice-title').textContent()).toContain("c'est réglé");
    expect(await client.locator('#escalations-card').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });
});
