// The RFC 8555 objects as the CA sends them (directory, order, authorization, challenge,
// problem document) and the three ways a request to the CA ends in error: what the ACME
// client speaks, apart from how it speaks it (src/acme/client.ts).

/** The CA's directory (RFC 8555 §7.1.1), with the ARI and profile extensions. */
export interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert?: string;
  keyChange?: string;
  /** RFC 9773: present when the CA offers ACME Renewal Information. */
  renewalInfo?: string;
  meta?: {
    termsOfService?: string;
    caaIdentities?: string[];
    externalAccountRequired?: boolean;
    profiles?: Record<string, string>;
  };
}

/** What a certificate is for: a DNS name (or an IP address, with the shortlived profile). */
export interface Identifier {
  type: 'dns' | 'ip';
  value: string;
}

/** An ACME order (RFC 8555 §7.1.3), with the URL it lives at. */
export interface Order {
  url: string;
  status: 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
  identifiers: Identifier[];
  authorizations: string[];
  finalize: string;
  certificate?: string;
  error?: ProblemDocument;
  expires?: string;
  profile?: string;
}

/** One way the CA offers to check control of a name (http-01, dns-01...). */
export interface Challenge {
  type: string;
  url: string;
  status: string;
  token: string;
  error?: ProblemDocument;
  validated?: string;
}

/** The CA's record that control of one name must be (or was) proved. */
export interface Authorization {
  url: string;
  status: 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
  identifier: Identifier;
  challenges: Challenge[];
  wildcard?: boolean;
  expires?: string;
}

/** An error as the CA describes it (RFC 7807 with ACME types). */
export interface ProblemDocument {
  type?: string;
  detail?: string;
  status?: number;
  subproblems?: ProblemDocument[];
  identifier?: Identifier;
}

const ERR = 'urn:ietf:params:acme:error:';

/**
 * An error document from the CA. `kind` is the part after urn:ietf:params:acme:error:,
 * e.g. "unauthorized", "rateLimited", "badNonce".
 */
export class AcmeProblem extends Error {
  readonly kind: string;
  constructor(
    readonly problem: ProblemDocument,
    readonly httpStatus: number,
    /** From Retry-After, in milliseconds. */
    readonly retryAfterMs?: number,
    readonly url?: string,
  ) {
    super(`${problem.type ?? 'unknown problem'}: ${problem.detail ?? ''}`.trim());
    this.name = 'AcmeProblem';
    this.kind = (problem.type ?? '').startsWith(ERR) ? problem.type!.slice(ERR.length) : (problem.type ?? 'unknown');
  }
}

/** The CA could not be reached at all, even after retries (network down, TLS refused, timeouts). */
export class AcmeUnreachable extends Error {
  constructor(
    readonly url: string,
    readonly code: string,
  ) {
    super(`cannot reach the certificate authority at ${new URL(url).origin} (${code})`);
    this.name = 'AcmeUnreachable';
  }
}

/** A wait that ran out: the CA kept an object pending longer than allowed. */
export class AcmeTimeout extends Error {
  constructor(
    readonly url: string,
    readonly lastStatus: string,
  ) {
    super(`the certificate authority kept ${url} "${lastStatus}" too long`);
    this.name = 'AcmeTimeout';
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
