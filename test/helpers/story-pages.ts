import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tempDir } from './tmp.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
export const PHONE = { width: 360, height: 780 };
export const DESKTOP = { width: 1280, height: 800 };

/** Text as read, French non-breaking spaces as plain ones. */
export const plain = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');

/** A browser for the conversation walks: signed-in tabs, page reads with screenshots, and every script error seen. */
export interface StoryPages {
  /** One signed-in tab: a phone or a desktop, speaking `lang` (chosen with the page's switch, kept for reloads). */
  tab(token: string, lang: 'fr' | 'en', viewport: typeof PHONE): Promise<Page>;
  /**
   * Reads the page again (as a client coming back would), waits for it to be drawn, and keeps
   * screenshots: the first screen, the whole page, and the conversation or escalation it is about.
   */
  look(page: Page, name: string): Promise<string>;
  /** Page errors and console errors seen so far (none expected). */
  readonly problems: string[];
  /** The folder the screenshots go to. */
  readonly shots: string;
  close(): Promise<void>;
}

/** Debian's Chromium, headless; screenshots go to SEREIN_SCREENSHOTS (default: a temp folder named after `prefix`). */
export async function storyPages(url: () => string, prefix: string): Promise<StoryPages> {
  const shots = process.env.SEREIN_SCREENSHOTS ?? tempDir(prefix);
  mkdirSync(shots, { recursive: true });
  const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const problems: string[] = [];
  return {
    problems,
    shots,
    async tab(token, lang, viewport) {
      const context = await browser.newContext({ locale: lang === 'fr' ? 'fr-FR' : 'en-GB', viewport });
      await context.addInitScript(`localStorage.setItem('serein.language', ${JSON.stringify(lang)})`);
      const page = await context.newPage();
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
          problems.push(`console: ${msg.text()}`);
      });
      await page.goto(`${url()}/`);
      await page.locator('#token').fill(token);
      await page.locator('#token').press('Enter');
      await page.locator('#summary .summary-title').waitFor();
      return page;
    },
    async look(page, name) {
      await page.reload();
      await page.locator('#summary .summary-title').waitFor();
      if (await page.locator('#escalations-card').isVisible()) await page.locator('#escalations > *').first().waitFor();
      await page.screenshot({ path: join(shots, `${name}.png`) });
      await page.screenshot({ path: join(shots, `${name}-full.png`), fullPage: true });
      const about = page.locator('#sites article:has(.conversation), #notices .conversation, .escalation').first();
      if (await about.count()) await about.screenshot({ path: join(shots, `${name}-about.png`) });
      return plain(await page.locator('#app').innerText());
    },
    close: () => browser.close(),
  };
}
