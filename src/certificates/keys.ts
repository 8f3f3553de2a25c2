import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from '../engine/action.js';
import { SealBox } from '../secrets.js';
import type { IssuedCertificate } from './issue.js';

const PREFIX = 'sealed:';

/**
 * The box that seals certificate keys in the store, with the daemon's seal key
 * (`<stateDir>/seal.key`, 0600): a copy of the database alone gives no private key.
 */
function box(services: Services): SealBox {
  return services.shared('certificates:seal', () => {
    const file = join(services.config.stateDir, 'seal.key');
    mkdirSync(services.config.stateDir, { recursive: true, mode: 0o700 });
    if (!existsSync(file)) {
      try {
        writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    return new SealBox(readFileSync(file));
  });
}

/** A private key as it is stored. */
export function sealKey(services: Services, pem: string): string {
  return PREFIX + box(services).seal(pem);
}

/** A stored private key back to PEM (values stored before sealing are returned as they are). */
export function openKey(services: Services, stored: string): string {
  return stored.startsWith(PREFIX) ? box(services).open(stored.slice(PREFIX.length)) : stored;
}

/** What the store keeps of a freshly issued certificate, its key sealed. */
export function issuedRecord(services: Services, issued: IssuedCertificate) {
  return {
    ca: issued.ca,
    caDirectory: issued.caDirectory,
    serial: issued.serial,
    ariCertId: issued.ariCertId,
    notBefore: issued.notBefore.toISOString(),
    notAfter: issued.notAfter.toISOString(),
    certPem: issued.fullChainPem,
    keyPem: sealKey(services, issued.keyPem),
  };
}
