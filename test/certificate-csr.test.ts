// The CSR serein builds itself: what a CA reads in it (names, key, a valid signature).
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as acme from 'acme-client';
import { describe, expect, it } from 'vitest';
import { createCsr } from '../src/certificates/csr.js';

const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;

/** openssl's reading of the request, once it found the signature valid for the key inside (it says so on stderr). */
function openssl(der: Buffer): string {
  const r = spawnSync('openssl', ['req', '-inform', 'DER', '-noout', '-verify', '-text'], { input: der });
  expect(r.stderr.toString('utf8')).toMatch(/verify OK/);
  return r.stdout.toString('utf8');
}

describe('createCsr', () => {
  it('names every domain in subjectAltName, the first as CN, signed by an ECDSA key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const names = ['shop.example.com', '*.shop.example.com', `${'x'.repeat(63)}.example.com`];
    const der = createCsr(privateKey, names, names[0]);
    const read = acme.crypto.readCsrDomains(pem(der));
    expect(read.commonName).toBe(names[0]);
    expect(read.altNames).toEqual(names);
    const text = openssl(der);
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).toContain('DNS:*.shop.example.com');
    expect(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('hex')).toBe(
      createPublicKey(createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })))
        .export({ type: 'spki', format: 'der' })
        .toString('hex'),
    );
  });

  it('is refused by openssl when a byte of the signature changes (the check above is real)', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = createCsr(privateKey, ['a.example.com'], 'a.example.com');
    der[der.length - 3] ^= 1;
    expect(
      spawnSync('openssl', ['req', '-inform', 'DER', '-noout', '-verify'], { input: der }).stderr.toString('utf8'),
    ).toMatch(/verify failure/);
  });

  it('signs with RSA, and holds 100 names (long lengths) and addresses', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const names = [...Array.from({ length: 98 }, (_, i) => `name${i}.example.org`), '192.0.2.7', '2001:db8::1'];
    const der = createCsr(privateKey, names);
    const text = openssl(der);
    expect(text).toContain('sha256WithRSAEncryption');
    expect(text).toContain('DNS:name97.example.org');
    expect(text).toContain('IP Address:192.0.2.7');
    expect(text).toContain('IP Address:2001:DB8:0:0:0:0:0:1');
    expect(acme.crypto.readCsrDomains(pem(der)).commonName).toBeFalsy();
  });
});
