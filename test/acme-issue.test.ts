import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../src/certificates/issue.js';
import { HttpSolver } from '../src/certificates/solvers.js';
import { ariCertId, certIdParts } from '../src/acme/ari.js';
import { useLab, type LabInfo } from './lab/client.js';
import { labServices, uniqueName } from './helpers/acme-lab.js';
import { tempDir } from './helpers/tmp.js';

let lab: LabInfo;
let env: Awaited<ReturnType<typeof labServices>>;

beforeAll(async () => {
  lab = await useLab('pebble');
  env = await labServices(lab);
});
afterAll(async () => {
  await env.close();
});

describe('issuance against Pebble', () => {
  it('issues an ECDSA certificate over http-01, fast', async () => {
    const ctx = env.services.certificates;
    const ws = env.config.webservers.lab;
    const names = [uniqueName('i'), uniqueName('j')];
    const started = Date.now();
    const cert = await issueCertificate(
      { config: env.config, accounts: ctx.accounts, pool: ctx.pool, certificates: env.store.certificates },
      { domains: names, keyType: 'ecdsa-p256', solver: new HttpSolver(env.services.target('local'), ws.challengeRoot) },
    );
    const took = Date.now() - started;
    const leaf = new X509Certificate(cert.fullChainPem);
    expect(leaf.subjectAltName).toContain(`DNS:${names[0]}`);
    expect(leaf.subjectAltName).toContain(`DNS:${names[1]}`);
    expect(leaf.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.serial).toBe(leaf.serialNumber.toLowerCase());
    expect(cert.ariCertId).toBe(ariCertId(cert.fullChainPem));
    expect(certIdParts(cert.fullChainPem).aki.length).toBeGreaterThan(0);
    console.log(`issued in ${took} ms`, cert.timings);
  });

  it('issues an RSA certificate on request', async () => {
    const ctx = env.services.certificates;
    const ws = env.config.webservers.lab;
    const cert = await issueCertificate(
      { config: env.config, accounts: ctx.accounts, pool: ctx.pool },
      {
        domains: [uniqueName('r')],
        keyType: 'rsa-2048',
        solver: new HttpSolver(env.services.target('local'), ws.challengeRoot),
      },
    );
    expect(new X509Certificate(cert.fullChainPem).publicKey.asymmetricKeyType).toBe('rsa');
  });
});

describe('several CAs', () => {
  it('moves to the next CA when one is down, not when the client is at fault', async () => {
    const down = { name: 'down', directoryUrl: 'http://127.0.0.1:9/dir' };
    const pebble = env.config.acme.cas[0];
    const local = await labServices(lab, { cas: [down, pebble, { ...pebble, name: 'pebble-b' }] });
    const ctx = local.services.certificates;
    const ws = local.config.webservers.lab;
    const logs: string[] = [];
    try {
      const cert = await issueCertificate(
        { config: local.config, accounts: ctx.accounts, pool: ctx.pool, certificates: local.store.certificates },
        {
          domains: [uniqueName('f')],
          keyType: 'ecdsa-p256',
          solver: new HttpSolver(local.services.target('local'), ws.challengeRoot),
          log: (m) => logs.push(m),
        },
      );
      expect(cert.ca).toBe('pebble');
      expect(logs.some((l) => /down failed; trying the next certificate authority/.test(l))).toBe(true);

      // The proof is put where nginx does not serve it: Pebble gets a 404. That is the
      // client's problem: pebble-b is not tried (its budget is not burned), the failure is counted.
      const name = uniqueName('bad');
      const nowhere = tempDir('serein-nowhere-');
      const err = await issueCertificate(
        { config: local.config, accounts: ctx.accounts, pool: ctx.pool, certificates: local.store.certificates },
        {
          domains: [name],
          keyType: 'ecdsa-p256',
          cas: ['pebble', 'pebble-b'],
          solver: new HttpSolver(local.services.target('local'), nowhere),
        },
      ).catch((e) => e);
      expect(err.code).toBe('validation_failed');
      expect(err.userMessage.en).toMatch(new RegExp(`could not verify that you control ${name.replace(/\./g, '\\.')}`));
      expect(err.detail).toMatch(/^pebble: /);
      expect(err.detail).not.toMatch(/pebble-b/);
      expect(
        await local.store.certificates.validationFailures('pebble', name, new Date(Date.now() - 60_000)),
      ).toHaveLength(1);
      expect(
        await local.store.certificates.validationFailures('pebble-b', name, new Date(Date.now() - 60_000)),
      ).toHaveLength(0);
    } finally {
      await local.close();
    }
  });

  it("says plainly when no CA can issue (not the client's fault)", async () => {
    const local = await labServices(lab, { cas: [{ name: 'down', directoryUrl: 'http://127.0.0.1:9/dir' }] });
    const ctx = local.services.certificates;
    try {
      const err = await issueCertificate(
        { config: local.config, accounts: ctx.accounts, pool: ctx.pool },
        {
          domains: [uniqueName('x')],
          keyType: 'ecdsa-p256',
          solver: new HttpSolver(local.services.target('local'), local.config.webservers.lab.challengeRoot),
        },
      ).catch((e) => e);
      expect(err.code).toBe('ca_unavailable');
      expect(err.userMessage.fr).toMatch(/Ce n'est pas dû à votre domaine/);
      expect(err.detail).toMatch(/down: cannot reach the certificate authority at http:\/\/127\.0\.0\.1:9/);
    } finally {
      await local.close();
    }
  });
});
