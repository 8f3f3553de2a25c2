import type { CertificateContext } from './context.js';
import type { IssuedCertificate } from './issue.js';

const PREFIX = 'sealed:';

/** The slice of the daemon's services key sealing needs. */
type Sealing = { certificates: Pick<CertificateContext, 'seal'> };

/** A private key as it is stored. */
export function sealKey(services: Sealing, pem: string): string {
  return PREFIX + services.certificates.seal.seal(pem);
}

/** A stored private key back to PEM (values stored before sealing are returned as they are). */
export function openKey(services: Sealing, stored: string): string {
  return stored.startsWith(PREFIX) ? services.certificates.seal.open(stored.slice(PREFIX.length)) : stored;
}

/** What the store keeps of a freshly issued certificate, its key sealed. */
export function issuedRecord(services: Sealing, issued: IssuedCertificate) {
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
