/**
 * Renewal timing: the RFC 9773 certificate ID computed by hand, renewalInfo driving the
 * renewal time, `replaces` sent to the CA that has ARI, the 1/3-lifetime rule and the
 * retry backoff. Pebble has no ARI, so a small scripted CA stands in for it here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ariCertId, certIdFrom, certIdParts, pickInWindow } from '../src/acme/ari.js';
import { issueCertificate } from '../src/certificates/issue.js';
import { CertificateMaintenance } from '../src/certificates/maintain.js';
import { renewAfterFor, retryDelayMs } from '../src/certificates/renew.js';
import type { ChallengeSolver } from '../src/certificates/solvers.js';
import type { Services } from '../src/engine/action.js';
import { scriptedCaServices } from './helpers/acme-lab.js';
import { tempDir } from './helpers/tmp.js';

const DAY = 86_400_000;
let dir: string;
let leafPem: string;
let chainPem: string;
let caSki: Buffer;

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  dir = tempDir('serein-ari-');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '30',
    '-subj',
    '/CN=Test CA',
    '-addext',
    'subjectKeyIdentifier=hash',
  ]);
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=a.example',
  ]);
  const ext = join(dir, 'ext.cnf');
  execFileSync('sh', ['-c', `printf 'authorityKeyIdentifier=keyid\\nsubjectAltName=DNS:a.example\\n' > ${ext}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '0x87654321',
    '-days',
    '10',
    '-out',
    'leaf.pem',
    '-extfile',
    ext,
  ]);
  leafPem = readFileSync(join(dir, 'leaf.pem'), 'utf8');
  chainPem = leafPem + readFileSync(join(dir, 'ca.pem'), 'utf8');
  const text = openssl(['x509', '-in', 'ca.pem', '-noout', '-ext', 'subjectKeyIdentifier']);
  caSki = Buffer.from(text.split('\n')[1].trim().replace(/:/g, ''), 'hex');
});

describe('RFC 9773 certificate identifier', () => {
  it('matches the RFC example', () => {
    const aki = Buffer.from('69885B6B87464041E1B37B847BA0AE2CDE01C8D4', 'hex');
    expect(certIdFrom(aki, Buffer.from('0087654321', 'hex'))).toBe('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  it('reads AKI and the serial octets (leading 0x00 kept) from a real certificate', () => {
    const { aki, serial } = certIdParts(leafPem);
    expect(serial.toString('hex')).toBe('0087654321');
    expect(aki.equals(caSki)).toBe(true);
    expect(ariCertId(chainPem)).toBe(`${caSki.toString('base64url')}.AIdlQyE`);
  });
});

describe('when to renew', () => {
  it('1/3 of the lifetime left, 1/2 under 10 days, jitter only earlier', () => {
    const nb = new Date('2026-01-01T00:00:00Z');
    expect(renewAfterFor(nb, new Date(nb.getTime() + 90 * DAY), 60, () => 0).toISOString()).toBe(
      '2026-03-02T00:00:00.000Z',
    );
    expect(renewAfterFor(nb, new Date(nb.getTime() + 90 * DAY), 60, () => 1).getTime()).toBe(
      new Date('2026-03-02T00:00:00Z').getTime() - 3_600_000,
    );
    expect(renewAfterFor(nb, new Date(nb.getTime() + 6 * DAY + 16 * 3_600_000), 60, () => 0).getTime()).toBe(
      nb.getTime() + (6 * DAY + 16 * 3_600_000) / 2,
    );
  });

  it('backoff: 1 min, 10 min, 100 min, then daily (±10 %)', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, [1, 10, 100, 1440], mid) / 60_000)).toEqual([
      1, 10, 100, 1440, 1440, 1440,
    ]);
    expect(retryDelayMs(1, [1, 10, 100, 1440], () => 0)).toBe(54_000);
    expect(retryDelayMs(1, [1, 10, 100, 1440], () => 1)).toBe(66_000);
  });

  it('a random time inside the ARI window; a window already over means now', () => {
    const now = new Date('2030-01-01T12:00:00Z');
    const w = { start: new Date('2030-01-01T00:00:00Z'), end: new Date('2030-01-02T00:00:00Z') };
    expect(pickInWindow(w, now, () => 0).toISOString()).toBe(now.toISOString());
    expect(pickInWindow(w, now, () => 1).toISOString()).toBe(w.end.toISOString());
    expect(pickInWindow({ start: new Date('2029-01-01'), end: new Date('2029-01-02') }, now).toISOString()).toBe(
      now.toISOString(),
    );
  });
});

describe('a CA with ARI', () => {
  let server: http.Server;
  let base = '';
  const orders: any[] = [];
  const withAri = true;
  let n = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, {
            'replay-nonce': `n${++n}`,
            'content-type': typeof data === 'string' ? 'application/pem-certificate-chain' : 'application/json',
            ...headers,
          });
          res.end(typeof data === 'string' ? data : JSON.stringify(data ?? {}));
        };
        const payload = body ? JSON.parse(body).payload : '';
        const json = payload ? JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) : null;
        if (path === '/dir')
          return send(200, {
            newNonce: `${base}/nonce`,
            newAccount: `${base}/acct`,
            newOrder: `${base}/order`,
            ...(withAri ? { renewalInfo: `${base}/ari` } : {}),
          });
        if (path === '/nonce') return send(200, undefined);
        if (path.startsWith('/ari/'))
          return send(
            200,
            { suggestedWindow: { start: '2030-01-01T00:00:00Z', end: '2030-01-03T00:00:00Z' } },
            { 'retry-after': '3600' },
          );
        if (path === '/acct') return send(201, { status: 'valid' }, { location: `${base}/acct/1` });
        if (path === '/order') {
          orders.push(json);
          return send(
            201,
            { status: 'ready', identifiers: json.identifiers, authorizations: [], finalize: `${base}/fin` },
            { location: `${base}/order/1` },
          );
        }
        if (path === '/fin')
          return send(200, {
            status: 'valid',
            identifiers: [],
            authorizations: [],
            finalize: `${base}/fin`,
            certificate: `${base}/cert`,
          });
        if (path === '/cert') return send(200, chainPem);
        send(404, { type: 'urn:ietf:params:acme:error:malformed' });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());

  const services = () => scriptedCaServices(`${base}/dir`, 'serein-ari-svc-');

  /** The engine side of the maintenance: nothing is due in these tests, so nothing may be submitted. */
  const noRenewal = (s: Services) => ({
    services: s,
    events: new EventEmitter(),
    submit: async (): Promise<never> => {
      throw new Error('no renewal expected');
    },
  });

  const noChallenge: ChallengeSolver = {
    type: 'http-01',
    present: async () => undefined,
    cleanup: async () => undefined,
  };

  it('sends replaces (the old certificate ID) only to a CA that has renewalInfo', async () => {
    const { services: s, store } = await services();
    const ctx = s.certificates;
    const deps = { config: s.config, accounts: ctx.accounts, pool: ctx.pool };
    const issued = await issueCertificate(deps, {
      domains: ['a.example'],
      keyType: 'ecdsa-p256',
      solver: noChallenge,
      replaces: { ca: 'ari', certId: 'old.ID' },
    });
    expect(orders.pop()).toEqual({ identifiers: [{ type: 'dns', value: 'a.example' }], replaces: 'old.ID' });
    expect(issued.ariCertId).toBe(ariCertId(chainPem));
    await issueCertificate(deps, {
      domains: ['a.example'],
      keyType: 'ecdsa-p256',
      solver: noChallenge,
      replaces: { ca: 'other', certId: 'old.ID' },
    });
    expect(orders.pop()).toEqual({ identifiers: [{ type: 'dns', value: 'a.example' }] });
    ctx.accounts.close();
    await store.close();
  });

  it('the maintenance asks renewalInfo and renews at a random time inside the window', async () => {
    const { services: s, store } = await services();
    const rec = await store.certificates.addPending({
      tenantId: null,
      webserver: null,
      name: 'a.example',
      domains: ['a.example'],
      challenge: 'http-01',
      keyType: 'ecdsa-p256',
      ca: 'ari',
      caDirectory: `${base}/dir`,
      serial: '87654321',
      ariCertId: ariCertId(chainPem),
      notBefore: '2029-12-01T00:00:00Z',
      notAfter: '2030-03-01T00:00:00Z',
      certPem: chainPem,
      keyPem: 'x',
    });
    await store.certificates.activate(rec.id, new Date('2030-01-31T00:00:00Z'));
    const m = new CertificateMaintenance(noRenewal(s), () => new Date('2029-12-20T00:00:00Z'));
    const report = await m.tick();
    expect(report.ariChecked).toBe(1);
    expect(report.due).toBe(0);
    const after = (await store.certificates.get(rec.id))!;
    expect(after.ariWindow).toEqual({ start: '2030-01-01T00:00:00.000Z', end: '2030-01-03T00:00:00.000Z' });
    expect(new Date(after.renewAfter!).getTime()).toBeGreaterThanOrEqual(new Date('2030-01-01T00:00:00Z').getTime());
    expect(new Date(after.renewAfter!).getTime()).toBeLessThanOrEqual(new Date('2030-01-03T00:00:00Z').getTime());
    // Asked again only after ariPollHours.
    expect(
      (await new CertificateMaintenance(noRenewal(s), () => new Date('2029-12-20T06:00:00Z')).tick()).ariChecked,
    ).toBe(0);
    expect(
      (await new CertificateMaintenance(noRenewal(s), () => new Date('2029-12-20T13:00:00Z')).tick()).ariChecked,
    ).toBe(1);
    await m.stop();
    s.certificates.accounts.close();
    await store.close();
  });
});
