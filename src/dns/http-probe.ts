import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { describeNotPublic, includesIp, notPublic } from '../net/address-policy.js';
import type { HttpFailure } from './messages.js';
import type { DnsClient } from './resolver.js';

/** A redirect the probe refused to follow: for admins only, a client hears just "redirects elsewhere". */
export interface RefusedRedirect {
  location: string;
  addresses: string[];
  reason: string;
}

/** What fetching the token over one address gave. */
export type ProbeResult =
  | { ok: true; status: number; server?: string; hops: number }
  | { ok: false; failure: HttpFailure; status?: number; server?: string; hops: number; redirect?: RefusedRedirect };

/**
 * Whether the probe may connect to an address: a public one, or one of this server's
 * own exactly as written (a CA reaches those too). Anything else reserved (loopback,
 * private networks, link-local, cloud metadata, and the IPv6 forms that carry such an
 * IPv4 address: NAT64, 6to4...) is the provider's inside and is never fetched. The
 * judgement is src/net/address-policy.ts's, the one client upstreams get.
 */
export function mayProbe(ip: string, ownAddresses: readonly string[]): boolean {
  return includesIp(ownAddresses, ip) || !notPublic(ip);
}

/** One fetch of the token, as the CA would do it over one address. */
export interface ProbeRequest {
  /** The name, sent as Host (and SNI after a redirect to https). */
  name: string;
  /** The address to connect to: the CA connects to each A and AAAA separately. */
  address: string;
  /** Port the CA validates on (80 in production; the lab's nginx port in tests). */
  port: number;
  /** Ports a redirect may lead to: the CA follows only 80 and 443 (plus the configured ones). */
  allowedPorts: number[];
  token: string;
  /** The body that must come back, compared after trimming whitespace like the CA does. */
  expected: string;
  timeoutMs: number;
  /** Used to resolve the host of a redirect to another name; without it such redirects are refused. */
  dns?: DnsClient;
  /** This server's public addresses: the only reserved addresses a redirect may lead to. */
  ownAddresses?: readonly string[];
}

const BLOCK_MARKERS = [
  /testcookie/i,
  /__test=/,
  /slowAES/,
  /aes\.js/,
  /challenge-platform/,
  /cf-chl-/,
  /Attention Required/i,
];

interface Hop {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A lookup that answers only the address already checked: nothing is resolved a second time. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return (hostname, options, callback) => {
    if (hostname !== address)
      return callback(Object.assign(new Error(`refusing to resolve ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    if (options.all)
      return (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    callback(null, address, family);
  };
}

function fetchOnce(url: URL, address: string, hostHeader: string, timeoutMs: number): Promise<Hop> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const mod = secure ? https : http;
    const req = mod.request(
      {
        host: address,
        family: isIP(address) || undefined,
        lookup: pinnedLookup(address),
        port: url.port ? Number(url.port) : secure ? 443 : 80,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: {
          host: hostHeader,
          'user-agent': 'serein-preflight (like an ACME validator)',
          accept: '*/*',
          connection: 'close',
        },
        ...(secure
          ? {
              servername: isIP(url.hostname.replace(/^\[|\]$/g, '')) ? undefined : url.hostname,
              rejectUnauthorized: false,
            }
          : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 65536) chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

function classify(err: unknown, url: URL, timeoutMs: number): HttpFailure {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT')
    return { kind: 'timeout', seconds: Math.round(timeoutMs / 1000) };
  if (code === 'ECONNREFUSED') return { kind: 'refused' };
  if (['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT'].includes(code))
    return { kind: 'unreachable', code };
  if (
    url.protocol === 'https:' &&
    (code === 'EPROTO' ||
      /wrong version number|packet length too long|ERR_SSL/i.test(`${code} ${(err as Error).message}`))
  ) {
    return { kind: 'http-on-https', location: url.toString() };
  }
  return { kind: 'error', code };
}

const bare = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * The address a redirect's host leads to, resolved once: every address it has must be
 * one the probe may connect to, else the hop is refused (as a CA refuses it).
 */
async function hopAddress(
  host: string,
  req: ProbeRequest,
): Promise<{ address: string } | { refused: string; addresses: string[] }> {
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else if (!req.dns) return { refused: 'no resolver for redirects', addresses: [] };
  else {
    try {
      const { a, aaaa } = await req.dns.addresses(host);
      addresses = [...aaaa.records, ...a.records];
      if (!addresses.length)
        return { refused: `no address (A ${a.code ?? a.status}, AAAA ${aaaa.code ?? aaaa.status})`, addresses };
    } catch (err) {
      return { refused: `lookup failed (${(err as Error).message})`, addresses: [] };
    }
  }
  const bad = addresses.filter((ip) => !mayProbe(ip, req.ownAddresses ?? []));
  if (bad.length)
    return { refused: `reserved: ${bad.map((ip) => describeNotPublic(ip, notPublic(ip)!)).join(', ')}`, addresses };
  return { address: addresses[0] };
}

/**
 * Fetches /.well-known/acme-challenge/<token> over one address exactly as a CA would:
 * Host header set, redirects followed by hand (at most 10, only to http/https and to
 * the allowed ports, never to a reserved address but this server's), the body compared
 * with what was placed. Each host is resolved once and connected to by that address.
 */
export async function probeToken(req: ProbeRequest): Promise<ProbeResult> {
  const hostPart = req.port === 80 ? req.name : `${req.name}:${req.port}`;
  let url = new URL(`http://${hostPart}/.well-known/acme-challenge/${req.token}`);
  let address = req.address;
  // Host → the address checked for it; the name itself was checked by the caller.
  const pinned = new Map<string, string>([[bare(url.hostname), req.address]]);
  let last: Hop | undefined;
  for (let hops = 0; ; hops++) {
    try {
      last = await fetchOnce(url, address, url.host, req.timeoutMs);
    } catch (err) {
      return { ok: false, failure: classify(err, url, req.timeoutMs), hops };
    }
    const server = typeof last.headers.server === 'string' ? last.headers.server : undefined;
    if ([301, 302, 303, 307, 308].includes(last.status) && last.headers.location) {
      if (hops + 1 > 10)
        return { ok: false, failure: { kind: 'redirects', count: hops + 1 }, status: last.status, server, hops };
      let next: URL;
      try {
        next = new URL(last.headers.location, url);
      } catch {
        return {
          ok: false,
          failure: { kind: 'redirect-scheme', location: String(last.headers.location) },
          status: last.status,
          server,
          hops,
        };
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        return {
          ok: false,
          failure: { kind: 'redirect-scheme', location: next.toString() },
          status: last.status,
          server,
          hops,
        };
      const port = next.port ? Number(next.port) : next.protocol === 'https:' ? 443 : 80;
      if (!req.allowedPorts.includes(port))
        return {
          ok: false,
          failure: { kind: 'redirect-port', location: next.toString() },
          status: last.status,
          server,
          hops,
        };
      const nextHost = bare(next.hostname);
      let nextAddress = pinned.get(nextHost);
      if (!nextAddress) {
        const hop = await hopAddress(nextHost, req);
        // Nothing about the refused hop (status, server, address) goes in the result a client sees.
        if ('refused' in hop)
          return {
            ok: false,
            failure: { kind: 'redirect-elsewhere' },
            hops,
            redirect: { location: next.toString(), addresses: hop.addresses, reason: hop.refused },
          };
        nextAddress = hop.address;
        pinned.set(nextHost, nextAddress);
      }
      address = nextAddress;
      url = next;
      continue;
    }
    if (last.body.trim() === req.expected) return { ok: true, status: last.status, server, hops };
    if (
      BLOCK_MARKERS.some((m) => m.test(last!.body)) ||
      /__test=|testcookie/i.test(String(last.headers['set-cookie'] ?? ''))
    ) {
      return { ok: false, failure: { kind: 'blocked', status: last.status }, status: last.status, server, hops };
    }
    if (last.status !== 200)
      return { ok: false, failure: { kind: 'status', status: last.status }, status: last.status, server, hops };
    return { ok: false, failure: { kind: 'body', status: last.status, server }, status: last.status, server, hops };
  }
}
