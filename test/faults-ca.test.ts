/**
 * A CA failing for real in front of Pebble (test/helpers/faulty-ca.ts) while a certificate is
 * issued: connections closed unanswered, 429 with Retry-After, badNonce, 500. What is worth
 * retrying is retried with backoff and the certificate issued; a CA that keeps failing ends
 * in a plain "not caused by your domain" and the next CA, nothing recorded half-way.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../src/certificates/issue.js';
import { HttpSolver } from '../src/certificates/solvers.js';
import { labServices, uniqueName } from './helpers/acme-lab.js';
import { startFaultyCa, type FaultyCa } from './helpers/faulty-ca.js';
import { useLab, type LabInfo } from './lab/client.js';

let lab: LabInfo;
let ca: FaultyCa;
let env: Awaited<ReturnType<typeof labServices>>;

beforeAll(async () => {
  lab = await useLab('pebble');
  ca = await startFaultyCa(lab.pebble!);
  const pebble = {
    name: 'pebble',
    directoryUrl: lab.pebble!.directoryUrl,
    caBundle: lab.pebble!.caCertPath,
    caaIdentities: ['pebble.letsencrypt.org'],
  };
  env = await labServices(lab, { cas: [{ ...pebble, name: 'flaky', directoryUrl: ca.directoryUrl }, pebble] });
});
afterAll(async () => {
  await env?.close();
  await ca?.close();
});

async function issue(domain: string, cas: string[], log?: (m: string) => void) {
  const ctx = env.services.certificates;
  return issueCertificate(
    { config: env.config, accounts: ctx.accounts, pool: ctx.pool, certificates: env.store.certificates },
    {
      domains: [domain],
      keyType: 'ecdsa-p256',
      cas,
      solver: new HttpSolver(env.services.target('local'), env.config.webservers.lab.challengeRoot),
      log,
    },
  );
}

/** The requests to `path` from the index `from` on, and the gaps between them. */
function attempts(path: string, from: number) {
  const hits = ca.seen.slice(from).filter((s) => s.path.startsWith(path));
  return { did: hits.map((h) => h.did), gaps: hits.slice(1).map((h, i) => h.at - hits[i].at) };
}

describe('a CA failing for real', () => {
  it('connections closed unanswered are retried with backoff, and the certificate is issued', async () => {
    const from = ca.seen.length;
    ca.inject('/order-plz', { kind: 'close' }, { kind: 'close' });
    const name = uniqueName('cl');
    const cert = await issue(name, ['flaky']);
    expect(new X509Certificate(cert.fullChainPem).subjectAltName).toContain(`DNS:${name}`);
    expect(cert.ca).toBe('flaky');
    const a = attempts('/order-plz', from);
    expect(a.did.slice(0, 3)).toEqual(['close', 'close', 'passed']);
    expect(a.gaps[0]).toBeGreaterThanOrEqual(95); // waits 100 ms, then 500 ms: backoff, not a loop
    expect(a.gaps[1]).toBeGreaterThanOrEqual(495);
  });

  it('429 with Retry-After is waited out and retried once, then issued', async () => {
    const from = ca.seen.length;
    ca.inject('/order-plz', { kind: 'status', status: 429, type: 'rateLimited', detail: 'slow down', retryAfter: '1' });
    const cert = await issue(uniqueName('rl'), ['flaky']);
    expect(cert.ca).toBe('flaky');
    const a = attempts('/order-plz', from);
    expect(a.did.slice(0, 2)).toEqual([429, 'passed']);
    expect(a.gaps[0]).toBeGreaterThanOrEqual(990); // the CA's own Retry-After
  });

  it('badNonce on every step is retried with a fresh nonce, and the certificate is issued', async () => {
    const from = ca.seen.length;
    const bad = {
      kind: 'status',
      status: 400,
      type: 'badNonce',
      detail: 'JWS has an invalid anti-replay nonce',
    } as const;
    for (const p of ['/order-plz', '/finalize-order/', '/chalZ/']) ca.inject(p, bad, bad);
    const cert = await issue(uniqueName('bn'), ['flaky']);
    expect(cert.ca).toBe('flaky');
    for (const p of ['/order-plz', '/finalize-order/', '/chalZ/'])
      expect(attempts(p, from).did.slice(0, 3)).toEqual([400, 400, 'passed']);
  });

  it('a CA answering 500: the next CA issues; with no other CA, a plain message and nothing recorded', async () => {
    const fail500 = { kind: 'status', status: 500, type: 'serverInternal', detail: 'database is on fire' } as const;
    ca.inject('/order-plz', fail500);
    const logs: string[] = [];
    const name = uniqueName('fb');
    const cert = await issue(name, ['flaky', 'pebble'], (m) => logs.push(m));
    expect(cert.ca).toBe('pebble');
    expect(logs.some((l) => /flaky failed; trying the next certificate authority/.test(l))).toBe(true);

    const from = ca.seen.length;
    ca.inject('/order-plz', fail500, fail500, fail500);
    const alone = uniqueName('no');
    const err = await issue(alone, ['flaky']).catch((e) => e);
    expect(err.code).toBe('ca_unavailable');
    expect(err.userMessage.en).toBe(
      'No certificate authority could issue the certificate right now (flaky tried). This is not caused by your domain.',
    );
    expect(err.hint.en).toMatch(/Nothing was changed on your site/);
    expect(err.detail).toMatch(/flaky: .*database is on fire/);
    expect(attempts('/order-plz', from).did).toEqual([500]); // a 500 is not hammered: the renewal schedule retries later (1 min, then 10 min)
    expect(await env.store.certificates.list({ name: alone })).toEqual([]);
  });
});
