import ipaddr from 'ipaddr.js';
import { BlockList, isIP } from 'node:net';
import type { Localized } from '../errors.js';

/**
 * The one answer to "is this address the provider's inside?", shared by the client
 * upstream policy (src/nginx/upstream-policy.ts), the doctor's HTTP probe
 * (src/dns/http-probe.ts) and the doctor's address checks. Two copies drifted before:
 * the upstreams refused NAT64 and 6to4 forms while the doctor connected to them.
 *
 * Ranges are matched with node's BlockList; IPv6 text is parsed with ipaddr.js (the
 * library fastify already brings) to read the IPv4 address some IPv6 forms carry: node
 * has no parser that gives an IPv6 address's bits.
 */

/** A special-purpose range, described for people. */
export interface Range {
  cidr: string;
  what: Localized;
}

const r = (cidr: string, en: string, fr: string): Range => ({ cidr, what: { en, fr } });

/**
 * Special-purpose ranges (RFC 6890 and successors) that a certificate authority can
 * never reach: a name pointing there cannot be validated over HTTP, and a client may
 * not send anything there.
 */
const RESERVED: Range[] = [
  r('0.0.0.0/8', 'a "this network" address', 'une adresse « ce réseau »'),
  r('10.0.0.0/8', 'a private network address', 'une adresse de réseau privé'),
  r('100.64.0.0/10', "an operator's shared (CGNAT) address", "une adresse partagée d'opérateur (CGNAT)"),
  r('127.0.0.0/8', 'a loopback address (the machine itself)', 'une adresse de bouclage (la machine elle-même)'),
  r('169.254.0.0/16', 'a link-local address', 'une adresse locale au lien'),
  r('172.16.0.0/12', 'a private network address', 'une adresse de réseau privé'),
  r('192.0.0.0/24', 'an IETF protocol address', 'une adresse de protocole IETF'),
  r('192.0.2.0/24', 'a documentation (example) address', "une adresse de documentation (d'exemple)"),
  r('192.88.99.0/24', 'a deprecated 6to4 relay address', 'une adresse de relais 6to4 obsolète'),
  r('192.168.0.0/16', 'a private network address', 'une adresse de réseau privé'),
  r('198.18.0.0/15', 'a benchmarking address', 'une adresse de test de performance'),
  r('198.51.100.0/24', 'a documentation (example) address', "une adresse de documentation (d'exemple)"),
  r('203.0.113.0/24', 'a documentation (example) address', "une adresse de documentation (d'exemple)"),
  r('224.0.0.0/4', 'a multicast address', 'une adresse de multidiffusion'),
  r('240.0.0.0/4', 'a reserved address', 'une adresse réservée'),
  r('::/128', 'the unspecified address', "l'adresse non spécifiée"),
  r('::1/128', 'a loopback address (the machine itself)', 'une adresse de bouclage (la machine elle-même)'),
  r('100::/64', 'a discard-only address', 'une adresse de rejet'),
  r('2001:db8::/32', 'a documentation (example) address', "une adresse de documentation (d'exemple)"),
  r('2001::/23', 'an IETF protocol address', 'une adresse de protocole IETF'),
  r('fc00::/7', 'a private network (unique local) address', 'une adresse de réseau privé (locale unique)'),
  r('fe80::/10', 'a link-local address', 'une adresse locale au lien'),
  r('ff00::/8', 'a multicast address', 'une adresse de multidiffusion'),
];

/**
 * IPv6 forms that carry an IPv4 address, and where it sits (the index of its first
 * 16-bit group). Every one is judged first by the IPv4 address it carries: an internal
 * one refuses the address whatever the form. `routed` says what happens when that IPv4
 * address is public:
 * - IPv4-mapped `::ffff:0:0/96`: the socket talks IPv4 to that very address. Refused all
 *   the same (a CA refuses it too): whoever means it can write the IPv4 address itself.
 * - IPv4-compatible `::/96` (RFC 4291, deprecated since 2006, never assigned): Linux's
 *   `sit` tunnel still sends it to the IPv4 inside. Refused. `::` and `::1` are not this
 *   form: they keep their own meaning (listed first, they are matched first).
 * - IPv4-translated `::ffff:0:0:0/96` (SIIT, RFC 6145): a translator sends it to the IPv4
 *   inside. Refused.
 * - NAT64 `64:ff9b::/96` (RFC 6052): a NAT64 gateway sends it to the IPv4 inside, and the
 *   RFC forbids it for non-public IPv4. Judged as that IPv4 (`routed`): a DNS64 resolver
 *   gives such an AAAA to every IPv4-only name, so refusing the form would refuse them all.
 * - local-use NAT64 `64:ff9b:1::/48` (RFC 8215): the operator picks the prefix length
 *   (/48 to /96), so where the IPv4 sits cannot be known; it is read as the /96 form, the
 *   usual one, for the reason given, and refused whatever it carries.
 * - 6to4 `2002::/16` (RFC 3056, deprecated by RFC 7526): the IPv4 of the router at the
 *   other end (bits 16 to 47), which relays tunnel to. Refused.
 * - Teredo `2001::/32` (RFC 4380): the client's IPv4, its NAT's public address, is the
 *   last 32 bits inverted; relays tunnel to it. Refused (the server's IPv4, bits 32 to 63,
 *   is not where the traffic goes).
 */
interface Form extends Range {
  at: number;
  inverted?: boolean;
  routed?: boolean;
}

const FORMS: Form[] = [
  { ...r('::ffff:0:0/96', 'an IPv4-mapped address', 'une adresse IPv4 transposée'), at: 6 },
  { ...r('::/96', 'an IPv4-compatible address (obsolete)', 'une adresse compatible IPv4 (obsolète)'), at: 6 },
  { ...r('::ffff:0:0:0/96', 'an IPv4-translated address', 'une adresse IPv4 traduite'), at: 6 },
  { ...r('64:ff9b::/96', 'a NAT64 address', 'une adresse NAT64'), at: 6, routed: true },
  { ...r('64:ff9b:1::/48', 'a local NAT64 address', 'une adresse NAT64 locale'), at: 6 },
  { ...r('2002::/16', 'a 6to4 address', 'une adresse 6to4'), at: 1 },
  { ...r('2001::/32', 'a Teredo address', 'une adresse Teredo'), at: 6, inverted: true },
];

const familyOf = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/** One list per range, checked only for its own family: node's BlockList matches an IPv4 address against ::ffff:0:0/96. */
const listed = <T extends Range>(ranges: T[]) =>
  ranges.map((range) => {
    const [net, bits] = range.cidr.split('/');
    const list = new BlockList();
    list.addSubnet(net, Number(bits), familyOf(net));
    return { range, family: familyOf(net), list };
  });
const reservedLists = listed(RESERVED);
const formLists = listed(FORMS);

/** The reserved range an address falls in, as written (no IPv4 read from inside it). */
function reservedAs(ip: string): Range | undefined {
  const f = familyOf(ip);
  return reservedLists.find((x) => x.family === f && x.list.check(ip, f))?.range;
}

/** An IPv4 address carried by an IPv6 one, with the form that carries it. */
export interface Embedded {
  ipv4: string;
  form: Range;
  routed: boolean;
}

/** The IPv4 address an IPv6 address carries (see FORMS), or undefined. */
function embeddedIpv4(ip: string): Embedded | undefined {
  if (isIP(ip) !== 6) return undefined;
  const parts = ipaddr.IPv6.parse(ip.replace(/%.*$/, '')).parts;
  if (parts.slice(0, 7).every((p) => p === 0) && parts[7] <= 1) return undefined; // :: and ::1
  const hit = formLists.find((x) => x.list.check(ip, 'ipv6'))?.range;
  if (!hit) return undefined;
  const [hi, lo] = [parts[hit.at], parts[hit.at + 1]].map((p) => (hit.inverted ? ~p & 0xffff : p));
  const ipv4 = [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  return { ipv4, form: { cidr: hit.cidr, what: hit.what }, routed: hit.routed === true };
}

/** Why an address is not public, with what it hides when it carries an IPv4 address. */
export interface NotPublic extends Range {
  embedded?: Embedded;
}

/**
 * Why an address may not be reached for a client (a reserved range, or an IPv6 form
 * hiding an internal IPv4 address or refused as such); undefined when it is public.
 * An IPv6 form carrying an internal IPv4 address is refused by that IPv4 address's range,
 * so the reason reads as it would for the IPv4 address itself.
 */
export function notPublic(ip: string): NotPublic | undefined {
  if (!isIP(ip)) return undefined;
  const embedded = embeddedIpv4(ip);
  if (embedded) {
    const inner = reservedAs(embedded.ipv4);
    if (inner) {
      return {
        cidr: inner.cidr,
        what: {
          en: `${embedded.form.what.en} hiding ${embedded.ipv4}, ${inner.what.en}`,
          fr: `${embedded.form.what.fr} qui cache ${embedded.ipv4}, ${inner.what.fr}`,
        },
        embedded,
      };
    }
    if (!embedded.routed) return { ...embedded.form, embedded };
  }
  return reservedAs(ip);
}

/** For admins: the address, what it hides, and the range that refuses it. */
export function describeNotPublic(ip: string, why: NotPublic): string {
  const hidden = why.embedded
    ? ` (${why.embedded.form.what.en} ${why.embedded.form.cidr} carrying ${why.embedded.ipv4})`
    : '';
  return `${ip}${hidden} in ${why.cidr}`;
}

/**
 * Every address a connection to `ip` ends at, as far as serein can tell: the address, and
 * the IPv4 address a routed form (NAT64) leads to. Checks of "one of our own servers" or
 * "a network the admin opened" look at all of them.
 */
export function destinations(ip: string): string[] {
  const e = embeddedIpv4(ip);
  return e?.routed ? [ip, e.ipv4] : [ip];
}

/** Canonical text of an address, so 2001:DB8:0::1 and 2001:db8::1 compare equal. */
export function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** Whether `ip` is one of `list`, comparing canonical forms. */
export function includesIp(list: readonly string[], ip: string): boolean {
  const c = canonicalIp(ip);
  return list.some((x) => canonicalIp(x) === c);
}
