import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import { dirname, join } from 'node:path';

/** What the CA does with one request: pass it to Pebble, answer in its place, or close the connection. */
export type CaFault =
  | { kind: 'close' }
  | { kind: 'status'; status: number; type: string; detail: string; retryAfter?: string };

export interface FaultyCa {
  directoryUrl: string;
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
 */
export async function startFaultyCa(pebble: { directoryUrl: string; caCertPath: string }): Promise<FaultyCa> {
  const cert = readFileSync(pebble.caCertPath);
  const key = readFileSync(join(dirname(pebble.caCertPath), 'key.pem'));
  const upstream = new URL(pebble.directoryUrl);
  const agent = new https.Agent({ ca: cert, keepAlive: true });
  const plans: { path: string; faults: CaFault[] }[] = [];
  const seen: FaultyCa['seen'] = [];
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
        res.writeHead(fault.status, { 'content-type': 'application/problem+json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
        res.end(JSON.stringify({ type: `urn:ietf:params:acme:error:${fault.type}`, detail: fault.detail, status: fault.status }));
        return;
      }
      seen.push({ path, at: Date.now(), did: 'passed' });
      const out = https.request(
        { host: upstream.hostname, port: upstream.port, path, method: req.method, headers: { ...req.headers }, agent },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => req.socket.destroy());
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    directoryUrl: `https://127.0.0.1:${port}${upstream.pathname}`,
    inject: (path, ...faults) => plans.push({ path, faults }),
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}
