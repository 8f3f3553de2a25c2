import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { HttpFailure } from './messages.js';
import type { DnsClient } from './resolver.js';

/** What fetching the token over one address gave. */
export type ProbeResult =
  | { ok: true; status: number; server?: string; hops: number }
  | { ok: false; failure: HttpFailure; status?: number; server?: string; hops: number };

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
  /** Used to resolve the host of a redirect to another name. */
  dns?: DnsClient;
}

const BLOCK_MARKERS = [/testcookie/i, /__test=/, /slowAES/, /aes\.js/, /challenge-platform/, /cf-chl-/, /Attention Required/i];

interface Hop { status: number; headers: http.IncomingHttpHeaders; body: string }

function fetchOnce(url: URL, address: string, hostHeader: string, timeoutMs: number): Promise<Hop> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const mod = secure ? https : http;
    const req = mod.request(
      {
        host: address,
        family: isIP(address) || undefined,
        port: url.port ? Number(url.port) : secure ? 443 : 80,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { host: hostHeader, 'user-agent': 'serein-preflight (like an ACME validator)', accept: '*/*', connection: 'close' },
        ...(secure ? { servername: isIP(url.hostname.replace(/^\[|\]$/g, '')) ? undefined : url.hostname, rejectUnauthorized: false } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 65536) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
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
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return { kind: 'timeout', seconds: Math.round(timeoutMs / 1000) };
  if (code === 'ECONNREFUSED') return { kind: 'refused' };
  if (['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT'].includes(code)) return { kind: 'unreachable', code };
  if (url.protocol === 'https:' && (code === 'EPROTO' || /wrong version number|packet length too long|ERR_SSL/i.test(`${code} ${(err as Error).message}`))) {
    return { kind: 'http-on-https', location: url.toString() };
  }
  return { kind: 'error', code };
}

/**
 * Fetches /.well-known/acme-challenge/<token> over one address exactly as a CA would:
 * Host header set, redirects followed by hand (at most 10, only to http/https and to
 * the allowed ports), the body compared with what was placed.
 */
export async function probeToken(req: ProbeRequest): Promise<ProbeResult> {
  const hostPart = req.port === 80 ? req.name : `${req.name}:${req.port}`;
  let url = new URL(`http://${hostPart}/.well-known/acme-challenge/${req.token}`);
  let address = req.address;
  let last: Hop | undefined;
  for (let hops = 0; ; hops++) {
    try {
      last = await fetchOnce(url, address, url.host, req.timeoutMs);
    } catch (err) {
      return { ok: false, failure: classify(err, url, req.timeoutMs), hops };
    }
    const server = typeof last.headers.server === 'string' ? last.headers.server : undefined;
    if ([301, 302, 303, 307, 308].includes(last.status) && last.headers.location) {
      if (hops + 1 > 10) return { ok: false, failure: { kind: 'redirects', count: hops + 1 }, status: last.status, server, hops };
      let next: URL;
      try {
        next = new URL(last.headers.location, url);
      } catch {
        return { ok: false, failure: { kind: 'redirect-scheme', location: String(last.headers.location) }, status: last.status, server, hops };
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return { ok: false, failure: { kind: 'redirect-scheme', location: next.toString() }, status: last.status, server, hops };
      const port = next.port ? Number(next.port) : next.protocol === 'https:' ? 443 : 80;
      if (!req.allowedPorts.includes(port)) return { ok: false, failure: { kind: 'redirect-port', location: next.toString() }, status: last.status, server, hops };
      const nextHost = next.hostname.replace(/^\[|\]$/g, '');
      if (nextHost !== req.name && nextHost !== url.hostname.replace(/^\[|\]$/g, '')) {
        if (isIP(nextHost)) address = nextHost;
        else if (req.dns) {
          const { a, aaaa } = await req.dns.addresses(nextHost);
          const first = aaaa.records[0] ?? a.records[0];
          if (!first) return { ok: false, failure: { kind: 'error', code: `no address for ${nextHost}` }, status: last.status, server, hops };
          address = first;
        }
      }
      url = next;
      continue;
    }
    if (last.body.trim() === req.expected) return { ok: true, status: last.status, server, hops };
    if (BLOCK_MARKERS.some((m) => m.test(last!.body)) || /__test=|testcookie/i.test(String(last.headers['set-cookie'] ?? ''))) {
      return { ok: false, failure: { kind: 'blocked', status: last.status }, status: last.status, server, hops };
    }
    if (last.status !== 200) return { ok: false, failure: { kind: 'status', status: last.status }, status: last.status, server, hops };
    return { ok: false, failure: { kind: 'body', status: last.status, server }, status: last.status, server, hops };
  }
}
