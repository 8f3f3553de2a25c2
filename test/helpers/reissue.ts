import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './tmp.js';

const run = promisify(execFile);

/** An issuing CA of the scripted CA's own: what it signs certificates of a profile's lifetime with. */
export interface Reissuer {
  /** PEM of the issuer, sent after the leaf as its chain. */
  issuerPem: string;
  /**
   * The same certificate (serial, names, public key) valid from now for `days`, signed by
   * this issuer: Pebble 2.4 issues one lifetime only, a profile's CA issues several.
   */
  reissue(leafPem: string, days: number): Promise<string>;
}

/** A P-256 issuer made with openssl in a folder removed after the test file. */
export async function startReissuer(): Promise<Reissuer> {
  const dir = tempDir('serein-profiles-ca-');
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  await openssl([
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
    '/CN=serein-lab profiles CA',
    '-addext',
    'subjectKeyIdentifier=hash',
  ]);
  // openssl 3.0 signs a certificate from a request only: one of a throwaway key, whose public key is replaced by the leaf's.
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'throwaway.key']);
  const issuerPem = await readFile(join(dir, 'ca.pem'), 'utf8');
  let n = 0;
  return {
    issuerPem,
    async reissue(leafPem, days) {
      const leaf = new X509Certificate(leafPem);
      const names = (leaf.subjectAltName ?? '').split(', ').filter(Boolean);
      const id = `${++n}`;
      await writeFile(join(dir, `${id}.pub`), leaf.publicKey.export({ type: 'spki', format: 'pem' }));
      await writeFile(
        join(dir, `${id}.ext`),
        [
          `subjectAltName=${names.join(',')}`,
          'authorityKeyIdentifier=keyid',
          'basicConstraints=critical,CA:FALSE',
          'keyUsage=critical,digitalSignature',
          'extendedKeyUsage=serverAuth',
          '',
        ].join('\n'),
      );
      const cn = names[0]?.replace(/^DNS:/, '') ?? 'serein-lab';
      await openssl(['req', '-new', '-key', 'throwaway.key', '-subj', `/CN=${cn}`, '-out', `${id}.csr`]);
      await openssl([
        'x509',
        '-req',
        '-in',
        `${id}.csr`,
        '-force_pubkey',
        `${id}.pub`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        `0x${leaf.serialNumber}`,
        '-days',
        String(days),
        '-extfile',
        `${id}.ext`,
        '-out',
        `${id}.pem`,
      ]);
      return readFile(join(dir, `${id}.pem`), 'utf8');
    },
  };
}
