import { check, type Check } from './check.js';
import { vantage as msg } from './messages-views.js';
import type { DnsClient, Lookup } from './resolver.js';

/**
 * The same name seen from several places. From 15 December 2026 a CA confirms each validation
 * from at least five remote network perspectives, each with its own resolver (CA/B Baseline
 * Requirements 3.2.2.9): split-horizon DNS, geo DNS or a CDN that gives one place another
 * answer can fail an order that every check run from one place passes. serein asks the A, AAAA
 * and CAA questions through the resolvers of each configured vantage point (`dns.vantagePoints`)
 * and compares each with what its own resolvers (`dns.resolvers`, the primary) see.
 *
 * The quorum mirrors the CAs': with 2 to 5 remote vantage points, none may disagree; with 6 or
 * more, one may (the BR allow one non-corroborating perspective from six on). More disagreeing
 * places than that refuse the order; one tolerated disagreement is a warning. A vantage point
 * that gets no answer counts as disagreeing, as a CA's perspective that cannot resolve does.
 */

/** One named place and the client asking its resolvers. */
export interface VantagePoint {
  name: string;
  dns: DnsClient;
}

/** How many remote vantage points may disagree before the order is refused (the BR's table). */
export function allowedDisagreements(remote: number): number {
  return remote >= 6 ? 1 : 0;
}

/** What one place sees: its answers as comparable text, or the question it could not get answered. */
interface Seen {
  place: string;
  records: string[];
  failed?: string;
}

const listed = (type: string, l: Lookup<string>) =>
  l.status === 'nxdomain' ? [`${type} NXDOMAIN`] : l.records.map((r) => `${type} ${r.toLowerCase()}`);

async function seenFrom(place: string, dns: DnsClient, name: string): Promise<Seen> {
  const [a, aaaa, caa] = await Promise.all([dns.a(name), dns.aaaa(name), dns.caa(name)]);
  const failed = [a, aaaa, caa].find((l) => l.status === 'error');
  if (failed) return { place, records: [], failed: failed.code ?? 'error' };
  const records = [
    ...listed('A', a),
    ...listed('AAAA', aaaa),
    ...(caa.status === 'nxdomain' ? [] : caa.records.map((r) => `CAA ${r.critical} ${r.tag} "${r.value}"`)),
  ];
  return { place, records: [...new Set(records)].sort() };
}

/**
 * Compares what each vantage point sees of `name` with what `primary` sees. With no vantage
 * point configured, says that it looked from one place only (a CA looks from five or more).
 */
export async function checkVantagePoints(
  primary: DnsClient,
  primaryName: string,
  points: VantagePoint[],
  name: string,
): Promise<Check> {
  const base = name.replace(/^\*\./, '');
  if (!points.length) return check('vantage-points', name, 'ok', msg.onePlace(name), { places: [primaryName] });
  const [home, ...away] = await Promise.all([
    seenFrom(primaryName, primary, base),
    ...points.map((p) => seenFrom(p.name, p.dns, base)),
  ]);
  const same = (s: Seen) => !s.failed && !home.failed && s.records.join('\n') === home.records.join('\n');
  const differing = away.filter((s) => !same(s));
  const allowed = allowedDisagreements(points.length);
  const detail = { primary: home, places: away, allowed, quorum: `${points.length - allowed} of ${points.length}` };
  if (!differing.length) return check('vantage-points', name, 'ok', msg.agree(name, points.length + 1), detail);
  const names = differing.map((s) => s.place);
  if (differing.length <= allowed)
    return check('vantage-points', name, 'warning', msg.tolerated(name, names, points.length + 1), {
      ...detail,
      differing: differing.map((s) => s.place),
    });
  return check('vantage-points', name, 'failure', msg.differ(name, names, points.length + 1), {
    ...detail,
    differing: differing.map((s) => s.place),
  });
}
