import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certificateList,
  jobAnswer,
  jobDetail,
  jobList,
  kindList,
  me,
  playbookList,
  resourceList,
  tenantList,
  tokenList,
} from '../src/api/schemas.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';

/**
 * The API as an integrator reads it: an OpenAPI 3.1 document that validates, describes
 * every route with its inputs and outputs and marks the admin-only ones; a reference page
 * served by the daemon that loads nothing from elsewhere; validation answers in the
 * caller's language, every problem at once.
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

let d: TestDaemon;
let doc: any;
let client: string;
let clientFr: string;

beforeAll(async () => {
  d = await startTestDaemon({
    config: {
      webservers: {
        main: {
          target: 'local',
          vhostDir: '/nonexistent/sites',
          webRoot: '/nonexistent/www',
          logDir: '/nonexistent/log',
          certDir: '/nonexistent/certs',
          challengeRoot: '/nonexistent/acme',
        },
      },
    },
  });
  client = (await d.tenant('alice', { domains: ['alice.example.com'], servers: ['main'] })).token;
  clientFr = (await d.tenant('bruno', { language: 'fr', domains: ['bruno.example.com'], servers: ['main'] })).token;
  doc = (await d.api('GET', '/openapi.json', { token: null })).body;
});
afterAll(async () => {
  await d?.stop();
});

const operations = () =>
  Object.entries<Record<string, any>>(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and validates against its schema', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every API route; only the pages and their files are left out', () => {
    expect(
      d.daemon.api.undocumentedRoutes().filter((r) => !/ \/(docs|self-service)(\/|$)| \/$| \/openapi\.json$/.test(r)),
    ).toEqual([]);
    expect(operations().length).toBeGreaterThanOrEqual(20);
    for (const { path, method, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.summary, where).toBeTruthy();
      expect(op.tags, where).toHaveLength(1);
      // A success answer, with its schema unless it has no body.
      const success = Object.entries<any>(op.responses).filter(([s]) => /^2\d\d$/.test(s));
      expect(success.length, where).toBeGreaterThan(0);
      for (const [status, answer] of success)
        if (status !== '204')
          expect(Object.values<any>(answer.content ?? {})[0]?.schema, `${where} ${status}`).toBeTruthy();
      // Errors in the one shape.
      expect(op.responses.default.content['application/json'].schema.$ref, where).toBe('#/components/schemas/Error');
      // Every path parameter described.
      for (const [, name] of path.matchAll(/\{(\w+)\}/g))
        expect(
          op.parameters?.some((p: any) => p.in === 'path' && p.name === name && p.required),
          `${where} ${name}`,
        ).toBe(true);
    }
  });

  it('names the query parameters, with the job statuses a listing accepts', () => {
    const query = (path: string) =>
      Object.fromEntries(
        doc.paths[path].get.parameters.filter((p: any) => p.in === 'query').map((p: any) => [p.name, p.schema]),
      );
    expect(Object.keys(query('/v1/jobs')).sort()).toEqual(['cursor', 'ids', 'limit', 'playbook', 'status']);
    expect(query('/v1/jobs').status.enum).toEqual(['queued', 'running', 'succeeded', 'failed', 'needs-attention']);
    expect(query('/v1/certificates').status.enum).toContain('active');
    expect(Object.keys(query('/v1/audit'))).toEqual(
      expect.arrayContaining(['tenantId', 'action', 'since', 'afterId', 'limit']),
    );
    expect(Object.keys(query('/v1/resources')).sort()).toEqual(['cursor', 'kind', 'limit', 'tenantId']);
    expect(Object.keys(query('/v1/alerts')).sort()).toEqual(['afterId', 'cursor', 'kind', 'limit']);
    // Every list is paged: its answer names the next page's cursor (issue 12).
    for (const path of ['/v1/jobs', '/v1/certificates', '/v1/audit', '/v1/alerts', '/v1/resources']) {
      expect(Object.keys(query(path))).toEqual(expect.arrayContaining(['cursor', 'limit']));
      expect(JSON.stringify(doc.paths[path].get.responses['200'])).toContain('next');
    }
  });

  it('marks the admin-only operations, and a client token is told they do not exist', async () => {
    const marked = operations().filter(({ op }) => op['x-serein-admin-only']);
    expect(marked.map(({ path, method }) => `${method.toUpperCase()} ${path}`)).toEqual(
      expect.arrayContaining([
        'GET /metrics',
        'POST /v1/tenants',
        'GET /v1/tenants',
        'POST /v1/tokens',
        'GET /v1/tokens',
        'GET /v1/audit',
        'GET /v1/alerts',
      ]),
    );
    for (const { path, method, op } of marked) {
      expect(op.security, path).toEqual([{ bearer: [] }]);
      if (method !== 'get' || path.includes('{')) continue;
      const as = (token: string) =>
        fetch(d.url + path, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      expect(await as(client), path).toBe(404);
      expect(await as(d.adminToken), path).toBe(200);
    }
    for (const { path, op } of operations().filter(({ op }) => !op['x-serein-admin-only']))
      expect(op.security === undefined || op.security.length === 0, path).toBe(true);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });

  it('documents one request body per playbook, with its inputs', () => {
    const body = doc.paths['/v1/jobs'].post.requestBody.content['application/json'].schema;
    // The common fields stay listed (the fuzz run reads them), the alternatives beside them.
    expect(Object.keys(body.properties).sort()).toEqual(['dryRun', 'idempotencyKey', 'inputs', 'playbook']);
    expect(body.discriminator.propertyName).toBe('playbook');
    const names = [...d.daemon.engine.playbooks.keys()];
    expect(Object.keys(body.discriminator.mapping).sort()).toEqual(names.sort());
    expect(body.oneOf).toHaveLength(names.length);
    const vhost = doc.components.schemas['JobRequest.vhost.create'];
    expect(vhost.properties.playbook.const).toBe('vhost.create');
    expect(vhost.properties.inputs.additionalProperties).toBe(false);
    expect(vhost.properties.inputs.required).toEqual(expect.arrayContaining(['webserver', 'domain']));
    expect(vhost.properties.inputs.properties.domain).toMatchObject({
      type: 'string',
      'x-serein-input-type': 'domain',
      'x-serein-owned': true,
    });
    expect(vhost.properties.inputs.properties.aliases.oneOf.map((s: any) => s.type)).toEqual(['array', 'string']);
    const database = doc.components.schemas['JobRequest.database.create'];
    expect(database.properties.inputs.properties.tenant['x-serein-admin-only']).toBe(true);
  });

  it('names every operation once and gives it examples that fit its own schemas', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(
      ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id)),
      ids.join(' '),
    ).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/v1/jobs'].post.operationId).toBe('createJob');
    // Each example checked against the schema beside it, as a generated client would read it.
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const fits = (schema: object, value: unknown, where: string) => {
      const validate = ajv.compile({ ...schema, components: doc.components });
      expect(validate(value) ? [] : validate.errors, where).toEqual([]);
    };
    for (const { path, method, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      const body = op.requestBody?.content?.['application/json'];
      if (body) {
        expect(body.example, `${where}: request example`).toBeDefined();
        fits(body.schema, body.example, `${where} request`);
      }
      const [status, success] = Object.entries<any>(op.responses).find(([s]) => /^2\d\d$/.test(s))!;
      for (const [type, media] of Object.entries<any>(success.content ?? {})) {
        expect(media.example, `${where} ${status} ${type}: answer example`).toBeDefined();
        fits(media.schema, media.example, `${where} ${status}`);
      }
    }
  });

  it("names the events of a job's live stream", () => {
    const op = doc.paths['/v1/jobs/{id}/events'].get;
    expect(op['x-serein-events']).toEqual(['status', 'step', 'log', 'error', 'end']);
    for (const name of op['x-serein-events']) expect(op.description).toContain(`\`${name}\``);
    const example: string = op.responses['200'].content['text/event-stream'].example;
    for (const [, name] of example.matchAll(/^event: (\S+)$/gm)) expect(op['x-serein-events']).toContain(name);
  });

  it('says what the routes answer: real answers fit the documented schemas', async () => {
    const job = await d.api('POST', '/v1/jobs', {
      token: client,
      body: { playbook: 'vhost.create', inputs: { webserver: 'main', domain: 'shop.alice.example.com' }, dryRun: true },
    });
    expect(job.status).toBe(202);
    jobAnswer.parse(job.body);
    await d.waitJob(job.body.job.id, client);
    const listed = jobList.parse((await d.api('GET', '/v1/jobs', { token: client })).body);
    // A check only is marked as such in the listing.
    expect(listed.jobs.find((j) => j.id === job.body.job.id)?.dryRun).toBe(true);
    jobDetail.parse((await d.api('GET', `/v1/jobs/${job.body.job.id}`)).body);
    playbookList.parse((await d.api('GET', '/v1/playbooks', { token: client })).body);
    resourceList.parse((await d.api('GET', '/v1/resources')).body);
    kindList.parse((await d.api('GET', '/v1/resource-kinds', { token: client })).body);
    tenantList.parse((await d.api('GET', '/v1/tenants')).body);
    tokenList.parse((await d.api('GET', '/v1/tokens')).body);
    certificateList.parse((await d.api('GET', '/v1/certificates')).body);
    me.parse((await d.api('GET', '/self-service/me', { token: clientFr })).body);
  });
});

describe('the reference page at /docs', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it('is served by the daemon under a strict policy and loads nothing from elsewhere', async () => {
    const page0 = await fetch(`${d.url}/docs`);
    expect(page0.status).toBe(200);
    const csp = page0.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
      expect(csp).toContain(directive);
    const html = await page0.text();
    // Every script and stylesheet the HTML names is the daemon's own.
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(3);
    for (const a of assets) {
      expect(a).toMatch(/^\/docs\//);
      expect((await fetch(new URL(a, d.url))).status, a).toBe(200);
    }

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${d.url}/docs`);
    // The operations are rendered from the daemon's own document.
    await page.getByText('/v1/jobs/{id}/events').first().waitFor();
    expect(await page.getByText('Run an operation').count()).toBeGreaterThan(0);
    const origin = new URL(d.url).origin;
    expect(requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
    expect(requested.some((u) => u.endsWith('/docs/json'))).toBe(true);
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('validation', () => {
  it('answers in the caller’s language and names every problem at once', async () => {
    const body = { playbook: 42, dryRun: 'yes', extra: true };
    const fr = await d.api('POST', '/v1/jobs', { token: clientFr, body });
    expect(fr.status).toBe(400);
    expect(fr.body.error.message).toContain('« playbook » doit être du texte, pas un nombre');
    expect(fr.body.error.message).toContain('« dryRun » doit être true ou false, pas du texte');
    expect(fr.body.error.message).toContain('extra');
    // No English library text in a French answer.
    expect(JSON.stringify(fr.body)).not.toMatch(/Invalid|expected|received|Unrecognized/i);
    const en = await d.api('POST', '/v1/jobs', { token: client, body });
    expect(en.body.error.message).toContain('"playbook" must be text, not a number');
    expect(en.body.error.message).toContain('"dryRun" must be true or false, not text');
    const lost = await d.api('GET', '/nowhere', { token: clientFr });
    expect(lost.body.error).toMatchObject({
      code: 'not_found',
      message: 'Ce point d’accès n’existe pas : GET /nowhere',
    });
    const admin = await d.api('POST', '/v1/tokens', { headers: { 'accept-language': 'fr' }, body: { kind: 'client' } });
    expect(admin.status).toBe(400);
    expect(admin.body.error.message).toContain('un jeton client demande tenantId');
  });

  it('reports every invalid playbook input, not only the first, and lists each field', async () => {
    const res = await d.api('POST', '/v1/jobs', {
      token: clientFr,
      body: { playbook: 'vhost.create', inputs: { webserver: 'nowhere', domain: 'not a domain!', colour: 'blue' } },
    });
    expect(res.status).toBe(400);
    const { message, fields } = res.body.error;
    for (const named of ['colour', '« webserver »', '« domain »']) expect(message).toContain(named);
    expect(fields.map((f: any) => f.name).sort()).toEqual(['inputs.colour', 'inputs.domain', 'inputs.webserver']);
    for (const f of fields) expect(f.message, f.name).toMatch(/\p{L}/u);
  });

  it('lists each invalid field of a body with what it must be, an example instead of a pattern', async () => {
    const res = await d.api('POST', '/v1/tenants', {
      headers: { 'accept-language': 'fr' },
      body: { id: 'acme2', name: '', email: 'not an address', extra: 1 },
    });
    expect(res.status).toBe(400);
    const fields = Object.fromEntries(res.body.error.fields.map((f: any) => [f.name, f.message]));
    expect(Object.keys(fields).sort()).toEqual(['body', 'email', 'name']);
    expect(fields.email).toBe('doit ressembler à contact@example.com');
    expect(fields.name).toBe('doit faire au moins 1 caractère');
    for (const m of [res.body.error.message, ...Object.values<string>(fields)])
      expect(m).not.toMatch(/[\^$\\]|\(\?:|\[A-Z/);
    const en = await d.api('POST', '/v1/jobs', { token: client, body: { playbook: 42 } });
    expect(en.body.error.fields).toEqual([{ name: 'playbook', message: 'must be text, not a number' }]);
  });

  it('refuses an unknown job status, naming the valid ones', async () => {
    const res = await d.api('GET', '/v1/jobs?status=bogus');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(
      '"status" must be one of "queued", "running", "succeeded", "failed", "needs-attention"',
    );
    expect((await d.api('GET', '/v1/jobs?status=succeeded')).status).toBe(200);
  });

  it('keeps 415 for a body that is not JSON and 413 for one too large', async () => {
    const headers = { authorization: `Bearer ${d.adminToken}` };
    const text = await fetch(`${d.url}/v1/jobs`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: 'playbook=x',
    });
    expect(text.status).toBe(415);
    // No Content-Type at all: 415 too, said as such.
    const bare = await fetch(`${d.url}/v1/jobs`, {
      method: 'POST',
      headers: { ...headers, 'accept-language': 'fr' },
      body: new Blob(['{"playbook":"x"}']),
    });
    expect(bare.status).toBe(415);
    expect(((await bare.json()) as any).error.message).toBe('La demande doit être envoyée au format JSON.');
    const big = await fetch(`${d.url}/v1/jobs`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ playbook: 'x'.repeat(2 << 20) }),
    });
    expect(big.status).toBe(413);
  });
});
