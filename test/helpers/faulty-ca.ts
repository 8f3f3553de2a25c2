import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import { dirname, join } from 'node:path';
import { startReissuer } from './reissue.js';

/** What the CA does with one request: pass it to Pebble, answer in its place, or close the connection. */
export type CaFault =
  { kind: 'close' } | { kind: 'status'; status: number; type: string; detail: string; retryAfter?: string };

/** One profile of the ACME profiles draft: what the directory says of it, and how long its certificates last. */
export interface CaProfile {
  description: string;
  days: number;
}

export interface FaultyCa {
  directoryUrl: string;
  /** With profiles: each new order's `profile` as the client sent it (undefined: none), refused ones included. */
  orders: (string | undefined)[];
  /** Faults to play, in order, on requests whose path starts with `path` (each used once). */
  inject(path: string, ...faults: CaFault[]): void;
  /** Every request seen: its path, when, and what was done with it. */
  seen: { path: string; at: number; did: 'passed' | 'close' | number }[];
  close(): Promise<void>;
}

/**
 * A CA that fails for real: an HTTPS server with Pebble's own certificate in front of the
 * lab's Pebble. Pebble writes its URLs from the Host header, so every URL the client follows
 * (and signs) is this server's; requests go on to Pebble unless a fault is due, and then the
 * CA answers 500 / 429 / badNonce in Pebble's place or closes the connection unanswered.
 *
 * With `profiles` it follows the ACME profiles draft, which Debian's Pebble (2.4) does not:
 * the directory lists them in meta.profiles, a new order naming another one is refused with
 * invalidProfile, an order names its profile (the first one when the client names none),
 * and its certificate lasts that profile's days (re-signed by an issuer of its own).
 */
export async function startFaultyCa(
  pebble: { directoryUrl: string; caCertPath: string },
  opts: { profiles?: Record<string, CaProfile> } = {},
): Promise<FaultyCa> {
  const cert = readFileSync(pebble.caCertPath);
  const key = readFileSync(join(dirname(pebble.caCertPath), 'key.pem'));
  const upstream = new URL(pebble.directoryUrl);
  const agent = new https.Agent({ ca: cert, keepAlive: true });
  const plans: { path: string; faults: CaFault[] }[] = [];
  const seen: FaultyCa['seen'] = [];
  const orders: FaultyCa['orders'] = [];
  const profiles = opts.profiles;
  const reissuer = profiles ? await startReissuer() : undefined;
  /** Order and certificate paths → their profile. */
  const profileOf = new Map<string, string>();
  const server = https.createServer({ cert, key }, (req, res) => {
    const path = req.url ?? '/';
    const plan = plans.find((p) => path.startsWith(p.path) && p.faults.length);
    const fault = plan?.faults.shift();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (fault?.kind === 'close') {
        seen.push({ path, at: Date.now(), did: 'close' });
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        seen.push({ path, at: Date.now(), did: fault.status });
        res.writeHead(fault.status, {
          'content-type': 'application/problem+json',
          ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}),
        });
        res.end(
          JSON.stringify({
            type: `urn:ietf:params:acme:error:${fault.type}`,
            detail: fault.detail,
            status: fault.status,
          }),
        );
        return;
      }
      const body = Buffer.concat(chunks);
      let edit: ((status: number, text: string, headers: Record<string, unknown>) => Promise<string>) | undefined;
      if (profiles) {
        const asked =
          path === '/order-plz' ? (jwsPayload(body) as { profile?: string } | undefined)?.profile : undefined;
        if (path === '/order-plz') orders.push(asked);
        if (asked !== undefined && !Object.hasOwn(profiles, asked)) {
          seen.push({ path, at: Date.now(), did: 400 });
          res.writeHead(400, { 'content-type': 'application/problem+json' });
          res.end(
            JSON.stringify({
              type: 'urn:ietf:params:acme:error:invalidProfile',
              detail: `profile "${asked}" is not one of ${Object.keys(profiles).join(', ')}`,
              status: 400,
            }),
          );
          return;
        }
        edit = profileEdit(path, asked ?? Object.keys(profiles)[0]);
      }
      seen.push({ path, at: Date.now(), did: 'passed' });
      const out = https.request(
        { host: upstream.hostname, port: upstream.port, path, method: req.method, headers: { ...req.headers }, agent },
        (up) => {
          if (!edit) {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            return;
          }
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            const headers: Record<string, unknown> = { ...up.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            edit!(up.statusCode ?? 502, Buffer.concat(parts).toString('utf8'), headers).then(
              (text) => {
                res.writeHead(up.statusCode ?? 502, {
                  ...headers,
                  'content-length': Buffer.byteLength(text),
                } as http.OutgoingHttpHeaders);
                res.end(text);
              },
              () => req.socket.destroy(),
            );
          });
        },
      );
      out.on('error', () => req.socket.destroy());
      out.end(body);
    });
  });

  /** How the answer to `path` changes to follow the profiles draft; undefined: passed as Pebble wrote it. */
  function profileEdit(
    path: string,
    ordered: string,
  ): ((status: number, text: string, headers: Record<string, unknown>) => Promise<string>) | undefined {
    if (path === upstream.pathname) {
      return async (_s, text) => {
        const dir = JSON.parse(text);
        dir.meta = {
          ...dir.meta,
          profiles: Object.fromEntries(Object.entries(profiles!).map(([n, p]) => [n, p.description])),
        };
        return JSON.stringify(dir);
      };
    }
    const orderId = /^\/(?:my-order|finalize-order)\/([^/?]+)/.exec(path)?.[1];
    if (path === '/order-plz' || orderId) {
      return async (status, text, headers) => {
        if (status >= 300) return text;
        const location = typeof headers.location === 'string' ? new URL(headers.location).pathname : undefined;
        const id = orderId ?? /\/my-order\/([^/?]+)/.exec(location ?? '')?.[1];
        if (path === '/order-plz' && id) profileOf.set(id, ordered);
        const profile = id ? profileOf.get(id) : undefined;
        const order = JSON.parse(text);
        if (!profile) return text;
        if (typeof order.certificate === 'string') profileOf.set(new URL(order.certificate).pathname, profile);
        return JSON.stringify({ ...order, profile });
      };
    }
    const profile = profileOf.get(path);
    if (!profile) return undefined;
    return async (status, chain) => {
      if (status !== 200) return chain;
      const leaf = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(chain)![0];
      return `${await reissuer!.reissue(leaf, profiles![profile].days)}${reissuer!.issuerPem}`;
    };
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    directoryUrl: `https://127.0.0.1:${port}${upstream.pathname}`,
    inject: (path, ...faults) => plans.push({ path, faults }),
    seen,
    orders,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}

/** The payload of a flattened JWS (the body of an ACME POST); undefined when it has none. */
function jwsPayload(body: Buffer): unknown {
  try {
    const payload = (JSON.parse(body.toString('utf8')) as { payload?: string }).payload;
    return payload ? JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}
