import type { Generated } from 'kysely';

// What a certificate is, as stored and read back: its tables, its record and the summary
// lists show, apart from the queries of CertificateStore (certificates.ts).

/** The tables of migration 0002-certificates, typed here so the shared schema file stays small. */
export interface CertificateTables {
  certificates: {
    id: string;
    tenant_id: string | null;
    webserver: string | null;
    name: string;
    domains: string;
    challenge: string;
    key_type: string;
    ca: string;
    ca_directory: string;
    serial: string;
    ari_cert_id: string;
    not_before: string;
    not_after: string;
    cert_pem: string;
    key_pem: string;
    status: string;
    replaces_id: string | null;
    created_at: string;
    activated_at: string | null;
    renew_after: string | null;
    ari_window_start: string | null;
    ari_window_end: string | null;
    ari_checked_at: string | null;
    renewal_failures: Generated<number>;
    next_attempt_at: string | null;
    last_error: string | null;
    /** Migration 0012: the ACME profile asked for (null: the CA's default). */
    profile: string | null;
    /** Migration 0020: the renewal pass holding this certificate's claim (its lease tells whether it lives). */
    claimed_by: string | null;
  };
  acme_accounts: { directory_url: string; key_thumbprint: string; ca: string; account_url: string; created_at: string };
  acme_validation_failures: { id: Generated<number>; ca: string; name: string; at: string; detail: string | null };
}

/**
 * pending: issued, not yet served; active: the one served for (webserver, name);
 * replaced: an older one, kept as history; abandoned: issued but never served (rolled back);
 * retired: its site was deleted: never renewed, its files removed, its key kept sealed here
 * only, so that the same tenant recreating the site gets it back while it is valid.
 */
export type CertificateStatus = 'pending' | 'active' | 'replaced' | 'abandoned' | 'retired';

/** A certificate as serein remembers it. `keyPem` is the only secret in it, sealed (src/certificates/keys.ts): never log or return it. */
export interface CertificateRecord {
  id: string;
  tenantId: string | null;
  webserver: string | null;
  /** The first name of the certificate: the folder it is installed in. */
  name: string;
  domains: string[];
  challenge: 'http-01' | 'dns-01';
  keyType: string;
  ca: string;
  caDirectory: string;
  serial: string;
  /** RFC 9773 certificate identifier, for renewalInfo and `replaces`. */
  ariCertId: string;
  notBefore: string;
  notAfter: string;
  certPem: string;
  keyPem: string;
  status: CertificateStatus;
  replacesId: string | null;
  createdAt: string;
  activatedAt: string | null;
  renewAfter: string | null;
  ariWindow: { start: string; end: string } | null;
  ariCheckedAt: string | null;
  renewalFailures: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  /** The CA profile it was ordered with (draft-aaron-acme-profiles), which its renewals order again; null: the CA's default. */
  profile: string | null;
}

/** What the API shows: everything but the key and the PEM bodies. */
export type CertificateSummary = Omit<CertificateRecord, 'keyPem' | 'certPem'>;

/** A certificates row as the store's queries select it (with the count of failed renewals). */
export type Row = CertificateTables['certificates'] & { renewal_failures: number };

/** A row as the rest of serein reads it. */
export function toRecord(r: Row): CertificateRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    webserver: r.webserver,
    name: r.name,
    domains: JSON.parse(r.domains),
    challenge: r.challenge as CertificateRecord['challenge'],
    keyType: r.key_type,
    ca: r.ca,
    caDirectory: r.ca_directory,
    serial: r.serial,
    ariCertId: r.ari_cert_id,
    notBefore: r.not_before,
    notAfter: r.not_after,
    certPem: r.cert_pem,
    keyPem: r.key_pem,
    status: r.status as CertificateStatus,
    replacesId: r.replaces_id,
    createdAt: r.created_at,
    activatedAt: r.activated_at,
    renewAfter: r.renew_after,
    ariWindow: r.ari_window_start && r.ari_window_end ? { start: r.ari_window_start, end: r.ari_window_end } : null,
    ariCheckedAt: r.ari_checked_at,
    renewalFailures: Number(r.renewal_failures),
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    profile: r.profile ?? null,
  };
}

/** Strips the secret and the bulky parts, for lists and the API. */
export function summarize(c: CertificateRecord): CertificateSummary {
  const { keyPem: _k, certPem: _c, ...rest } = c;
  return rest;
}
