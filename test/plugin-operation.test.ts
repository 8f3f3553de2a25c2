/**
 * A provider's operation costs three files (README "How it is built"): its playbook, its
 * action module and its words file. test/fixtures/plugin-kind's mailbox.create, put in the
 * playbooks folder beside serein's own as a provider would, gets its card on the page, its
 * proposal from a request in words, its email notice and its errors, in English and French,
 * with nothing of it written in src/.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { chromium, type Browser } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { until } from './helpers/until.js';
import { tempDir } from './helpers/tmp.js';
import { mailboxFile } from './fixtures/plugin-kind/mailbox.action.js';

const fixture = resolve(import.meta.dirname, 'fixtures/plugin-kind');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'];
const shots = process.env.SEREIN_SCREENSHOTS ?? tempDir('serein-plugin-op-shots-');
const hex = () => randomBytes(3).toString('hex');
const alice = { id: `a${hex()}`, domain: `alice-${hex()}.test`, language: 'en', email: 'alice@mail.test' };
const bob = { id: `b${hex()}`, domain: `bob-${hex()}.test`, language: 'fr', email: 'bob@mail.test' };
const tokens: Record<string, string> = {};
const received: ParsedMail[] = [];
const problems: string[] = [];
/** The page's address in the emails: any, the test does not follow it. */
const PAGE = 'https://panel.hosting.test/';

let d: TestDaemon;
let smtp: SMTPServer;
let browser: Browser;

beforeAll(async () => {
  // The provider's playbooks folder: serein's own, and the mailbox's playbook and words beside them.
  const playbooks = tempDir('serein-plugin-op-');
  cpSync(resolve(import.meta.dirname, '../playbooks'), playbooks, { recursive: true });
  for (const f of readdirSync(join(fixture, 'playbooks'))) cpSync(join(fixture, 'playbooks', f), join(playbooks, f));
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      simpleParser(stream)
        .then((mail) => void received.push(mail))
        .then(() => cb(), cb);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const port = (smtp.server.address() as { port: number }).port;
  d = await startTestDaemon({
    playbooksDir: playbooks,
    config: {
      plugins: [join(fixture, 'mailbox.kind.ts'), join(fixture, 'mailbox.action.ts')],
      mail: { host: '127.0.0.1', port, secure: false, from: 'Hosting <support@hosting.test>', pageUrl: PAGE },
    },
  });
  for (const t of [alice, bob]) {
    const made = await d.api('POST', '/v1/tenants', {
      body: { id: t.id, name: `Tenant ${t.id}`, language: t.language, email: t.email },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    await d.api('POST', `/v1/tenants/${t.id}/resources`, { body: { kind: 'domain', name: t.domain } });
    tokens[t.id] = (await d.api('POST', '/v1/tokens', { body: { kind: 'client', tenantId: t.id } })).body.token;
  }
  // The model learns the mailbox's phrasings in the background at start (this folder is not serein's own; serein's model answers meanwhile): waited for here, not in a page's wait.
  await until(
    async () =>
      // Asked as an admin for alice: a client's token may ask 30 a minute, and a busy machine polls longer than that.
      (await d.api('POST', '/v1/requests', { body: { text: 'create a mailbox', tenant: alice.id } })).body.intent ===
        'mailbox.create' || undefined,
    180_000,
    "the model of the provider's words",
  );
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await d?.stop();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
});

/** Text as the page shows it, French non-breaking spaces read as plain ones. */
const plain = (s: string | null | undefined) => (s ?? '').replace(/\u00a0/g, ' ');

describe("a provider's operation, from its playbook, action and words file", () => {
  it("has its card and its words on the page, in the caller's language", async () => {
    const en = (await d.api('GET', '/v1/playbooks', { token: tokens[alice.id] })).body.playbooks;
    expect(en.find((p: any) => p.name === 'mailbox.create')).toMatchObject({
      title: 'Create a mailbox',
      words: { label: 'create a mailbox', button: 'Create the mailbox', done: 'Mailbox created' },
    });
    const fr = (await d.api('GET', '/v1/playbooks', { token: tokens[bob.id] })).body.playbooks;
    expect(fr.find((p: any) => p.name === 'mailbox.create').words.done).toBe('Boîte mail créée');

    for (const [who, viewport, card, text, sentence, done] of [
      [
        alice,
        { width: 1280, height: 900 },
        'Create a mailbox',
        `create a mailbox hello@${alice.domain}`,
        `I will create the mailbox hello@${alice.domain}. Confirm to start.`,
        `The mailbox hello@${alice.domain} is ready.`,
      ],
      [
        bob,
        { width: 360, height: 780 },
        'Créer une boîte mail',
        `créer une boîte mail bonjour@${bob.domain}`,
        `Je vais créer la boîte mail bonjour@${bob.domain}. Confirmez pour lancer.`,
        `La boîte mail bonjour@${bob.domain} est prête.`,
      ],
    ] as const) {
      const context = await browser.newContext({ locale: who.language, viewport });
      const page = await context.newPage();
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      await page.goto(`${d.url}/`);
      await page.locator('#token').fill(tokens[who.id]);
      await page.locator('#token').press('Enter');
      await page.locator('#app-title').waitFor();
      await page.locator('#ops h3', { hasText: card }).waitFor();
      await page.locator('#ask-text').fill(text);
      await page.locator('#ask-form button[type=submit]').click();
      const proposal = page.locator('#ask-result .proposal').first();
      await page.locator('#ask-result .ask-sentence').first().waitFor({ timeout: 60_000 });
      expect(await page.locator('#ask-result').textContent()).toContain(sentence.slice(0, 10));
      expect(plain(await proposal.textContent())).toContain(sentence);
      await proposal.locator('button').first().click();
      const line = page.locator('.done-line');
      await line.waitFor({ timeout: 20_000 });
      expect(plain(await line.textContent())).toBe(done);
      await page.screenshot({ path: join(shots, `mailbox-${who.language}.png`), fullPage: true });
      await context.close();
    }
    expect(existsSync(mailboxFile(d.config.stateDir, `hello@${alice.domain}`))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('is proposed from a request in words, or asks for the address it needs, in both languages', async () => {
    const ask = (who: typeof alice, text: string) =>
      d.api('POST', '/v1/requests', { token: tokens[who.id], body: { text } }).then((r) => r.body);
    const en = await ask(alice, `I need a new mailbox for sales@${alice.domain}`);
    expect(en).toMatchObject({
      status: 'proposal',
      intent: 'mailbox.create',
      proposal: { playbook: 'mailbox.create', inputs: { address: `sales@${alice.domain}` } },
      sentence: `I will create the mailbox sales@${alice.domain}. Confirm to start.`,
    });
    const fr = await ask(bob, 'il me faut une nouvelle boîte mail');
    expect(fr).toMatchObject({ status: 'question', intent: 'mailbox.create', question: { field: 'address' } });
    expect(plain(fr.sentence)).toBe('Quelle adresse pour la boîte mail ? Par exemple contact@votre-domaine.');
    // A built-in operation is still understood beside it (handed to a person here: this client has no database server).
    expect((await ask(alice, 'I want a database for wordpress')).intents).toEqual(['database.create']);
  });

  it('says its errors in the client’s language', async () => {
    for (const [who, words] of [
      [alice, `The mailbox taken@${alice.domain} exists already.`],
      [bob, `La boîte mail taken@${bob.domain} existe déjà.`],
    ] as const) {
      const address = `taken@${who.domain}`;
      expect((await d.runJob('mailbox.create', { address }, { token: tokens[who.id] })).status).toBe('succeeded');
      const again = await d.runJob('mailbox.create', { address }, { token: tokens[who.id] });
      expect(again.status).toBe('failed');
      expect(again.error).toMatchObject({ code: 'mailbox_taken', message: words });
    }
  });

  it('tells the client by email, in their language, when it stopped half-way', async () => {
    for (const [who, subject, lead] of [
      [
        alice,
        `stuck@${alice.domain}: we are finishing a change by hand`,
        `We could not finish creating your mailbox stuck@${alice.domain} on`,
      ],
      [
        bob,
        `stuck@${bob.domain} : nous terminons une modification à la main`,
        `Nous n'avons pas pu terminer la création de votre boîte mail stuck@${bob.domain} le`,
      ],
    ] as const) {
      const job = await d.runJob('mailbox.create', { address: `stuck@${who.domain}` }, { token: tokens[who.id] });
      expect(job.status).toBe('needs-attention');
      const mail = await until(
        async () =>
          received.find((m) => m.to && JSON.stringify(m.to).includes(who.email) && plain(m.subject) === subject),
        30_000,
        `the email to ${who.email}`,
      );
      expect(plain(mail.text)).toContain(lead);
    }
  });
});
