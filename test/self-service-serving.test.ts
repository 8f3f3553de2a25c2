/**
 * How the self-service page is served, read as a browser would fetch it: one
 * self-contained page under a strict Content-Security-Policy, native ES modules each
 * type-checked and revalidated, nothing outside the page whatever the path's encoding,
 * and a shown-once secret named in secretKeys in the one read that has it. (What a client
 * sees on it, in Chromium: self-service.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

let d: TestDaemon;
let dir: string;
let alice: string;

beforeAll(async () => {
  d = await startTestDaemon({ playbooksDir: resolve(import.meta.dirname, 'fixtures/playbooks') });
  dir = tempDir('serein-self-service-serving-');
  alice = (await d.tenant('alice', { servers: ['local'], domains: ['alice.example.com'] })).token;
});

afterAll(async () => {
  await d?.stop();
});

describe('the self-service page, as it is served', () => {
  it('is one self-contained page under a strict Content-Security-Policy', async () => {
    for (const path of ['/', '/self-service']) {
      const res = await fetch(d.url + path);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe');
      const html = await res.text();
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/);
    }
    const js = await fetch(`${d.url}/self-service/app.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect((await fetch(`${d.url}/self-service/app.css`)).headers.get('content-type')).toMatch(/text\/css/);
  });

  it('is native ES modules, each type-checked, served with its type, revalidated, and never innerHTML', async () => {
    const html = await (await fetch(`${d.url}/`)).text();
    expect(html).toContain('<script type="module" src="/self-service/app.js"></script>');
    // Every module the page imports, followed from its entry.
    const seen = new Map<string, string>();
    const queue = ['/self-service/app.js'];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      const res = await fetch(d.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe('text/javascript; charset=utf-8');
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
      expect(res.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      const text = await res.text();
      seen.set(path, text);
      expect(text.startsWith('// @ts-check\n'), path).toBe(true);
      expect(text, path).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
      expect(text.split('\n').length, path).toBeLessThan(400);
      for (const [, spec] of text.matchAll(/^import [^'"]*'([^']+)';$/gm))
        queue.push(new URL(spec, d.url + path).pathname);
    }
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining([
        '/self-service/api.js',
        '/self-service/events.js',
        '/self-service/kinds.js',
        '/self-service/i18n/en.js',
        '/self-service/i18n/fr.js',
      ]),
    );
    // Unchanged files are not sent again.
    const first = await fetch(`${d.url}/self-service/api.js`);
    const again = await fetch(`${d.url}/self-service/api.js`, {
      headers: { 'if-none-match': first.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('serves nothing outside the page: no path traversal, encoded or not', async () => {
    const secret = readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8');
    // Sent as written (fetch would resolve the dots first).
    const raw = (path: string) =>
      new Promise<{ status: number; body: string }>((done, fail) => {
        const req = request(`${d.url}/`, { path, method: 'GET' }, (res) => {
          let body = '';
          res
            .setEncoding('utf8')
            .on('data', (c) => (body += c))
            .on('end', () => done({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', fail).end();
      });
    for (const path of [
      '/../package.json',
      '/self-service/../package.json',
      '/self-service/../../../package.json',
      '/self-service/i18n/../../../../package.json',
      '/self-service/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/self-service/..%2f..%2f..%2fpackage.json',
      '/self-service/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
      '/self-service/%252e%252e%252f%252e%252e%252fpackage.json',
      '/self-service/..%5c..%5c..%5cpackage.json',
      '/self-service/./app.js',
      '/self-service//etc/passwd',
      '/self-service/%2fetc%2fpasswd',
      '/self-service/app.js%00.css',
      '/self-service/index.html/../../../package.json',
      '/self-service/../routes/jobs.ts',
      '/self-service/%2e%2e/routes/jobs.ts',
    ]) {
      const res = await raw(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body, path).not.toContain('"devDependencies"');
      expect(res.body, path).not.toContain(secret.slice(0, 40));
      expect(res.body, path).not.toContain('jobRoutes');
      expect(JSON.parse(res.body).error.code, path).toMatch(/not_found|bad_address/);
    }
  });

  it('names the shown-once fields in secretKeys, in the one read that has them', async () => {
    const submitted = await d.api('POST', '/v1/jobs', {
      token: alice,
      body: { playbook: 'sample.write', inputs: { server: 'local', dir, name: 'keys', message: 'k', secret: true } },
    });
    const id = submitted.body.job.id;
    // The read that finds it finished is the one with the secret: it is kept as it is.
    const job = await until(
      async () => {
        const j = (await d.api('GET', `/v1/jobs/${id}`, { token: alice })).body.job;
        return ['succeeded', 'failed', 'needs-attention'].includes(j.status) && j;
      },
      10_000,
      'the job finished',
    );
    expect(job.status).toBe('succeeded');
    expect(job.secretKeys).toEqual(['password']);
    expect(job.result.password).toMatch(/^\S{24}$/);
    const again = (await d.api('GET', `/v1/jobs/${id}`, { token: alice })).body.job;
    expect(again.secretKeys).toBeUndefined();
    expect(again.result.password).toBeUndefined();
  });
});
