import { isIP } from 'node:net';
import type * as packet from 'dns-packet';
import { notPublic } from '../net/address-policy.js';
import type { Semaphore } from '../util/concurrency.js';
import { check, type Check } from './check.js';
import { nameservers as msg } from './messages-views.js';
import { authoritativeServers, type Authoritative, type DnsClient } from './resolver.js';
import { ask, hostPort, type WireAnswer } from './wire.js';

/**
 * Every authoritative nameserver of a name, over each of its addresses (IPv4 and IPv6), asked
 * the questions the CA will ask (A, AAAA, CAA) without recursion, and its zone's serial. A
 * resolver, ours or the CA's, picks any of them: one that still serves an old copy of the zone
 * (a secondary that stopped transferring, a DNS host left half-way) or does not answer for the
 * zone at all (a lame delegation) fails some orders and not others, which no single lookup shows.
 */

/** How to reach the nameservers, and the semaphore that bounds the questions of one preflight. */
export interface NameserverOptions {
  /** Servers asked when the NS records give none (split horizon, a lab): `dns.authoritative`. */
  fallback: string[];
  /** The port nameservers found in NS records answer on: 53 (a lab sets another). */
  port: number;
  timeoutMs: number;
  limit: Semaphore;
}

const QUESTIONS: packet.RecordType[] = ['A', 'AAAA', 'CAA'];

/** What one server said, as comparable text ("A 192.0.2.1", "CAA 0 issue ..."), or why it did not. */
interface ServerView {
  server: string;
  address: string;
  family: 'ipv4' | 'ipv6';
  serial: number | null;
  records: string[];
  problem?: string;
}

function shown(r: packet.Answer): string | null {
  if (r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME') return `${r.type} ${String(r.data).toLowerCase()}`;
  if (r.type === 'CAA') return `CAA ${r.data.flags ?? 0} ${r.data.tag} "${r.data.value}"`;
  return null;
}

/**
 * Whether serein may ask an address a client's NS records give. Never what the shared address
 * policy refuses as not public: the records are the client's to write, and would otherwise make
 * serein probe the provider's inside on port 53 (the error codes even telling what answered).
 * One exception keeps the lab working: a loopback address when `dns.nameserverPort` is not 53.
 * Only a lab moves every nameserver off port 53 (test/lab/components/dnssec.ts runs its whole
 * tree on 127.0.0.1 and ::1 at one free port); a production daemon asks on 53, where loopback
 * stays refused, and private, link-local and metadata addresses are refused on any port.
 */
export function mayAsk(address: string, port: number): boolean {
  const why = notPublic(address);
  if (!why) return true;
  return port !== 53 && !why.embedded && (why.cidr === '127.0.0.0/8' || why.cidr === '::1/128');
}

async function viewOf(
  name: string,
  zone: string | null,
  s: Authoritative['servers'][number],
  fromNs: boolean,
  o: NameserverOptions,
): Promise<ServerView> {
  const server = s.at;
  const family = isIP(hostPort(server).host) === 6 ? 'ipv6' : 'ipv4';
  const view: ServerView = { server: s.name, address: server, family, serial: null, records: [] };
  const q = (n: string, t: packet.RecordType) =>
    o.limit.run(() => ask(server, n, t, { recurse: false, timeoutMs: o.timeoutMs }));
  let answers: WireAnswer[];
  try {
    answers = await Promise.all([...QUESTIONS.map((t) => q(name, t)), q(zone ?? name, 'SOA')]);
  } catch (err) {
    return { ...view, problem: (err as NodeJS.ErrnoException).code ?? 'unreachable' };
  }
  const soa = answers[3];
  const serial =
    [...soa.answers, ...soa.authorities].find((r): r is packet.SoaAnswer => r.type === 'SOA')?.data.serial ?? null;
  const bad = answers.find((a) => a.rcode !== 'NOERROR' && a.rcode !== 'NXDOMAIN');
  // Only a server named in the NS records owes an authoritative answer; a configured fallback may be a resolver.
  if (bad) return { ...view, serial, problem: bad.rcode };
  if (fromNs && answers.some((a) => !a.aa)) return { ...view, serial, problem: 'not-authoritative' };
  const records = answers
    .slice(0, 3)
    .flatMap((a, i) =>
      a.rcode === 'NXDOMAIN' ? [`${QUESTIONS[i]} NXDOMAIN`] : a.answers.map(shown).filter((x): x is string => !!x),
    );
  return { ...view, serial, records: [...new Set(records)].sort() };
}

/**
 * Asks every nameserver of `name` (each address) the CA's questions and names the ones that
 * answer differently from the most recent copy of the zone (the highest serial, then the most
 * servers), or do not answer for it.
 */
export async function checkNameservers(dns: DnsClient, name: string, o: NameserverOptions): Promise<Check> {
  const base = name.replace(/^\*\./, '');
  const auth = await authoritativeServers(dns, base, {
    fallback: o.fallback,
    port: o.port,
    allowed: (address) => mayAsk(address, o.port),
  });
  const asked = await Promise.all(auth.servers.map((s) => viewOf(base, auth.zone, s, auth.fromNs, o)));
  // Named to the client as they wrote them, with why they were not asked (no packet went there).
  const refused = auth.refused.map((s) => ({ server: s.name, address: s.address, reason: notPublic(s.address)!.what }));
  // Servers from the NS records are the client's DNS host's, public: named. The configured
  // fallback ones are the provider's own (often its resolvers): their addresses are for admins only.
  const views = auth.fromNs
    ? asked
    : asked.map((v, i) => ({ ...v, server: `configured server ${i + 1}`, address: '' }));
  const admin = auth.fromNs
    ? undefined
    : { servers: asked.map((v, i) => ({ server: `configured server ${i + 1}`, address: v.address })) };
  const withAdmin = (c: Check): Check => (admin ? { ...c, adminDetail: admin } : c);
  if (!views.length && refused.length)
    return check(
      'nameservers',
      name,
      'warning',
      msg.unreachable(name, auth.zone ?? base, refused.length, refused.length, refused),
      { zone: auth.zone, servers: [], refused },
    );
  if (!views.length)
    return check('nameservers', name, 'warning', msg.noneAnswer(name, auth.zone ?? base), {
      zone: auth.zone,
      servers: [],
    });
  const answering = views.filter((v) => !v.problem);
  const key = (v: ServerView) => v.records.join('\n');
  const counts = new Map<string, number>();
  for (const v of answering) counts.set(key(v), (counts.get(key(v)) ?? 0) + 1);
  const newest = Math.max(...answering.map((v) => v.serial ?? -1));
  const reference = [...answering].sort(
    (x, y) =>
      Number((y.serial ?? -1) === newest) - Number((x.serial ?? -1) === newest) ||
      counts.get(key(y))! - counts.get(key(x))!,
  )[0];
  const detail = (v: ServerView) => ({
    server: v.server,
    address: v.address,
    family: v.family,
    serial: v.serial,
    records: v.records,
    ...(v.problem ? { problem: v.problem } : {}),
  });
  const servers = views.map(detail);
  const differing = reference ? answering.filter((v) => key(v) !== key(reference)) : [];
  const zone = auth.zone ?? base;
  const facts = { zone, servers, fromNs: auth.fromNs, ...(refused.length ? { refused } : {}) };
  if (differing.length) {
    const old = differing.some((v) => v.serial !== null && reference.serial !== null && v.serial < reference.serial);
    return withAdmin(
      check(
        'nameservers',
        name,
        'failure',
        old
          ? msg.oldCopy(name, zone, differing.length, views.length, differing, reference)
          : msg.differ(name, zone, differing.length, views.length, differing, reference),
        {
          ...facts,
          differing: differing.map(detail),
          expected: detail(reference),
        },
      ),
    );
  }
  const silent = views.filter((v) => v.problem);
  if (silent.length && !answering.length)
    return withAdmin(check('nameservers', name, 'warning', msg.noneAnswer(name, zone), facts));
  if (refused.length)
    return withAdmin(
      check(
        'nameservers',
        name,
        'warning',
        msg.unreachable(name, zone, refused.length, refused.length + views.length, refused),
        { ...facts, ...(silent.length ? { lame: silent.map(detail) } : {}) },
      ),
    );
  if (silent.length)
    return withAdmin(
      check('nameservers', name, 'warning', msg.lame(name, zone, silent.length, views.length, silent), {
        ...facts,
        lame: silent.map(detail),
      }),
    );
  return withAdmin(
    check('nameservers', name, 'ok', msg.agree(name, views.length, [...new Set(views.map((v) => v.family))]), facts),
  );
}
