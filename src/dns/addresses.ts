import { BlockList, isIP } from 'node:net';
import type { Localized } from '../errors.js';

interface Range { cidr: string; what: Localized }

const r = (cidr: string, en: string, fr: string): Range => ({ cidr, what: { en, fr } });

/**
 * Special-purpose ranges (RFC 6890 and successors) that a certificate authority can
 * never reach: a name pointing there cannot be validated over HTTP.
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
  r('::ffff:0:0/96', 'an IPv4-mapped address', 'une adresse IPv4 transposée'),
  r('100::/64', 'a discard-only address', 'une adresse de rejet'),
  r('2001:db8::/32', 'a documentation (example) address', "une adresse de documentation (d'exemple)"),
  r('2001::/23', 'an IETF protocol address', 'une adresse de protocole IETF'),
  r('fc00::/7', 'a private network (unique local) address', 'une adresse de réseau privé (locale unique)'),
  r('fe80::/10', 'a link-local address', 'une adresse locale au lien'),
  r('ff00::/8', 'a multicast address', 'une adresse de multidiffusion'),
];

/** Cloudflare's published proxy ranges (https://www.cloudflare.com/ips/). */
const CLOUDFLARE = [
  '173.245.48.0/20', '103.21.244.0/22', '103.22.200.0/22', '103.31.4.0/22', '141.101.64.0/18', '108.162.192.0/18',
  '190.93.240.0/20', '188.114.96.0/20', '197.234.240.0/22', '198.41.128.0/17', '162.158.0.0/15', '104.16.0.0/13',
  '104.24.0.0/14', '172.64.0.0/13', '131.0.72.0/22',
  '2400:cb00::/32', '2606:4700::/32', '2803:f800::/32', '2405:b500::/32', '2405:8100::/32', '2a06:98c0::/29', '2c0f:f248::/32',
];

function blockList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [net, bits] = c.split('/');
    list.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

// One list per range, tested only for its own family: node's BlockList would match an
// IPv4 address against ::ffff:0:0/96 (as IPv4-mapped).
const reservedLists = RESERVED.map((range) => ({ range, family: isIP(range.cidr.split('/')[0]) === 6 ? 'ipv6' : 'ipv4', list: blockList([range.cidr]) }));
const cloudflareV4 = blockList(CLOUDFLARE.filter((c) => isIP(c.split('/')[0]) === 4));
const cloudflareV6 = blockList(CLOUDFLARE.filter((c) => isIP(c.split('/')[0]) === 6));

const family = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/** The special-purpose range an address falls in, described for people, or undefined for a public address. */
export function reservedRange(ip: string): { cidr: string; what: Localized } | undefined {
  if (!isIP(ip)) return undefined;
  const f = family(ip);
  return reservedLists.find((r) => r.family === f && r.list.check(ip, f))?.range;
}

/** Whether an address is one of Cloudflare's proxies (an "orange cloud" record). */
export function isCloudflareProxy(ip: string): boolean {
  const f = family(ip);
  return isIP(ip) > 0 && (f === 'ipv4' ? cloudflareV4 : cloudflareV6).check(ip, f);
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
