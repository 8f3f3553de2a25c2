import { createRequire } from 'node:module';
import { parseDomain } from '../dns/domain.js';
import { OperationError } from '../errors.js';
import { check, type Check } from './check.js';
import * as msg from './messages.js';

/** The public suffix list (tldts), loaded when a name is first read rather than at every daemon start (issue 25). */
let suffixes: typeof import('tldts') | undefined;
export const tldts = () => (suffixes ??= createRequire(import.meta.url)('tldts') as typeof import('tldts'));

/** What the name checks learned: the ASCII name and its registered domain, when valid. */
export interface NameFacts {
  /** As typed, for messages. */
  raw: string;
  /** Lower-case punycode form, `*.` kept; undefined when the name is invalid. */
  ascii?: string;
  /** The domain someone registered (example.com for shop.example.com). */
  registered?: string;
  /** The public suffix it is under (com, co.uk, or an extra suffix). */
  suffix?: string;
  wildcard: boolean;
  checks: Check[];
}

/** Suffix and registered domain of a name, from the PSL or the configured extra suffixes (the longest wins). */
export function registeredDomain(
  name: string,
  extraSuffixes: readonly string[] = [],
): { suffix: string; registered: string | null; known: boolean } {
  const host = name.replace(/^\*\./, '');
  const p = tldts().parse(host, { allowPrivateDomains: true });
  let best = { suffix: p.publicSuffix ?? '', registered: p.domain, known: !!(p.isIcann || p.isPrivate) };
  if (!best.known) best = { suffix: '', registered: null, known: false };
  for (const extra of extraSuffixes) {
    const e = extra.toLowerCase().replace(/^\.|\.$/g, '');
    if (e.length <= best.suffix.length) continue;
    if (host === e) best = { suffix: e, registered: null, known: true };
    else if (host.endsWith(`.${e}`)) {
      const rest = host.slice(0, -e.length - 1).split('.');
      best = { suffix: e, registered: `${rest[rest.length - 1]}.${e}`, known: true };
    }
  }
  if (!best.known) best.suffix = p.publicSuffix ?? host.split('.').pop() ?? '';
  return best;
}

/**
 * Checks one name the way certificate authorities do before anything else: syntax,
 * reserved label forms, and that it sits under a real public suffix (not a suffix itself).
 */
export function checkName(raw: string, extraSuffixes: readonly string[]): NameFacts {
  const text = raw.trim();
  const wildcard = text.startsWith('*.');
  let ascii: string;
  try {
    ascii = parseDomain(text, true);
  } catch (err) {
    if (!(err instanceof OperationError)) throw err;
    return {
      raw,
      wildcard,
      checks: [check('syntax', raw, 'failure', msg.syntax.invalid(raw, err.userMessage, err.hint))],
    };
  }
  const labels = ascii.replace(/^\*\./, '').split('.');
  const reserved = labels.find((l) => /^..--/.test(l) && !l.startsWith('xn--'));
  if (reserved)
    return { raw, wildcard, checks: [check('syntax', raw, 'failure', msg.syntax.reservedLabel(raw, reserved))] };
  const checks: Check[] = [check('syntax', ascii, 'ok', msg.syntax.ok(ascii))];
  const rd = registeredDomain(ascii, extraSuffixes);
  if (!rd.known) {
    checks.push(check('public-suffix', ascii, 'failure', msg.syntax.notPublic(ascii, rd.suffix)));
    return { raw, ascii, wildcard, checks };
  }
  if (!rd.registered) {
    checks.push(check('public-suffix', ascii, 'failure', msg.syntax.bareSuffix(ascii.replace(/^\*\./, ''))));
    return { raw, ascii, wildcard, checks };
  }
  checks.push(
    check('public-suffix', ascii, 'ok', msg.syntax.publicOk(ascii, rd.registered), {
      suffix: rd.suffix,
      registered: rd.registered,
    }),
  );
  return { raw, ascii, registered: rd.registered, suffix: rd.suffix, wildcard, checks };
}
