import type { Localized } from '../errors.js';
import { unicodeNames } from './messages-words.js';

/** ok: nothing to do; warning: issuance can go on but something deserves a look; failure: it cannot. */
export type CheckStatus = 'ok' | 'warning' | 'failure';

/**
 * A DNS change serein can make itself when a configured DNS provider holds the zone and
 * the caller may manage it; it runs only through the dns.fix playbook, on explicit confirmation.
 */
export interface Repair {
  /** delete: remove the record; update: change its content; create: add a record. */
  op: 'delete' | 'update' | 'create';
  type: 'A' | 'AAAA' | 'CAA';
  /** Fully qualified record name, without the final dot. */
  name: string;
  /** The content to remove (delete), replace (update). */
  from?: string;
  /** The new content (update, create). For CAA: `0 issue "letsencrypt.org"`. */
  to?: string;
  /** What the repair does, for the confirmation screen. */
  summary: Localized;
}

/**
 * One finding of the preflight: a stable id (for machines), the name it is about, a
 * plain-language explanation and the exact fix (for people), in both languages.
 */
export interface Check {
  id: CheckId;
  domain: string;
  status: CheckStatus;
  title: Localized;
  message: Localized;
  fix?: Localized;
  /**
   * The same finding for a technician, in words (the address fetched, the DNS question and
   * the error code): behind "Technical details", for the client to forward; never the main text.
   */
  technical?: Localized;
  /** Technical facts behind the finding (addresses, records, HTTP statuses). */
  detail?: Record<string, unknown>;
  /** Facts only admins may see (where a refused redirect led): never sent to a client. */
  adminDetail?: Record<string, unknown>;
  repair?: Repair;
}

/** Stable identifiers of the checks, for machines (the JSON output, tests, dashboards). */
export type CheckId =
  | 'syntax'
  | 'public-suffix'
  | 'wildcard-challenge'
  | 'domain-exists'
  | 'caa'
  | 'addresses'
  | 'reserved-address'
  | 'target-address'
  | 'cloudflare-proxy'
  | 'http-token'
  | 'address-consistency'
  | 'dnssec'
  | 'nameservers'
  | 'vantage-points'
  | 'dns01-txt'
  | 'dns01-doubled-label'
  | 'dns01-zone'
  | 'dns01-delegation'
  | 'dns01-nameservers'
  | 'failure-budget';

/**
 * Text shaped like an explanation: what was found (at most two plain sentences), the fix
 * (absent when all is well), and what a technician needs (codes, addresses, paths).
 */
export interface Explanation {
  title: Localized;
  message: Localized;
  fix?: Localized;
  technical?: Localized;
}

/** Builds a check from an explanation; names are shown as people write them (bücher.fr, not xn--bcher-kva.fr). */
export function check(
  id: CheckId,
  domain: string,
  status: CheckStatus,
  e: Explanation,
  detail?: Record<string, unknown>,
  repair?: Repair,
): Check {
  const u = (l: Localized): Localized => ({ en: unicodeNames(l.en), fr: unicodeNames(l.fr) });
  return {
    id,
    domain,
    status,
    title: u(e.title),
    message: u(e.message),
    ...(e.fix ? { fix: u(e.fix) } : {}),
    ...(e.technical ? { technical: e.technical } : {}),
    ...(detail ? { detail } : {}),
    ...(repair ? { repair } : {}),
  };
}

/** The outcome of a preflight: every check, and whether an order may be placed. */
export interface Diagnosis {
  ok: boolean;
  challenge: 'http-01' | 'dns-01';
  domains: string[];
  checks: Check[];
  /** The configured CAs the CAA records allow for every name, in order of preference. */
  cas: string[];
  /** The resolvers the checks asked (ip:port), for admins: clients read "our DNS check". */
  resolvers?: string[];
  /** Milliseconds the preflight took. */
  tookMs: number;
}

/** Worst status first, so a reader sees what matters at once. */
export const severity: Record<CheckStatus, number> = { failure: 0, warning: 1, ok: 2 };
