/**
 * Requests in the client's own words, through the API against a real daemon, the lab's
 * Pebble and nginx: "charger un SSL" proposes a certificate for the client's site and,
 * once confirmed, issues it; "mettre le https" with two sites asks which one; "plus de
 * mémoire" is handed to a person (an alert of kind request-handoff); another tenant's
 * name reads exactly like a name that does not exist. Nothing runs before confirmation.
 */
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';
import { requestClassifier } from '../src/requests/classifier.js';
import { understand, type ClientThings } from '../src/requests/understand.js';

let lab: LabInfo;
let d: TestDaemon;
const h = randomBytes(3).toString('hex');
const mine = { id: `r${h}`, domain: `boutique${h}.test` };
const other = { id: `o${h}`, domain: `secret${h}.test` };
const tokens: Record<string, string> = {};
const site = mine.domain;
const blog = `blog.${mine.domain}`;

beforeAll(async () => {
  lab = await useLab('pebble');
  d = await startTestDaemon({ config: labCertConfig(lab, tempDir('serein-requests-')) });
  tokens.mine = (await d.tenant(mine.id, { language: 'fr', domains: [mine.domain], servers: ['lab'] })).token;
  tokens.other = (await d.tenant(other.id, { language: 'en', domains: [other.domain], servers: ['lab'] })).token;
  for (const [domain, token] of [
    [site, tokens.mine],
    [`shop.${other.domain}`, tokens.other],
  ]) {
    const job = await d.runJob('vhost.create', { webserver: 'lab', domain, aliases: [] }, { token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
  }
});

afterAll(async () => {
  await d?.stop();
});

const ask = (text: string, token = tokens.mine, extra: Record<string, unknown> = {}) =>
  d.api('POST', '/v1/requests', { token, body: { text, ...extra } });
const jobCount = async () => (await d.api('GET', '/v1/jobs?limit=100')).body.jobs.length;

describe('requests in words', () => {
  it('"je voudrais charger un SSL sur boutique…" proposes a certificate for that site, runs nothing, and issues it once confirmed', async () => {
    const before = await jobCount();
    const res = await ask(`je voudrais charger un SSL sur ${site}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      status: 'proposal',
      intent: 'certificate.issue',
      language: 'fr',
      proposal: { playbook: 'certificate.issue', inputs: { domains: [site] } },
    });
    expect(res.body.confidence).toBeGreaterThan(0.45);
    expect(res.body.sentence).toMatch(new RegExp(`^Je vais sécuriser ${site.replace(/\./g, '\\.')} en HTTPS`));
    expect(await jobCount()).toBe(before); // understood, not run
    // A typo in the name still finds the site.
    const typo = await ask(`securiser ${site.replace('boutique', 'boutqiue')} svp`);
    expect(typo.body.proposal?.inputs).toEqual({ domains: [site] });
    // The client's one click: the proposal submitted as it is.
    const job = await d.runJob(res.body.proposal.playbook, res.body.proposal.inputs, { token: tokens.mine });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result.authority).toBe('pebble');
    expect(labNginxTest(lab).ok).toBe(true);
  });

  it('"mettre le https" with two sites asks which one, each choice a proposal to confirm', async () => {
    const job = await d.runJob('vhost.create', { webserver: 'lab', domain: blog, aliases: [] }, { token: tokens.mine });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const res = await ask('mettre le https');
    expect(res.body).toMatchObject({ status: 'question', intent: 'certificate.issue', question: { field: 'site' } });
    expect(res.body.sentence).toBe(`Quel site\u00a0: ${blog} ou ${site}\u00a0?`);
    expect(res.body.question.choices.map((c: any) => c.proposal.inputs.domains[0]).sort()).toEqual([blog, site].sort());
    // Named by a word of it, it is not asked.
    expect((await ask('le cadenas sur le blog svp')).body.proposal?.inputs).toEqual({ domains: [blog] });
    expect(labNginxTest(lab).ok).toBe(true);
  });

  it('"j\'ai besoin de plus de mémoire" is handed to a person, with the words, and frustration is flagged', async () => {
    const res = await ask("j'ai besoin de plus de mémoire");
    expect(res.body).toMatchObject({ status: 'handoff', intent: 'human', language: 'fr', frustrated: false });
    expect(res.body.proposal).toBeUndefined();
    expect(res.body.sentence).toMatch(/une personne de notre équipe va s'en occuper/);
    const angry = await ask(`ça ne marche toujours pas sur ${site}, c'est urgent`);
    expect(angry.body.frustrated).toBe(true);
    const alerts = (await d.api('GET', '/v1/alerts?kind=request-handoff')).body.alerts;
    const memory = alerts.find((a: any) => a.detail?.text === "j'ai besoin de plus de mémoire");
    expect(memory).toMatchObject({
      kind: 'request-handoff',
      tenantId: mine.id,
      subject: 'request',
      detail: { language: 'fr', frustrated: false },
    });
    expect(alerts.find((a: any) => a.detail?.frustrated === true)).toMatchObject({ tenantId: mine.id, subject: site });
    // A client does not read the admin feed.
    expect((await d.api('GET', '/v1/alerts', { token: tokens.mine })).status).toBe(404);
  });

  it("a site on a domain not on the account yet goes to a person (account) who gets the site to create; another tenant's domain reads the same", async () => {
    const wanted = `nouveau${h}.test`;
    const res = await ask(`Bonjour, pouvez-vous me créer un site pour ${wanted} ? Merci`);
    expect(res.body).toMatchObject({ status: 'handoff', topic: 'account', intents: ['vhost.create'] });
    expect(res.body.sentence).toMatch(
      new RegExp(`^${wanted.replaceAll('.', '\\.')} n'est pas encore sur votre compte`),
    );
    expect(res.body.sentence).not.toMatch(/quel domaine/i);
    // The escalation carries what the client wanted: the admin adds the domain, then runs it in one click.
    const alerts = (await d.api('GET', '/v1/alerts?kind=request-handoff')).body.alerts;
    const alert = alerts.find((a: any) => String(a.detail?.text).includes(wanted));
    expect(alert).toMatchObject({
      tenantId: mine.id,
      detail: { topic: 'account', proposal: { playbook: 'vhost.create', inputs: { domain: wanted } } },
    });
    const escalations = (await d.api('GET', `/v1/escalations?tenant=${mine.id}`)).body.escalations;
    const e = escalations.find((x: any) => JSON.stringify(x).includes(wanted));
    expect(e?.suggestion).toMatchObject({ playbook: 'vhost.create', inputs: { domain: wanted } });
    // Another tenant's domain is answered exactly as one nobody has: nothing of theirs shows.
    const theirs = await ask(`Bonjour, pouvez-vous me créer un site pour ${other.domain} ? Merci`);
    expect(JSON.stringify(theirs.body).replaceAll(other.domain, 'X')).toBe(
      JSON.stringify(res.body).replaceAll(wanted, 'X'),
    );
  });

  it("another tenant's name reads exactly like a name that does not exist", async () => {
    const theirs = `shop.${other.domain}`;
    const unknown = `shop.nothing${h}.test`;
    const a = await ask(`mettre un ssl sur ${theirs}`);
    const b = await ask(`mettre un ssl sur ${unknown}`);
    expect(a.status).toBe(200);
    expect(JSON.stringify(a.body).replaceAll(theirs, 'X')).toBe(JSON.stringify(b.body).replaceAll(unknown, 'X'));
    // Beyond the name the client wrote, nothing of the other tenant.
    const rest = JSON.stringify(a.body).replaceAll(theirs, 'X');
    expect(rest).not.toContain(other.id);
    expect(rest).not.toContain(other.domain);
    // A domain that is not the client's (theirs or nobody's, alike): a person adds it first, nothing is done on it.
    expect(a.body).toMatchObject({ status: 'handoff', topic: 'account' });
    // A client cannot ask on another tenant's behalf either.
    expect((await ask('mettre le https', tokens.mine, { tenant: other.id })).status).toBe(404);
  });

  it('admins name the tenant, and get proposals with its inputs', async () => {
    expect((await ask('une base pour wordpress', d.adminToken)).status).toBe(400);
    const res = await ask('mettre le https sur le blog', d.adminToken, { tenant: mine.id });
    expect(res.body.proposal).toMatchObject({ playbook: 'certificate.issue', inputs: { domains: [blog] } });
    const other404 = await ask('https', d.adminToken, { tenant: `n${h}` });
    expect(other404.status).toBe(404);
  });
});

describe('requests in words, on the client page (Chromium)', () => {
  it('"mettre le https" asks which site; the choice shows what will be done; one click secures it', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
    try {
      const page = await (await browser.newContext({ locale: 'fr-FR' })).newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      const consoleErrors: string[] = [];
      page.on('console', (msg) => void (msg.type() === 'error' && consoleErrors.push(msg.text())));
      await page.goto(`${d.url}/`);
      // The page's modules may take a while on a machine busy with the rest of the suite; a page that never starts says why.
      await page
        .locator('#sign-in')
        .waitFor({ state: 'visible', timeout: 90_000 })
        .catch((err: Error) => {
          throw new Error(
            `the sign-in form never showed: ${err.message}; page errors: ${problems.join(' | ')}; console: ${consoleErrors.join(' | ')}`,
          );
        });
      await page.locator('#token').fill(tokens.mine);
      await page.locator('#token').press('Enter');
      await page.locator('#ask-text').waitFor();
      expect(await page.locator('#ask-title').textContent()).toMatch(/^De quoi avez-vous besoin/);
      await page.locator('#ask-text').fill('mettre le https');
      await page.locator('#ask-form button[type=submit]').click();
      await page.locator('#ask-result .ask-choices button').first().waitFor();
      expect(await page.locator('#ask-result .ask-sentence').textContent()).toMatch(/^Quel site/);
      const before = (await d.api('GET', '/v1/jobs?limit=100')).body.jobs.length;
      await page.locator('#ask-result .ask-choices button', { hasText: blog }).click();
      expect(await page.locator('#ask-result .ask-sentence').textContent()).toMatch(
        new RegExp(`^Je vais sécuriser ${blog.replace(/\./g, '\\.')}`),
      );
      expect((await d.api('GET', '/v1/jobs?limit=100')).body.jobs.length).toBe(before); // nothing ran yet
      await page.getByRole('button', { name: 'Oui, faites-le' }).click();
      await page.locator('#ask-result .outcome.st-succeeded').waitFor({ timeout: 60_000 });
      const certs = (await d.api('GET', `/v1/certificates?name=${blog}`, { token: tokens.mine })).body.certificates;
      expect(certs.map((c: any) => c.status)).toContain('active');
      expect(problems).toEqual([]);
      expect(labNginxTest(lab).ok).toBe(true);
    } finally {
      await browser.close();
    }
  }, 150_000);
});

describe('what the words ask, never the opposite (the engine, no daemon)', () => {
  const client: ClientThings = {
    sites: ['boutique.fr', 'blog.exemple.fr'],
    domains: ['boutique.fr', 'exemple.fr'],
    webservers: ['main'],
    databaseServers: ['maria', 'pg'],
    databaseEngines: { maria: 'mariadb', pg: 'postgres' },
    databases: [
      { name: 'boutique_wp', server: 'maria', full: 't1_boutique_wp' },
      { name: 'clients', server: 'pg', full: 't1_clients' },
      { name: 'test_old', server: 'maria', full: 't1_test_old' },
    ],
    certificates: { 'boutique.fr': '0c6f2a4e-1b7d-4c3a-9e51-6d2f8a9b0c11' },
  };
  const read = (text: string, language: 'en' | 'fr' = 'en') =>
    understand(requestClassifier(), text, client, { language });

  it('a removal is proposed only when asked, a create never for a removal, and a negated removal removes nothing', () => {
    expect(read('supprimer la base clients').proposal).toMatchObject({
      playbook: 'database.delete',
      inputs: { server: 'pg', name: 'clients' },
      typeToConfirm: { input: 'confirm', value: 't1_clients' },
    });
    expect(read('drop the old test database please').proposal?.inputs).toEqual({ server: 'maria', name: 'test_old' });
    const negated = read('ne supprimez pas mon site, renouvelez le certificat de boutique.fr', 'fr');
    expect(negated.intents).toEqual(['certificate.renew']);
    expect(negated.proposal?.inputs).toEqual({
      site: 'boutique.fr',
      certificate: '0c6f2a4e-1b7d-4c3a-9e51-6d2f8a9b0c11',
    });
    expect(JSON.stringify(read('please do not remove my blog'))).not.toMatch(/vhost\.delete|vhost\.create/);
    expect(JSON.stringify(read('mon site a été supprimé par erreur', 'fr'))).not.toMatch(/delete|create/);
    expect(read('remove the site blog.exemple.fr').proposal).toMatchObject({
      playbook: 'vhost.delete',
      inputs: { domain: 'blog.exemple.fr' },
      typeToConfirm: { value: 'blog.exemple.fr', input: 'confirm' },
    });
  });

  it("names come from explicit naming or the client's things, never a filler word; the engine named chooses the server", () => {
    expect(read('new db, name it inventory, thanks').proposal?.inputs).toEqual({ server: 'maria', name: 'inventory' });
    expect(read('a postgres database named orders please').proposal?.inputs).toEqual({ server: 'pg', name: 'orders' });
    expect(read("create a PostgreSQL db called 'stats'").proposal?.inputs).toEqual({ server: 'pg', name: 'stats' });
    for (const text of [
      'I need a database thx',
      'il me faut une base mysql, merci',
      'je veux une base svp',
      'give me a database for it',
    ]) {
      const u = read(text);
      expect(u.status, text).toBe('question');
      expect(u.question?.field, text).toBe('name');
    }
  });

  it('reads the whole message, two requests in one, a diagnosis and a topic for a person', () => {
    const polite = `Bonjour, ${'merci encore pour votre aide de la dernière fois, tout va bien chez nous. '.repeat(5)}Pourriez-vous mettre le https sur boutique.fr ? Merci, Claire`;
    expect(read(polite, 'fr').proposal).toMatchObject({
      playbook: 'certificate.issue',
      inputs: { domains: ['boutique.fr'] },
    });
    const two = read('un site pour news.exemple.fr et une base appelée agenda', 'fr');
    expect(two.intents).toEqual(['vhost.create', 'database.create']);
    expect(two.proposals?.map((p) => p.inputs)).toEqual([
      { domain: 'news.exemple.fr', webserver: 'main' },
      { server: 'maria', name: 'agenda' },
    ]);
    // A site and a database for an application: the environment that makes both, asked once.
    const wordpress = read('un site pour news.exemple.fr et une base pour wordpress', 'fr');
    expect(wordpress.intents).toEqual(['site.environment']);
    expect(wordpress.proposal).toMatchObject({ playbook: 'site.environment', inputs: { domain: 'news.exemple.fr' } });
    expect(read('boutique.fr is down')).toMatchObject({ status: 'diagnosis', diagnose: { site: 'boutique.fr' } });
    expect(read('check my dns for boutique.fr')).toMatchObject({
      status: 'diagnosis',
      diagnose: { site: 'boutique.fr' },
    });
    expect(read('why was I billed twice this month')).toMatchObject({ status: 'handoff', topic: 'billing' });
    expect(read("j'ai besoin de plus de mémoire", 'fr')).toMatchObject({ status: 'handoff', topic: 'storage' });
  });
});
