/**
 * The ACME client against a tiny scripted ACME server: badNonce retried, Retry-After
 * honoured (on 503 and while polling), `profile` and `replaces` sent, External Account
 * Binding signed right, renewalInfo read.
 */
import { createHmac, createPublicKey, verify } from 'node:crypto';
import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeClient, AcmeProblem, parseRetryAfter } from '../src/acme/client.js';
import { accountKeyFromPem, newEcdsaKeyPem } from '../src/acme/jws.js';

interface Seen {
  method: string;
  path: string;
  at: number;
  protected?: any;
  payload?: any;
}

let server: http.Server;
let base = '';
const seen: Seen[] = [];
let nonce = 0;
const script = { badNonceOnce: new Set<string>(), busyOnce: true, pendingPolls: 0, retryAfterSeconds: 1 };
const eabKey = Buffer.alloc(32, 7).toString('base64url');

const b64json = (s: string) => (s ? JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) : null);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const entry: Seen = { method: req.method ?? '', path, at: Date.now() };
      seen.push(entry);
      const headers: Record<string, string> = { 'replay-nonce': `n${++nonce}`, 'content-type': 'application/json' };
      const send = (status: number, data: unknown, extra: Record<string, string> = {}) => {
        res.writeHead(status, { ...headers, ...extra });
        res.end(data === undefined ? '' : JSON.stringify(data));
      };
      if (path === '/dir')
        return send(200, {
          newNonce: `${base}/nonce`,
          newAccount: `${base}/acct`,
          newOrder: `${base}/order`,
          renewalInfo: `${base}/ari`,
          meta: { caaIdentities: ['fake.example'] },
        });
      if (path === '/nonce') return send(200, undefined);
      if (path.startsWith('/ari/'))
        return send(
          200,
          {
            suggestedWindow: { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' },
            explanationURL: 'https://fake.example/why',
          },
          { 'retry-after': '21600' },
        );
      const jws = JSON.parse(body || '{}');
      entry.protected = b64json(jws.protected);
      entry.payload = b64json(jws.payload);
      // Every signed request carries a signature that verifies with the account key.
      const jwk = entry.protected.jwk ?? accountJwk;
      const ok = verify(
        'sha256',
        Buffer.from(`${jws.protected}.${jws.payload}`),
        { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
        Buffer.from(jws.signature, 'base64url'),
      );
      if (!ok) return send(400, { type: 'urn:ietf:params:acme:error:malformed', detail: 'bad signature' });
      if (!script.badNonceOnce.has(path)) {
        script.badNonceOnce.add(path);
        return send(
          400,
          { type: 'urn:ietf:params:acme:error:badNonce', detail: 'try again' },
          { 'content-type': 'application/problem+json' },
        );
      }
      if (path === '/acct') {
        accountJwk = entry.protected.jwk;
        return send(201, { status: 'valid' }, { location: `${base}/acct/1` });
      }
      if (path === '/order')
        return send(
          201,
          {
            status: 'pending',
            identifiers: entry.payload.identifiers,
            authorizations: [`${base}/authz/1`],
            finalize: `${base}/fin/1`,
          },
          { location: `${base}/order/1` },
        );
      if (path === '/busy') {
        if (script.busyOnce) {
          script.busyOnce = false;
          return send(503, { type: 'urn:ietf:params:acme:error:serverInternal' }, { 'retry-after': '1' });
        }
        return send(200, { status: 'valid' });
      }
      if (path === '/authz/1') {
        if (script.pendingPolls-- > 0)
          return send(
            200,
            { status: 'pending', identifier: { type: 'dns', value: 'a.example' }, challenges: [] },
            script.retryAfterSeconds ? { 'retry-after': String(script.retryAfterSeconds) } : {},
          );
        return send(200, { status: 'valid', identifier: { type: 'dns', value: 'a.example' }, challenges: [] });
      }
      if (path === '/limited')
        return send(
          429,
          { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many' },
          { 'retry-after': '3600', 'content-type': 'application/problem+json' },
        );
      send(404, { type: 'urn:ietf:params:acme:error:malformed', detail: 'no such path' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

let accountJwk: any;

describe('AcmeClient', () => {
  it('registers with EAB after a badNonce, sending profile and replaces in the order', async () => {
    const key = accountKeyFromPem(await newEcdsaKeyPem());
    const client = new AcmeClient({ directoryUrl: `${base}/dir` });
    client.useAccount(key);
    const url = await client.newAccount({ contact: ['mailto:a@b.example'], eab: { kid: 'kid-1', hmacKey: eabKey } });
    expect(url).toBe(`${base}/acct/1`);
    const acct = seen.filter((s) => s.path === '/acct');
    expect(acct).toHaveLength(2); // the first one got badNonce
    expect(acct[0].protected.nonce).not.toBe(acct[1].protected.nonce);
    const eab = acct[1].payload.externalAccountBinding;
    const eabProt = b64json(eab.protected);
    expect(eabProt).toEqual({ alg: 'HS256', kid: 'kid-1', url: `${base}/acct` });
    expect(b64json(eab.payload)).toEqual(acct[1].protected.jwk);
    expect(eab.signature).toBe(
      createHmac('sha256', Buffer.from(eabKey, 'base64url'))
        .update(`${eab.protected}.${eab.payload}`)
        .digest('base64url'),
    );
    expect(JSON.stringify(seen)).not.toContain(eabKey);

    const order = await client.newOrder({
      identifiers: [{ type: 'dns', value: 'a.example' }],
      profile: 'shortlived',
      replaces: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
    });
    expect(order.url).toBe(`${base}/order/1`);
    const sent = seen.filter((s) => s.path === '/order').pop()!;
    expect(sent.payload).toEqual({
      identifiers: [{ type: 'dns', value: 'a.example' }],
      profile: 'shortlived',
      replaces: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
    });
    expect(sent.protected.kid).toBe(`${base}/acct/1`);
    expect(sent.protected.jwk).toBeUndefined();
    expect(seen.filter((s) => s.method === 'HEAD').length).toBeLessThanOrEqual(1); // nonces come from responses
    client.close();
  });

  it('polls fast, and honours Retry-After when the CA sends one', async () => {
    const key = accountKeyFromPem(await newEcdsaKeyPem());
    const client = new AcmeClient({ directoryUrl: `${base}/dir` });
    client.useAccount(key);
    await client.newAccount({});
    await client.post(`${base}/authz/1`, null); // absorb the scripted badNonce
    script.pendingPolls = 3;
    script.retryAfterSeconds = 0;
    let t = Date.now();
    await client.poll(`${base}/authz/1`, (a: { status: string }) => a.status !== 'pending', {
      deadline: Date.now() + 10_000,
    });
    expect(Date.now() - t).toBeLessThan(400); // 25 + 50 + 100 ms
    script.pendingPolls = 1;
    script.retryAfterSeconds = 1;
    t = Date.now();
    await client.poll(`${base}/authz/1`, (a: { status: string }) => a.status !== 'pending', {
      deadline: Date.now() + 10_000,
    });
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
    client.close();
  });

  it('waits the Retry-After of a 503, and returns a long rate limit to the caller with its delay', async () => {
    const key = accountKeyFromPem(await newEcdsaKeyPem());
    const client = new AcmeClient({ directoryUrl: `${base}/dir` });
    client.useAccount(key);
    await client.newAccount({});
    const t = Date.now();
    await client.post(`${base}/busy`, null).catch(() => undefined); // badNonce then 503 then ok
    const res = await client.post<{ status: string }>(`${base}/busy`, null);
    expect(res.data.status).toBe('valid');
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
    await client.post(`${base}/limited`, null).catch(() => undefined);
    const err = await client.post(`${base}/limited`, null).catch((e) => e);
    expect(err).toBeInstanceOf(AcmeProblem);
    expect(err.kind).toBe('rateLimited');
    expect(err.retryAfterMs).toBe(3_600_000);
    client.close();
  });

  it('reads renewalInfo (RFC 9773) with its Retry-After', async () => {
    const client = new AcmeClient({ directoryUrl: `${base}/dir` });
    const info = await client.renewalInfo('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
    expect(info?.window.start.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(info?.retryAfterMs).toBe(21_600_000);
    expect(seen.some((s) => s.path === '/ari/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE' && s.method === 'GET')).toBe(true);
    client.close();
  });

  it('parses Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(55_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
