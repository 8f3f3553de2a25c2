import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A two-day self-signed P-256 certificate for `name` and its key, made by openssl in a
 * folder of its own under `dir` (removed after): a site's certificate pair where no CA is
 * needed. Asynchronous, so that a bench can make a thousand of them a few at once.
 */
export async function selfSigned(name: string, dir: string): Promise<{ certPem: string; keyPem: string }> {
  const tmp = await mkdtemp(join(dir, 'pair-'));
  try {
    const keyFile = join(tmp, 'key');
    const certFile = join(tmp, 'crt');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=DNS:${name}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
