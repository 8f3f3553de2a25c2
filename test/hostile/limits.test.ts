import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { eventually, labNginxTest, labWebserver, playbooksCopy, uniq } from '../helpers/vhost-lab.js';
import { useLab, type LabInfo } from '../lab/client.js';

// A hostile client: guesses tokens, floods submissions and diagnoses, piles up jobs and
// sites, and sends bodies too large or not JSON. Limits are small and windows long, so
// the test counts answers and never depends on time.
const FAILED_AUTH = 5;
const JOBS = 5;

/** A client operation that runs until the test opens its gate (a file): a job that is surely "running". */
const GATE_PLAYBOOK = `name: limits.gate
title: { en: Wait for the gate, fr: Attendre la porte }
description: { en: Runs until a file appears., fr: Tourne jusqu'à ce qu'un fichier apparaisse. }
allowed: [admin, client]
resource: "gate:{{ inputs.gate }}"
inputs:
  gate: { type: path }
steps:
  - id: wait
    action: program.run
    with: { target: local, timeoutSeconds: 120, argv: [sh, -c, 'while [ ! -e "$1/open" ]; do sleep 0.02; done', sh, "{{ inputs.gate }}"] }
`;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** One request from a chosen loopback address (127.0.0.2 is another client than 127.0.0.1). */
function send(
  url: string,
  o: {
    method?: string;
    path: string;
    from?: string;
    token?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(o.path, url);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: o.method ?? 'GET',
        localAddress: o.from ?? '127.0.0.1',
        agent: false,
        headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

describe('hostile client: limits and quotas', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let dir: string;
  let playbooks: string;
  const logLines: string[] = [];
  const gates: string[] = [];
  const gate = () => {
    const g = join(dir, 'gates', uniq('g'));
    mkdirSync(g, { recursive: true });
    gates.push(g);
    return g;
  };
  const open = (g: string) => writeFileSync(join(g, 'open'), '');

  beforeAll(async () => {
    lab = await useLab('nginx');
    dir = mkdtempSync(join(tmpdir(), 'serein-limits-'));
    playbooks = playbooksCopy();
    writeFileSync(join(playbooks, 'limits.gate.yaml'), GATE_PLAYBOOK);
    // The daemon's own log, kept to look for stack traces and leaked tokens.
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    d = await startTestDaemon({
      playbooksDir: playbooks,
      logger,
      config: {
        webservers: { web: labWebserver(lab.nginx!, dir) },
        databases: { maria: { engine: 'mariadb', host: '127.0.0.1', port: 1, user: 'root' } },
        limits: {
          failedAuth: { max: FAILED_AUTH, windowSeconds: 3600 },
          jobs: { max: JOBS, windowSeconds: 3600 },
          doctorNames: { max: 100, windowSeconds: 3600 },
        },
        quotas: { runningJobs: 1, vhosts: 1, databases: 1, tenants: {} },
      },
    });
  });

  afterAll(async () => {
    for (const g of gates) writeFileSync(join(g, 'open'), '');
    if (d) await d.stop();
    if (lab?.nginx) expect(labNginxTest(lab.nginx).ok).toBe(true);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (playbooks) rmSync(playbooks, { recursive: true, force: true });
  });

  it('refuses an address that keeps sending bad tokens: 429 with Retry-After, one audit line, one alert, and good tokens still work, from that address too', async () => {
    const client = await d.tenant(uniq('t'), { language: 'fr' });
    const badToken = `srn_c_${uniq('guess')}${'x'.repeat(30)}`;
    const burst = await Promise.all(
      Array.from({ length: 40 }, () => send(d.url, { path: '/v1/jobs', from: '127.0.0.2', token: badToken })),
    );
    expect(count(burst, 401)).toBe(FAILED_AUTH);
    expect(count(burst, 429)).toBe(40 - FAILED_AUTH);
    const refused = burst.find((a) => a.status === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.error.code).toBe('too_many_failed_tokens');
    expect(refused.body.error.message).toBe('Too many requests with a token that is not valid came from your address.');
    expect(refused.body.error.hint).toMatch(/^Try again in about \d+ minutes with a valid token/);

    // In the caller's language, and still refused.
    const fr = await send(d.url, {
      path: '/v1/jobs',
      from: '127.0.0.2',
      token: badToken,
      headers: { 'accept-language': 'fr' },
    });
    expect(fr.status).toBe(429);
    expect(fr.body.error.message).toBe('Trop de demandes avec un jeton non valable sont venues de votre adresse.');
    // Valid tokens from that address are served: behind a reverse proxy every client has
    // its address, and one guesser must not lock them all out.
    expect((await send(d.url, { path: '/v1/jobs', from: '127.0.0.2', token: client.token })).status).toBe(200);
    expect((await send(d.url, { path: '/v1/audit?limit=1', from: '127.0.0.2', token: d.adminToken })).status).toBe(200);
    expect((await send(d.url, { path: '/v1/jobs', from: '127.0.0.2', token: badToken })).status).toBe(429);

    // Another address is not slowed: a good token works, a bad one gets the plain 401.
    const good = await send(d.url, { path: '/v1/jobs', from: '127.0.0.1', token: client.token });
    expect(good.status).toBe(200);
    expect((await send(d.url, { path: '/v1/jobs', from: '127.0.0.1', token: badToken })).status).toBe(401);
    expect((await d.api('GET', '/v1/jobs')).status).toBe(200);

    // One audit line and one alert for the whole burst (the audit is written before the refusal is sent).
    const audit = await d.api('GET', '/v1/audit?action=auth.address_refused');
    const lines = audit.body.entries.filter((e: any) => e.subject === 'address:127.0.0.2');
    expect(lines).toHaveLength(1);
    expect(lines[0].detail).toMatchObject({ address: '127.0.0.2', windowSeconds: 3600 });
    const alerts = await eventually(
      async () =>
        (await d.api('GET', '/v1/alerts?kind=auth_failures')).body.alerts.filter(
          (a: any) => a.subject === 'address:127.0.0.2',
        ),
      (a) => a.length > 0,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0].message).toMatch(/127\.0\.0\.2 sent more than 5 requests with a token that is not valid/);
    // The guessed token is a secret too: nowhere in the audit, the alerts or the log.
    expect(JSON.stringify(await d.store.audit.list({ limit: 10_000 }))).not.toContain(badToken);
    expect(JSON.stringify(await d.store.alerts.list())).not.toContain(badToken);
    expect(logLines.join('')).not.toContain(badToken);
  });

  it('gives a guesser holding a valid token no more guesses: its own token neither resets nor lowers the count', async () => {
    const mine = await d.tenant(uniq('g'));
    const answers: Answer[] = [];
    for (let i = 0; i < FAILED_AUTH * 3; i++) {
      expect((await send(d.url, { path: '/v1/jobs', from: '127.0.0.3', token: mine.token })).status).toBe(200);
      answers.push(
        await send(d.url, { path: '/v1/jobs', from: '127.0.0.3', token: `srn_c_${uniq('guess')}${'y'.repeat(30)}` }),
      );
    }
    expect(answers.map((a) => a.status)).toEqual([
      ...Array(FAILED_AUTH).fill(401),
      ...Array(FAILED_AUTH * 2).fill(429),
    ]);
  });

  it('limits job submissions per client token, not per admin nor per other client', async () => {
    const flood = await d.tenant(uniq('f'));
    const other = await d.tenant(uniq('o'));
    const submit = (token: string) =>
      send(d.url, {
        method: 'POST',
        path: '/v1/jobs',
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ playbook: 'no.such.operation' }),
      });
    const answers = await Promise.all(Array.from({ length: JOBS + 10 }, () => submit(flood.token)));
    expect(count(answers, 404)).toBe(JOBS);
    expect(count(answers, 429)).toBe(10);
    const refused = answers.find((a) => a.status === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.error).toMatchObject({
      code: 'rate_limited',
      message: 'You sent many requests in a short time, so this one was not taken.',
    });
    expect(refused.body.error.hint).toMatch(/Nothing was started/);
    expect((await submit(other.token)).status).toBe(404);
    const admin = await Promise.all(Array.from({ length: JOBS + 3 }, () => submit(d.adminToken)));
    expect(count(admin, 429)).toBe(0);
  });

  it('limits diagnosed names per client token', async () => {
    const c = await d.tenant(uniq('n'));
    const names = Array.from({ length: 100 }, (_, i) => `n${i}.not-mine.test`);
    const doctor = (domains: string[]) =>
      send(d.url, {
        method: 'POST',
        path: '/v1/doctor',
        token: c.token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domains }),
      });
    expect((await doctor(names)).status).toBe(404); // counted, then refused as not theirs: nothing was looked up
    const refused = await doctor(['one.not-mine.test']);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.error.code).toBe('rate_limited');
  });

  it('runs at most its quota of jobs at once per tenant, even from a parallel burst, and other tenants still run', async () => {
    const q = await d.tenant(uniq('q'));
    const r = await d.tenant(uniq('r'), { language: 'fr' });
    const g1 = gate();
    const submit = (token: string, g: string, lang = 'en') =>
      send(d.url, {
        method: 'POST',
        path: '/v1/jobs',
        token,
        headers: { 'content-type': 'application/json', 'accept-language': lang },
        body: JSON.stringify({ playbook: 'limits.gate', inputs: { gate: g } }),
      });
    // Four at once, each on its own lock: the quota (1) is counted and the job queued in one transaction.
    // (Four leave room under the token's limit of five submissions for the last one below.)
    const burst = await Promise.all([g1, gate(), gate(), gate()].map((g) => submit(q.token, g)));
    expect(count(burst, 202)).toBe(1);
    expect(count(burst, 429)).toBe(3);
    const refused = burst.find((a) => a.status === 429)!;
    expect(refused.body.error).toMatchObject({
      code: 'too_many_jobs',
      message: 'Your account already has 1 request in progress, the most it runs at once.',
    });
    const first = burst.find((a) => a.status === 202)!.body.job;
    await eventually(
      async () => (await d.api('GET', `/v1/jobs/${first.id}`)).body.job.status,
      (s) => s === 'running',
    );

    // Another tenant is not starved by q's flood, and admins are not limited.
    const g2 = gate();
    const theirs = await submit(r.token, g2, 'fr');
    expect(theirs.status).toBe(202);
    const g3 = gate();
    const admin = await submit(d.adminToken, g3);
    expect(admin.status).toBe(202);
    await eventually(
      async () => (await d.api('GET', `/v1/jobs/${theirs.body.job.id}`)).body.job.status,
      (s) => s === 'running',
    );
    const frRefused = await submit(r.token, gate(), 'fr');
    expect(frRefused.status).toBe(429);
    expect(frRefused.body.error.message).toBe(
      "Votre compte a déjà 1 demande en cours, le maximum qu'il peut lancer en même temps.",
    );

    // Once q's job is done, q may run another.
    open(g1);
    expect((await d.waitJob(first.id)).status).toBe('succeeded');
    const again = await submit(q.token, gate());
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    for (const g of [g2, g3]) open(g);
  });

  it("refuses a tenant's site past its quota on the real nginx, but not an admin's", async () => {
    const domain = `${uniq('s')}.test`;
    const t = uniq('v');
    const c = await d.tenant(t, { domains: [domain], servers: ['web'] });
    const firstSite = await d.runJob('vhost.create', { webserver: 'web', domain }, { token: c.token });
    expect(firstSite.status, JSON.stringify(firstSite.error)).toBe('succeeded');
    const second = await d.runJob('vhost.create', { webserver: 'web', domain: `shop.${domain}` }, { token: c.token });
    expect(second.status).toBe('failed');
    expect(second.error).toMatchObject({
      code: 'quota_exceeded',
      message: 'Your account already has 1 site, the most your plan allows.',
    });
    expect(second.error.detail).toBeUndefined();
    expect(readdirSync(lab.nginx!.vhostDir).some((f) => f.includes(`shop.${domain}`))).toBe(false);
    // Admins are not limited by tenant quotas.
    const byAdmin = await d.runJob('vhost.create', { webserver: 'web', domain: `shop.${domain}` });
    expect(byAdmin.status, JSON.stringify(byAdmin.error)).toBe('succeeded');
  });

  it("refuses a tenant's database past its tenant-wide quota before touching the server", async () => {
    const t = uniq('b');
    const c = await d.tenant(t, { servers: ['maria'] });
    // What an earlier database.create would have recorded.
    await d.store.tenants.putResource({
      kind: 'database',
      name: `maria:${t}_old`,
      tenantId: t,
      data: { server: 'maria', engine: 'mariadb', database: `${t}_old`, user: `${t}_old`, hosts: [] },
    });
    const job = await d.runJob('database.create', { server: 'maria', name: 'shop' }, { token: c.token, dryRun: true });
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'quota_exceeded',
      message: 'Your account already has 1 database, the most your plan allows.',
    });
  });

  it('answers a 2 MiB body with a clear 413 and no stack trace; bodies that are not JSON get a clear 415 or 400', async () => {
    const c = await d.tenant(uniq('p'), { language: 'fr' });
    const before = logLines.length;
    const big = Buffer.alloc(2 << 20, 'a');
    const body = Buffer.concat([Buffer.from('{"playbook":"'), big, Buffer.from('"}')]);
    const json = { 'content-type': 'application/json' };
    const tooLarge = await send(d.url, { method: 'POST', path: '/v1/jobs', token: c.token, headers: json, body });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toMatchObject({
      code: 'body_too_large',
      message: 'La demande dépasse la taille maximale acceptée (1\u00a0Mo).',
    });
    const en = await send(d.url, { method: 'POST', path: '/v1/jobs', token: d.adminToken, headers: json, body });
    expect(en.status).toBe(413);
    expect(en.body.error.message).toBe('The request is larger than the 1\u00a0MB we accept.');
    const logged = logLines.slice(before).map((l) => JSON.parse(l));
    expect(logged.filter((l) => l.level >= 50 || JSON.stringify(l).includes('"stack"'))).toEqual([]);

    const post = (headers: Record<string, string>, b?: string) =>
      send(d.url, {
        method: 'POST',
        path: '/v1/jobs',
        token: c.token,
        headers: { 'accept-language': 'en', ...headers },
        body: b,
      });
    const plain = await post({ 'content-type': 'text/plain' }, 'playbook=vhost.create');
    expect(plain.status).toBe(415);
    expect(plain.body.error).toMatchObject({
      code: 'unsupported_media_type',
      message: 'The request must be sent as JSON.',
    });
    expect((await post({}, '{"playbook":"vhost.create"}')).status).toBe(415);
    const broken = await post(json, '{"playbook": "vhost.create",');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({ code: 'invalid_json', message: 'The request body is not valid JSON.' });
    const frBroken = await post({ ...json, 'accept-language': 'fr' }, '{');
    expect(frBroken.body.error.message).toBe('Le corps de la demande n’est pas du JSON valide.');
    expect(logLines.slice(before).filter((l) => l.includes('"stack"'))).toEqual([]);
  });
});
