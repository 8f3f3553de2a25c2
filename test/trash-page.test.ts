import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskUsageWatch } from '../src/watch/disk-usage.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { dropByPrefix } from './helpers/db-lab.js';
import { tempDir } from './helpers/tmp.js';
import { uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

/**
 * A French client on the page: the space its database uses in its words (« Espace
 * utilisé : … Mo »), a database deleted by mistake found in « Votre corbeille » and
 * restored in one click (the new password shown once works and the data is back), then a
 * copy refused over a name that exists, with another name offered and accepted.
 */

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const shots = process.env.SEREIN_SCREENSHOTS ?? tempDir('serein-trash-shots-');
let lab: LabInfo;
let d: TestDaemon;
let browser: Browser;
let token: string;
const tenant = uniq('tp');
const problems: string[] = [];

async function row(database: string, password: string): Promise<string> {
  const m = lab.mariadb!;
  const c = await mysql.createConnection({ host: m.host, port: m.port, user: database, password, database });
  try {
    const [rows] = await c.query('SELECT label FROM kept WHERE id = 7');
    return (rows as { label: string }[])[0]?.label ?? '(none)';
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  lab = await useLab('mariadb');
  const m = lab.mariadb!;
  d = await startTestDaemon({
    config: {
      databases: { maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password } },
      quotas: { tenants: { [tenant]: { diskBytes: 2_000_000_000 } } },
    },
  });
  token = (await d.tenant(tenant, { language: 'fr', servers: ['maria'] })).token;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await d?.stop();
  if (lab) await dropByPrefix(lab, [`${tenant}_`]);
});

async function open(): Promise<Page> {
  const page = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      problems.push(`console: ${msg.text()}`);
  });
  await page.goto(`${d.url}/`);
  await page.locator('#token').fill(token);
  await page.locator('#token').press('Enter');
  await page.locator('#trash p, #trash li').first().waitFor();
  return page;
}

describe('the trash on the page, in French', () => {
  it('shows the space used, and brings a deleted database back in one click; a taken name is offered another', async () => {
    const database = `${tenant}_boutique`;
    const made = await d.runJob('database.create', { server: 'maria', name: 'boutique' }, { token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    const c = await mysql.createConnection({
      host: lab.mariadb!.host,
      port: lab.mariadb!.port,
      user: database,
      password: made.result.password,
      database,
    });
    await c.query('CREATE TABLE kept (id INT PRIMARY KEY, label VARCHAR(40))');
    await c.query("INSERT INTO kept VALUES (7, 'commande 1042 ✓')");
    await c.end();
    await new DiskUsageWatch(d.daemon.engine.services).pass();
    expect(
      (await d.runJob('database.delete', { server: 'maria', name: 'boutique', confirm: database }, { token })).status,
    ).toBe('succeeded');

    const page = await open();
    expect(await page.locator('#usage').textContent()).toMatch(/Espace utilisé\u00a0: \d+(,\d)?\u00a0(Ko|Mo)/);
    expect(await page.locator('#usage').textContent()).toMatch(/sur les 2\u00a0Go de votre offre/);
    const line = page.locator('#trash li', { hasText: database });
    expect(await line.textContent()).toMatch(
      /^La base de données \S+, supprimée le \d{1,2} [a-zéû]+ \d{4} \(\d+(,\d)?\u00a0(o|Ko|Mo)\), gardée jusqu’au \d{1,2} [a-zéû]+ \d{4}\./,
    );
    await page.screenshot({ path: join(shots, 'fr-1-trash.png'), fullPage: true });

    await line.getByRole('button', { name: 'Restaurer' }).click();
    const secret = line.locator('.secret-value');
    await secret.waitFor({ timeout: 60_000 });
    expect(await row(database, (await secret.textContent())!)).toBe('commande 1042 ✓');
    await page.screenshot({ path: join(shots, 'fr-2-restored.png'), fullPage: true });

    // Deleted again, the name taken by a new database: the copy is not put over it, another name is offered.
    expect(
      (await d.runJob('database.delete', { server: 'maria', name: 'boutique', confirm: database }, { token })).status,
    ).toBe('succeeded');
    expect((await d.runJob('database.create', { server: 'maria', name: 'boutique' }, { token })).status).toBe(
      'succeeded',
    );
    await page.reload();
    await page.locator('#trash li, #token:visible').first().waitFor();
    if (await page.locator('#token').isVisible()) {
      await page.locator('#token').fill(token);
      await page.locator('#token').press('Enter');
    }
    const again = page
      .locator('#trash li', { hasText: database })
      .filter({ has: page.getByRole('button', { name: 'Restaurer' }) })
      .first();
    await again.waitFor();
    await again.getByRole('button', { name: 'Restaurer' }).click();
    await again.locator('.other-name').waitFor({ timeout: 60_000 });
    expect(await again.textContent()).toMatch(
      /Choisissez un autre nom pour restaurer cette base\u00a0: «\u00a0\S+\u00a0» existe déjà/,
    );
    expect(await again.locator('.other-name input').inputValue()).toBe('boutique_old');
    await page.screenshot({ path: join(shots, 'fr-3-name-taken.png'), fullPage: true });
    await again.getByRole('button', { name: 'Restaurer sous ce nom' }).click();
    const secret2 = again.locator('.secret-value');
    await secret2.waitFor({ timeout: 60_000 });
    expect(await row(`${tenant}_boutique_old`, (await secret2.textContent())!)).toBe('commande 1042 ✓');
    await page.screenshot({ path: join(shots, 'fr-4-restored-as.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
