import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

/**
 * What a change must make nginx answer, checked from outside after the reload: the
 * only proof that the new vhost is the one answering its name (a config that passes
 * `nginx -t` can still lose to another server block with the same name).
 */
export interface NginxProbe {
  /** Host header (and TLS server name) of the request. */
  host: string;
  scheme?: 'http' | 'https';
  /** Defaults to the webserver's httpPort / httpsPort. */
  port?: number;
  /** Defaults to the webserver's probeAddress. */
  address?: string;
  path?: string;
  /** The answer must contain this text (e.g. the probe token of the new config). */
  expectBody?: string;
  /** The answer must NOT contain this text (e.g. the token of a removed vhost). */
  absentBody?: string;
  /** Expected status; by default any status when expectBody/absentBody decide, else < 500. */
  expectStatus?: number;
}

/** One HTTP answer, or why there was none. */
export interface ProbeAnswer {
  status?: number;
  body?: string;
  error?: string;
}

/** Sends one request to `address:port` with the given Host header; never throws. */
export function httpProbe(o: {
  address: string;
  port: number;
  host: string;
  path?: string;
  scheme?: 'http' | 'https';
  timeoutMs?: number;
}): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const mod = o.scheme === 'https' ? https : http;
    const hostname = o.address.replace(/^\[|\]$/g, '');
    const req = mod.request(
      {
        hostname,
        family: net.isIPv6(hostname) ? 6 : undefined,
        port: o.port,
        path: o.path ?? '/',
        method: 'GET',
        agent: false,
        headers: { host: o.host, 'user-agent': 'serein-probe', connection: 'close' },
        ...(o.scheme === 'https' ? { servername: o.host, rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 64 * 1024) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => resolve({ error: e.message }));
      },
    );
    req.setTimeout(o.timeoutMs ?? 2000, () => req.destroy(new Error('no answer in time')));
    req.on('error', (e) => resolve({ error: e.message }));
    req.end();
  });
}

/**
 * Whether something accepts TCP connections on address:port: nginx is still up, even if
 * its default server answers unknown names by closing the connection (return 444).
 */
export function tcpAccepts(address: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const host = address.replace(/^\[|\]$/g, '');
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Waits (short backoff, bounded) until something accepts TCP connections on address:port. */
export async function waitTcpAccepts(address: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    if (await tcpAccepts(address, port)) return true;
    if (Date.now() + delay > deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Whether one answer satisfies the probe, and if not, what was seen instead. */
export function judge(p: NginxProbe, a: ProbeAnswer): { ok: boolean; seen: string } {
  if (a.error || a.status === undefined) return { ok: false, seen: `no answer (${a.error ?? 'unknown'})` };
  const body = a.body ?? '';
  const seen = `HTTP ${a.status}${body ? `: ${body.trim().slice(0, 120)}` : ''}`;
  if (p.expectStatus !== undefined && a.status !== p.expectStatus) return { ok: false, seen };
  if (p.expectBody !== undefined && !body.includes(p.expectBody)) return { ok: false, seen };
  if (p.absentBody !== undefined && body.includes(p.absentBody)) return { ok: false, seen };
  if (p.expectStatus === undefined && p.expectBody === undefined && p.absentBody === undefined && a.status >= 500)
    return { ok: false, seen };
  return { ok: true, seen };
}

/**
 * Polls a probe with short backoff until it passes or `timeoutMs` runs out: a reload
 * is asynchronous (old workers finish their requests), so the first answer may still
 * come from the previous configuration.
 */
export async function waitForProbe(
  p: NginxProbe,
  defaults: { address: string; httpPort: number; httpsPort: number },
  timeoutMs: number,
): Promise<{ ok: boolean; seen: string; url: string }> {
  const scheme = p.scheme ?? 'http';
  const address = p.address ?? defaults.address;
  const port = p.port ?? (scheme === 'https' ? defaults.httpsPort : defaults.httpPort);
  const url = `${scheme}://${net.isIPv6(address.replace(/^\[|\]$/g, '')) ? `[${address.replace(/^\[|\]$/g, '')}]` : address}:${port}${p.path ?? '/'} (Host: ${p.host})`;
  const deadline = Date.now() + timeoutMs;
  // Loopback probes are cheap and new workers come up within milliseconds of a reload: poll tightly.
  let delay = 5;
  let last = { ok: false, seen: 'not tried' };
  for (;;) {
    const remaining = deadline - Date.now();
    last = judge(
      p,
      await httpProbe({
        address,
        port,
        host: p.host,
        path: p.path,
        scheme,
        timeoutMs: Math.max(200, Math.min(2000, remaining)),
      }),
    );
    if (last.ok || Date.now() + delay > deadline) return { ...last, url };
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
}
