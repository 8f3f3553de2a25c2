import { check, type Check, type Repair } from './check.js';
import * as msg from './messages.js';
import type { CaaRecord, DnsClient } from './resolver.js';

/** A configured CA as CAA sees it: the names it accepts in "issue" records, and our account there. */
export interface CaIdentity {
  name: string;
  /** null when unknown (not configured and not in the directory meta). */
  identities: string[] | null;
  accountUri?: string;
}

/** Tags certificate authorities understand; an unknown one marked critical forbids issuance (RFC 8659). */
const KNOWN_TAGS = new Set(['issue', 'issuewild', 'iodef', 'contactemail', 'contactphone', 'issuemail', 'issuevmc']);

/** One "issue"/"issuewild" value: `ca.example; key=value; key2=value2`. */
export function parseIssueValue(value: string): { domain: string; params: Record<string, string> } {
  const [head, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim();
  }
  return { domain: head.trim().toLowerCase(), params };
}

/** The relevant CAA set: the records of the closest name, walking up to (not including) the public suffix. */
export async function findCaaSet(
  dns: DnsClient,
  host: string,
  suffix: string,
): Promise<{ holder: string; records: CaaRecord[] } | { holder: null; records: [] } | { error: string; at: string }> {
  const labels = host.split('.');
  const suffixLabels = suffix ? suffix.split('.').length : 1;
  for (let i = 0; i <= labels.length - suffixLabels - 1; i++) {
    const at = labels.slice(i).join('.');
    const res = await dns.caa(at);
    if (res.status === 'error') return { error: res.code ?? 'error', at };
    if (res.status === 'ok') return { holder: at, records: res.records };
  }
  return { holder: null, records: [] };
}

type Verdict =
  | { ca: string; allowed: true }
  | { ca: string; allowed: false; why: 'forbids' | 'method' | 'account' | 'unknown'; methods?: string[] };

/** Whether one CA may issue for a name under these records (RFC 8659 and RFC 8657 parameters). */
export function caaVerdict(records: CaaRecord[], wildcard: boolean, method: string, ca: CaIdentity): Verdict {
  const property = wildcard && records.some((r) => r.tag === 'issuewild') ? 'issuewild' : 'issue';
  const relevant = records.filter((r) => r.tag === property);
  if (relevant.length === 0) return { ca: ca.name, allowed: true };
  if (!ca.identities) return { ca: ca.name, allowed: false, why: 'unknown' };
  const ids = ca.identities.map((i) => i.toLowerCase());
  const mine = relevant.map((r) => parseIssueValue(r.value)).filter((v) => v.domain && ids.includes(v.domain));
  if (mine.length === 0) return { ca: ca.name, allowed: false, why: 'forbids' };
  let methods: string[] | undefined;
  for (const v of mine) {
    const vm = v.params.validationmethods?.split(',').map((s) => s.trim().toLowerCase());
    if (vm && !vm.includes(method)) {
      methods = vm;
      continue;
    }
    if (v.params.accounturi && v.params.accounturi !== ca.accountUri) continue;
    return { ca: ca.name, allowed: true };
  }
  return methods
    ? { ca: ca.name, allowed: false, why: 'method', methods }
    : { ca: ca.name, allowed: false, why: 'account' };
}

/**
 * The CAA check for one name: which of the configured CAs the records allow, with the
 * reason and the exact record to add when none does.
 */
export async function checkCaa(
  dns: DnsClient,
  name: string,
  suffix: string,
  method: 'http-01' | 'dns-01',
  cas: CaIdentity[],
): Promise<{ check: Check; allowed: string[] }> {
  const wildcard = name.startsWith('*.');
  const host = name.replace(/^\*\./, '');
  const set = await findCaaSet(dns, host, suffix);
  if ('error' in set)
    return {
      check: check('caa', name, 'failure', msg.caa.lookupFailed(name, set.at, set.error), {
        at: set.at,
        code: set.error,
      }),
      allowed: [],
    };
  const all = cas.map((c) => c.name);
  if (!set.holder) return { check: check('caa', name, 'ok', msg.caa.none(name)), allowed: all };
  const detail = { holder: set.holder, records: set.records.map((r) => `${r.critical} ${r.tag} "${r.value}"`) };
  const critical = set.records.find((r) => r.critical & 128 && !KNOWN_TAGS.has(r.tag));
  if (critical)
    return {
      check: check('caa', name, 'failure', msg.caa.criticalUnknown(name, set.holder, critical.tag), detail),
      allowed: [],
    };
  const verdicts = cas.map((ca) => caaVerdict(set.records, wildcard, method, ca));
  const allowed = verdicts.filter((v) => v.allowed).map((v) => v.ca);
  const unknown = verdicts.filter((v) => !v.allowed && v.why === 'unknown').map((v) => v.ca);
  if (allowed.length === cas.length)
    return { check: check('caa', name, 'ok', msg.caa.allows(name, set.holder, allowed), detail), allowed };
  if (allowed.length > 0) {
    const excluded = all.filter((c) => !allowed.includes(c));
    return { check: check('caa', name, 'warning', msg.caa.someExcluded(name, allowed, excluded), detail), allowed };
  }
  if (unknown.length > 0)
    return {
      check: check('caa', name, 'warning', msg.caa.unknownIdentity(name, set.holder, unknown), detail),
      allowed: unknown,
    };
  const first = verdicts[0] as Extract<Verdict, { allowed: false }> | undefined;
  if (!first) return { check: check('caa', name, 'ok', msg.caa.none(name)), allowed: [] };
  if (first.why === 'method')
    return {
      check: check(
        'caa',
        name,
        'failure',
        msg.caa.methodExcluded(name, set.holder, method, first.methods ?? []),
        detail,
      ),
      allowed: [],
    };
  if (first.why === 'account')
    return { check: check('caa', name, 'failure', msg.caa.accountBound(name, set.holder), detail), allowed: [] };
  const property = wildcard && set.records.some((r) => r.tag === 'issuewild') ? 'issuewild' : 'issue';
  const found = [
    ...new Set(
      set.records
        .filter((r) => r.tag === property)
        .map((r) => parseIssueValue(r.value).domain)
        .filter(Boolean),
    ),
  ];
  const ids = cas.flatMap((c) => c.identities ?? []);
  const repair: Repair | undefined = ids.length
    ? {
        op: 'create',
        type: 'CAA',
        name: set.holder,
        to: `0 ${property} "${ids[0]}"`,
        summary: {
          en: `Add the CAA record 0 ${property} "${ids[0]}" at ${set.holder}`,
          fr: `Ajouter l'enregistrement CAA 0 ${property} "${ids[0]}" sur ${set.holder}`,
        },
      }
    : undefined;
  return {
    check: check(
      'caa',
      name,
      'failure',
      msg.caa.forbids(name, set.holder, found, ids, property === 'issuewild'),
      detail,
      repair,
    ),
    allowed: [],
  };
}
