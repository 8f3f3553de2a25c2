import { BlockList, isIP } from 'node:net';
import type { WebserverConfig } from '../config/schema.js';
import type { DnsClient } from '../dns/resolver.js';
import type { Localized } from '../errors.js';
import { upstreamInvalid, upstreamNotAllowed, upstreamUnresolved } from './errors.js';
import { canonicalIp, describeNotPublic, destinations, includesIp, notPublic } from '../net/address-policy.js';

/**
 * Where a client's site may forward visitors (`upstream` of vhost.create). Without this,
 * a client could publish serein's own API (loopback), the cloud metadata service, the
 * provider's private networks or an nginx `upstream` block under their own name.
 *
 * Rules for a client (admins are not checked):
 * - the address is `http(s)://host[:port][/path]`: no user info, query or fragment;
 *   the host is an IP address or a DNS name with at least one dot (a bare word would be
 *   read by nginx as the name of an `upstream` block);
 * - a name is resolved through the daemon's DNS resolvers and EVERY address must pass;
 * - an address passes when it is in one of the web server's `clientUpstreams.networks`,
 *   or when `public` is on and it is public: no reserved range, not one of our web
 *   servers' own public addresses;
 * - the port is one of `clientUpstreams.ports`.
 *
 * DNS rebinding: nginx resolves a name in proxy_pass itself at every reload (through
 * /etc/hosts and the system resolver, not the resolvers checked here), so a name could
 * answer a public address now and 127.0.0.1 later. The configuration therefore gets the
 * checked address, never the name. The backend still receives the site's own name
 * (the template sends `Host $host`), and nginx sends no SNI to an https upstream unless
 * the template asks for it, so nothing else changes. Trade-offs: only the first checked
 * address is used (no round robin over several), and a backend that moves needs
 * vhost.create run again.
 */

type Family = 'ipv4' | 'ipv6';
const familyOf = (ip: string): Family => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/** One BlockList per family, so an IPv4 address is never matched against an IPv6 range (node maps them). */
function lists(cidrs: string[]): Record<Family, BlockList> {
  const out = { ipv4: new BlockList(), ipv6: new BlockList() };
  for (const c of cidrs) {
    const [net, bits] = c.split('/');
    const f = familyOf(net);
    out[f].addSubnet(net, bits === undefined ? (f === 'ipv4' ? 32 : 128) : Number(bits), f);
  }
  return out;
}

/** `80`, `"1024-65535"` → [from, to]. */
function portRanges(ports: (number | string)[]): [number, number][] {
  return ports.map((p) => {
    if (typeof p === 'number') return [p, p];
    const [a, b] = p.split('-').map(Number);
    return [a, b ?? a];
  });
}

/** "80, 443 or 1024 to 65535" in the client's words. */
function describePorts(ports: (number | string)[]): Localized {
  const words = (to: string, or: string) => {
    const parts = portRanges(ports).map(([a, b]) => (a === b ? String(a) : `${a} ${to} ${b}`));
    return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} ${or} ${parts[parts.length - 1]}` : (parts[0] ?? '');
  };
  return { en: words('to', 'or'), fr: words('à', 'ou') };
}

type Policy = WebserverConfig['clientUpstreams'];

/** What a client may use instead, said plainly: the hint of every refusal. */
function whatMayBeUsed(policy: Policy): Localized {
  const ports = describePorts(policy.ports);
  if (!policy.public && !policy.networks.length) {
    return {
      en: 'Forwarding to an application is not available on this web server. Ask your provider if you need it. Nothing was changed.',
      fr: "Le transfert vers une application n'est pas disponible sur ce serveur web. Demandez-le à votre hébergeur si vous en avez besoin. Rien n'a été modifié.",
    };
  }
  const where = policy.public
    ? {
        en: `the public address of your application (a name such as app.example.com, or its public IP address)${policy.networks.length ? ', or an address your provider opened for this web server' : ''}`,
        fr: `l'adresse publique de votre application (un nom comme app.exemple.fr, ou son adresse IP publique)${policy.networks.length ? ', ou une adresse que votre hébergeur a ouverte pour ce serveur web' : ''}`,
      }
    : {
        en: 'an address your provider opened for this web server',
        fr: 'une adresse que votre hébergeur a ouverte pour ce serveur web',
      };
  return {
    en: `Use ${where.en}, on port ${ports.en}. Nothing was changed.`,
    fr: `Utilisez ${where.fr}, sur le port ${ports.fr}. Rien n'a été modifié.`,
  };
}

/** The client's own words for a refused range (the admin reads the range itself in `detail`). */
function plainReason(cidr: string): Localized {
  if (['127.0.0.0/8', '::1/128', '0.0.0.0/8', '::/128'].includes(cidr)) {
    return { en: 'this address is the server itself', fr: 'cette adresse désigne le serveur lui-même' };
  }
  if (['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'].includes(cidr)) {
    return { en: 'this address is on a private network', fr: 'cette adresse est sur un réseau privé' };
  }
  if (['169.254.0.0/16', 'fe80::/10'].includes(cidr)) {
    return {
      en: "this address is reserved for the servers' internal services",
      fr: 'cette adresse est réservée aux services internes des serveurs',
    };
  }
  return {
    en: 'this address is reserved and does not lead to a website',
    fr: 'cette adresse est réservée et ne mène à aucun site web',
  };
}

/** The address is not of a form serein forwards to; `why` is for admins. The value is not echoed: it may hold a password. */
const badForm = (policy: Policy, why: string) =>
  upstreamInvalid(
    {
      en: 'Your site cannot forward visitors to this address: it is not the address of a web application.',
      fr: "Votre site ne peut pas transférer les visiteurs vers cette adresse : ce n'est pas l'adresse d'une application web.",
    },
    {
      en: `Write it as http:// or https:// followed by a name (app.example.com) or an IP address, and an optional port (:8080). ${whatMayBeUsed(policy).en}`,
      fr: `Écrivez-la sous la forme http:// ou https:// suivi d'un nom (app.exemple.fr) ou d'une adresse IP, et d'un port facultatif (:8080). ${whatMayBeUsed(policy).fr}`,
    },
    `upstream refused for a client: ${why}`,
    400,
  );

// scheme :// host (bracketed IPv6, or letters, digits, dots, dashes) [:port] [/path]
const FORM = /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?(\/[A-Za-z0-9._~/-]*)?$/i;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A parsed client upstream: what the policy checks and what the template gets. */
interface Parsed {
  scheme: 'http' | 'https';
  host: string;
  ip?: string;
  port: number;
  path: string;
}

function parse(raw: string, policy: Policy): Parsed {
  const m = FORM.exec(raw);
  if (!m) {
    const why = /@/.test(raw)
      ? 'user info (user@) in the address'
      : /[?#]/.test(raw)
        ? 'a query or fragment'
        : `not of the form http(s)://host[:port][/path] with plain characters: ${JSON.stringify(raw.replace(/\/\/[^/@]*@/, '//***@'))}`;
    throw badForm(policy, why);
  }
  const scheme = m[1].toLowerCase() as Parsed['scheme'];
  const host = m[2].toLowerCase();
  const port = m[3] === undefined ? (scheme === 'https' ? 443 : 80) : Number(m[3]);
  if (port < 1 || port > 65535) throw badForm(policy, `port ${m[3]} out of range`);
  const path = m[4] ?? '';
  if (path.split('/').some((s) => s === '.' || s === '..')) throw badForm(policy, `dot segments in the path ${path}`);
  if (host.startsWith('[')) {
    const ip = host.slice(1, -1);
    if (isIP(ip) !== 6) throw badForm(policy, `${host} is not an IPv6 address`);
    return { scheme, host, ip: canonicalIp(ip), port, path };
  }
  if (isIP(host) === 4) return { scheme, host, ip: host, port, path };
  const labels = host.split('.');
  // A bare word is an nginx upstream block's name; a numeric last label is an IPv4 shorthand (127.1, 0x7f.1).
  if (labels.length < 2)
    throw badForm(policy, `"${host}" is a bare name (nginx would take it for an upstream block), not a DNS name`);
  if (host.length > 253 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$|^0x/.test(labels[labels.length - 1])) {
    throw badForm(policy, `"${host}" is neither an IP address in standard form nor a valid DNS name`);
  }
  return { scheme, host, port, path };
}

async function resolve(dns: DnsClient, name: string, policy: Policy): Promise<string[]> {
  const { a, aaaa } = await dns.addresses(name);
  const addresses = [...a.records, ...aaaa.records];
  if (a.status === 'error' || aaaa.status === 'error') {
    // Part of the answer is unknown: the addresses we cannot see could be internal ones.
    throw upstreamUnresolved(
      {
        en: `We could not look up the address of ${name} just now.`,
        fr: `Nous n'avons pas pu trouver l'adresse de ${name} pour le moment.`,
      },
      {
        en: 'Nothing was changed. Try again in a few minutes.',
        fr: "Rien n'a été modifié. Réessayez dans quelques minutes.",
      },
      `DNS lookup of ${name} failed: A ${a.status}${a.code ? ` (${a.code})` : ''}, AAAA ${aaaa.status}${aaaa.code ? ` (${aaaa.code})` : ''}`,
      503,
    );
  }
  if (!addresses.length) {
    throw upstreamUnresolved(
      {
        en: `The name ${name} does not lead to any address yet, so your site cannot forward visitors to it.`,
        fr: `Le nom ${name} ne mène encore à aucune adresse ; votre site ne peut donc pas y transférer les visiteurs.`,
      },
      {
        en: `Check the name, or give your application's IP address. ${whatMayBeUsed(policy).en}`,
        fr: `Vérifiez le nom, ou indiquez l'adresse IP de votre application. ${whatMayBeUsed(policy).fr}`,
      },
      `DNS: A ${a.status}, AAAA ${aaaa.status} for ${name}`,
      400,
    );
  }
  return addresses.map(canonicalIp);
}

/** Our own web servers' public addresses: the host itself seen from outside (its API, other tenants' services). */
const ownAddresses = (webservers: Readonly<Record<string, WebserverConfig>>) =>
  Object.values(webservers).flatMap((w) => w.publicAddresses);

/** Refuses an address the policy does not allow; `shown` is what the client typed (a name or the address). */
function checkAddress(
  webservers: Readonly<Record<string, WebserverConfig>>,
  policy: Policy,
  ip: string,
  shown: string,
): void {
  const f = familyOf(ip);
  if (lists(policy.networks)[f].check(ip, f)) return; // opened by the admin, even in a reserved range
  const via = shown === ip ? '' : ` (${shown} resolves to it)`;
  const opened = policy.networks.length ? policy.networks.join(', ') : 'none';
  // The judgement the doctor's probe gets too: an IPv6 form carrying an internal IPv4 address is that address.
  const range = notPublic(ip);
  const own = ownAddresses(webservers);
  if (range || !policy.public || destinations(ip).some((d) => includesIp(own, d))) {
    const reason: Localized = range
      ? plainReason(range.cidr)
      : policy.public
        ? {
            en: 'this address is one of our own web servers',
            fr: "cette adresse est celle d'un de nos propres serveurs web",
          }
        : {
            en: 'this web server only forwards to addresses your provider opened for it',
            fr: 'ce serveur web ne transfère que vers les adresses que votre hébergeur a ouvertes pour lui',
          };
    const why = range
      ? `${describeNotPublic(ip, range)}, ${range.what.en}`
      : policy.public
        ? 'a publicAddresses entry of a configured web server'
        : 'clientUpstreams.public is false';
    throw upstreamNotAllowed(
      {
        en: `Your site cannot forward visitors to ${shown}: ${reason.en}, which your site may not use.`,
        fr: `Votre site ne peut pas transférer les visiteurs vers ${shown} : ${reason.fr}, que votre site ne peut pas utiliser.`,
      },
      whatMayBeUsed(policy),
      `upstream address ${ip}${via} refused for a client: ${why}; clientUpstreams.networks opened: ${opened}`,
      403,
    );
  }
}

/**
 * Checks a client's upstream against the web server's `clientUpstreams` and returns the
 * URL to put in the configuration: the checked IP address, never the name (see above).
 * Throws an OperationError in the client's words, with the range for admins.
 */
export async function clientUpstream(
  deps: { dns: DnsClient; webservers: Readonly<Record<string, WebserverConfig>> },
  ws: WebserverConfig,
  raw: string,
): Promise<string> {
  const policy = ws.clientUpstreams;
  const u = parse(raw, policy);
  const allowedPort = portRanges(policy.ports).some(([a, b]) => u.port >= a && u.port <= b);
  if (!allowedPort) {
    const ports = describePorts(policy.ports);
    throw upstreamNotAllowed(
      {
        en: `Your site cannot forward visitors to port ${u.port}: applications on this web server may use port ${ports.en}.`,
        fr: `Votre site ne peut pas transférer les visiteurs vers le port ${u.port} : sur ce serveur web, les applications peuvent utiliser le port ${ports.fr}.`,
      },
      whatMayBeUsed(policy),
      `upstream port ${u.port} refused for a client; clientUpstreams.ports: ${policy.ports.join(', ')}`,
      403,
    );
  }
  // `deps.dns` asks the daemon's resolvers, the ones the certificate preflight asks (the lab's DNS in tests).
  const addresses = u.ip ? [u.ip] : await resolve(deps.dns, u.host, policy);
  for (const ip of addresses) checkAddress(deps.webservers, policy, ip, u.ip ? u.ip : u.host);
  // IPv4 first: a web server with no IPv6 route still reaches it.
  const pinned = addresses.find((ip) => familyOf(ip) === 'ipv4') ?? addresses[0];
  const host = familyOf(pinned) === 'ipv6' ? `[${pinned}]` : pinned;
  const defaultPort = u.scheme === 'https' ? 443 : 80;
  return `${u.scheme}://${host}${u.port === defaultPort ? '' : `:${u.port}`}${u.path}`;
}
