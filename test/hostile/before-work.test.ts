import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { uniq } from '../helpers/vhost-lab.js';

// A hostile client sending costly bodies (issue 18: 40,000-key bodies to /v1/doctor from 4
// connections slowed another tenant 250 times; /v1/requests took 305 requests/s). Limits
// are counted before a body is read, and every JSON body's shape is capped before it is
// parsed. Windows are long, so the test counts answers and never depends on time.
const REQUESTS = 3;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

function send(
  url: string,
  o: { method?: string; path: string; token?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(o.path, url);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: o.method ?? 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...o.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    // The daemon may answer before reading the body, and close: that is the point.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    req.end(o.body);
  });
}

/** {"domains": ["a"], "k0": 0, ...}: a body of `n` keys, under the 1 MiB body limit. */
const manyKeys = (n: number) =>
  `{"domains":["a.not-mine.test"],${Array.from({ length: n }, (_, i) => `"k${i}":0`).join(',')}}`;

describe('hostile client: limits before any work', () => {
  let d: TestDaemon;

  beforeAll(async () => {
    d = await startTestDaemon({
      config: {
        limits: { doctorNames: { max: 100, windowSeconds: 3600 }, requests: { max: REQUESTS, windowSeconds: 3600 } },
      },
    });
  });

  afterAll(async () => {
    if (d) await d.stop();
  });

  it('caps every JSON body: 40,000 keys get a 413 and 5,000 nested lists a 400, on any route, before any handler', async () => {
    const c = await d.tenant(uniq('k'));
    const big = manyKeys(40_000);
    const doctor = await send(d.url, { path: '/v1/doctor', token: c.token, body: big });
    expect(doctor.status).toBe(413);
    expect(doctor.body.error).toMatchObject({
      code: 'body_too_many_keys',
      message: 'The request holds more than 1,000 keys and list items, the most we accept.',
    });
    expect(doctor.body.error.hint).toBe('Send less at once, in several requests if needed. Nothing was done.');
    const fr = await send(d.url, {
      path: '/v1/doctor',
      token: c.token,
      body: big,
      headers: { 'accept-language': 'fr' },
    });
    expect(fr.body.error.message).toMatch(
      /^La demande contient plus de 1\s000 clés et éléments de liste, le maximum accepté\.$/,
    );
    // A list is as costly as an object: its items count too.
    const list = await send(d.url, {
      path: '/v1/jobs',
      token: c.token,
      body: JSON.stringify({ playbook: 'x', inputs: { a: Array(5000).fill(0) } }),
    });
    expect(list.status).toBe(413);
    // An admin route reads the same parser.
    const admin = await send(d.url, { path: '/v1/tenants', token: d.adminToken, body: big });
    expect(admin.status).toBe(413);
    expect(admin.body.error.detail).toBe('limits.json.keys: 1000');

    const deep = `{"playbook":"x","inputs":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const tooDeep = await send(d.url, { path: '/v1/jobs', token: c.token, body: deep });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.error).toMatchObject({
      code: 'body_too_deep',
      message: 'The request nests lists and objects more than 16 levels deep, the most we accept.',
    });
    // Below the caps, bodies are read as before.
    const fine = await send(d.url, { path: '/v1/doctor', token: c.token, body: manyKeys(10) });
    expect(fine.status).toBe(400);
    expect(fine.body.error.code).toBe('bad_request');
  });

  it('counts /v1/doctor before its body is read: past the limit, a costly or broken body is refused unread, and no token is refused first', async () => {
    const c = await d.tenant(uniq('d'));
    const names = Array.from({ length: 100 }, (_, i) => `n${i}.not-mine.test`);
    expect(
      (await send(d.url, { path: '/v1/doctor', token: c.token, body: JSON.stringify({ domains: names }) })).status,
    ).toBe(404);
    for (const body of [manyKeys(900), '{"domains": [', JSON.stringify({ domains: ['one.not-mine.test'] })]) {
      const r = await send(d.url, { path: '/v1/doctor', token: c.token, body });
      expect(r.status).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(r.body.error.code).toBe('rate_limited');
    }
    // Without a token, nothing is read: the answer is the 401, not a verdict on the body.
    const anonymous = await send(d.url, { path: '/v1/doctor', body: '{"domains": [' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthorized');
    // Another client is not slowed by this one's limit.
    const other = await d.tenant(uniq('o'));
    expect(
      (
        await send(d.url, {
          path: '/v1/doctor',
          token: other.token,
          body: JSON.stringify({ domains: ['x.not-mine.test'] }),
        })
      ).status,
    ).toBe(404);
  });

  it('limits requests in words per client token, valid or not, and not per admin', async () => {
    const c = await d.tenant(uniq('r'));
    const ask = (token: string, body: string) => send(d.url, { path: '/v1/requests', token, body });
    const answers = await Promise.all(
      Array.from({ length: REQUESTS + 5 }, () => ask(c.token, JSON.stringify({ text: 'je voudrais un site' }))),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(REQUESTS);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(5);
    expect(Number(refused[0].headers['retry-after'])).toBeGreaterThan(0);
    expect(refused[0].body.error).toMatchObject({
      code: 'rate_limited',
      message: 'You sent many requests in a short time, so this one was not taken.',
    });
    // A broken body is refused by the limit too, before it is read.
    expect((await ask(c.token, '{"text":')).status).toBe(429);
    const other = await d.tenant(uniq('q'));
    expect((await ask(other.token, JSON.stringify({ text: 'un ftp' }))).status).toBe(200);
    const t = uniq('a');
    await d.tenant(t);
    const admin = await Promise.all(
      Array.from({ length: REQUESTS + 2 }, () => ask(d.adminToken, JSON.stringify({ text: 'un ftp', tenant: t }))),
    );
    expect(admin.filter((a) => a.status !== 200)).toEqual([]);
  });
});
