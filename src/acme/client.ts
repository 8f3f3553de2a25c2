import * as http from 'node:http';
import * as https from 'node:https';
import { wait } from '../util/concurrency.js';
import { eabJws, signJws, type AccountKey } from './jws.js';
import {
  AcmeProblem,
  AcmeTimeout,
  AcmeUnreachable,
  parseRetryAfter,
  type Authorization,
  type Challenge,
  type Directory,
  type Identifier,
  type Order,
  type ProblemDocument,
} from './objects.js';

// The objects and errors live in objects.ts; callers keep importing them from the client.
export { AcmeProblem, AcmeTimeout, AcmeUnreachable, parseRetryAfter };
export type { Authorization, Challenge, Directory, Identifier, Order, ProblemDocument };

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Where the CA is, which root to trust for it, and how long to wait. */
export interface AcmeClientOptions {
  directoryUrl: string;
  /** PEM trusted for this CA only (a private or test CA); the system roots otherwise. */
  caBundle?: string | Buffer;
  /** Per HTTP request. */
  requestTimeoutMs?: number;
  /** Longest Retry-After honoured by waiting; beyond it the error is returned to the caller. */
  maxRetryAfterMs?: number;
  /** Observes every request, for metrics and tests ("no order was placed"). */
  onRequest?: (e: { method: string; url: string; status: number; ms: number }) => void;
}

/** Waits before retrying a request that got no answer at all (reset, refused, timeout). */
const NETWORK_RETRIES = [100, 500];

/**
 * A small, fast ACME (RFC 8555) client: keep-alive connections trusting only this CA's
 * bundle, a nonce pool fed by every response (no extra round trip per request),
 * badNonce retried at once, 429/503 retried after Retry-After, and polling that starts
 * at 25 ms and honours Retry-After instead of sleeping seconds like certbot and lego.
 */
export class AcmeClient {
  private readonly agent: http.Agent;
  private dir?: Promise<Directory>;
  private readonly nonces: string[] = [];
  private key?: AccountKey;
  private kid?: string;

  constructor(readonly opts: AcmeClientOptions) {
    const secure = opts.directoryUrl.startsWith('https:');
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 32, ...(opts.caBundle ? { ca: opts.caBundle } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 32 });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** Signs requests with this account key; `kid` (the account URL) once the account exists. */
  useAccount(key: AccountKey, kid?: string): void {
    this.key = key;
    this.kid = kid;
  }

  get accountUrl(): string | undefined {
    return this.kid;
  }

  private raw(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const started = Date.now();
    return new Promise<RawResponse>((resolve, reject) => {
      const req = mod.request(
        u,
        {
          method,
          agent: this.agent,
          headers: {
            'user-agent': 'serein-acme/0.1',
            ...(body !== undefined
              ? { 'content-type': 'application/jose+json', 'content-length': Buffer.byteLength(body).toString() }
              : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const r = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
            this.opts.onRequest?.({ method, url, status: r.status, ms: Date.now() - started });
            resolve(r);
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(this.opts.requestTimeoutMs ?? 30_000, () =>
        req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** One HTTP exchange with network retries and Retry-After on 429/503. */
  private async send(
    method: string,
    url: string,
    body?: () => string,
    headers?: Record<string, string>,
  ): Promise<RawResponse> {
    let netTry = 0;
    let busyTry = 0;
    for (;;) {
      let res: RawResponse;
      try {
        res = await this.raw(method, url, body?.(), headers);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        if (netTry >= NETWORK_RETRIES.length) throw new AcmeUnreachable(url, code);
        await wait(NETWORK_RETRIES[netTry++]);
        continue;
      }
      const nonce = res.headers['replay-nonce'];
      if (typeof nonce === 'string') this.nonces.push(nonce);
      if ((res.status === 503 || res.status === 429) && busyTry < 3) {
        const after = parseRetryAfter(res.headers['retry-after']) ?? 1000 * 2 ** busyTry;
        if (after <= (this.opts.maxRetryAfterMs ?? 30_000)) {
          busyTry++;
          await wait(after);
          continue;
        }
      }
      return res;
    }
  }

  /** The directory, fetched once per client. */
  directory(): Promise<Directory> {
    this.dir ??= (async () => {
      const res = await this.send('GET', this.opts.directoryUrl);
      if (res.status !== 200) throw new AcmeUnreachable(this.opts.directoryUrl, `HTTP ${res.status}`);
      return JSON.parse(res.body.toString('utf8')) as Directory;
    })();
    this.dir.catch(() => (this.dir = undefined));
    return this.dir;
  }

  private async nonce(): Promise<string> {
    for (let i = 0; i < 20; i++) {
      const n = this.nonces.pop();
      if (n) return n;
      const dir = await this.directory();
      const res = await this.send('HEAD', dir.newNonce); // send() pools the Replay-Nonce
      if (typeof res.headers['replay-nonce'] !== 'string')
        throw new AcmeUnreachable(dir.newNonce, `no Replay-Nonce (HTTP ${res.status})`);
    }
    throw new AcmeUnreachable(this.opts.directoryUrl, 'could not get a nonce');
  }

  /**
   * A signed POST (payload null: POST-as-GET). badNonce is retried with a fresh nonce
   * (Pebble rejects 5 % on purpose); any other problem document is thrown.
   */
  async post<T = unknown>(
    url: string,
    payload: unknown | null,
    opts: { jwk?: boolean; accept?: string } = {},
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; data: T; text: string }> {
    if (!this.key) throw new Error('AcmeClient: no account key');
    for (let attempt = 0; ; attempt++) {
      const nonce = await this.nonce();
      const jws = signJws(this.key, { url, nonce, kid: opts.jwk ? undefined : this.kid }, payload);
      const res = await this.send(
        'POST',
        url,
        () => JSON.stringify(jws),
        opts.accept ? { accept: opts.accept } : undefined,
      );
      const text = res.body.toString('utf8');
      const type = String(res.headers['content-type'] ?? '');
      if (res.status >= 400) {
        const problem: ProblemDocument =
          type.includes('json') && text ? safeJson(text) : { detail: text.slice(0, 500), status: res.status };
        const err = new AcmeProblem(problem, res.status, parseRetryAfter(res.headers['retry-after']), url);
        if (err.kind === 'badNonce' && attempt < 10) continue;
        throw err;
      }
      return {
        status: res.status,
        headers: res.headers,
        data: (type.includes('json') && text ? safeJson(text) : text) as T,
        text,
      };
    }
  }

  /** Creates the account, or finds the existing one for this key. Returns its URL. */
  async newAccount(a: {
    contact?: string[];
    eab?: { kid: string; hmacKey: string };
    onlyReturnExisting?: boolean;
  }): Promise<string> {
    const dir = await this.directory();
    const payload: Record<string, unknown> = { termsOfServiceAgreed: true };
    if (a.contact?.length) payload.contact = a.contact;
    if (a.onlyReturnExisting) payload.onlyReturnExisting = true;
    if (a.eab && !a.onlyReturnExisting) payload.externalAccountBinding = eabJws(this.key!, a.eab, dir.newAccount);
    const res = await this.post(dir.newAccount, payload, { jwk: true });
    const location = res.headers.location;
    if (typeof location !== 'string') throw new AcmeUnreachable(dir.newAccount, 'no account URL in the answer');
    this.kid = location;
    return location;
  }

  /** Places an order; `profile` and `replaces` (RFC 9773) go through as the drafts define them. */
  async newOrder(o: { identifiers: Identifier[]; profile?: string; replaces?: string }): Promise<Order> {
    const dir = await this.directory();
    const payload: Record<string, unknown> = { identifiers: o.identifiers };
    if (o.profile) payload.profile = o.profile;
    if (o.replaces) payload.replaces = o.replaces;
    const res = await this.post<Omit<Order, 'url'>>(dir.newOrder, payload);
    return { ...res.data, url: String(res.headers.location) };
  }

  async authorization(url: string): Promise<Authorization> {
    const res = await this.post<Omit<Authorization, 'url'>>(url, null);
    return { ...res.data, url };
  }

  /** Tells the CA the challenge is ready to be checked. */
  async respond(challengeUrl: string): Promise<Challenge> {
    return (await this.post<Challenge>(challengeUrl, {})).data;
  }

  async finalize(order: Order, csrDer: Buffer): Promise<Order> {
    const res = await this.post<Omit<Order, 'url'>>(order.finalize, { csr: csrDer.toString('base64url') });
    return { ...res.data, url: order.url };
  }

  /** The certificate chain (leaf first), PEM. */
  async certificate(url: string): Promise<string> {
    return (await this.post<string>(url, null, { accept: 'application/pem-certificate-chain' })).text;
  }

  /**
   * Re-reads an object until `done` says so, with short backoff (25 ms doubling, at most
   * 1 s) or exactly the Retry-After the CA asks for. Never a fixed sleep.
   */
  async poll<T extends { status: string }>(
    url: string,
    done: (o: T) => boolean,
    opts: { deadline: number; signal?: AbortSignal; initialMs?: number },
  ): Promise<T> {
    let delay = opts.initialMs ?? 25;
    for (;;) {
      const res = await this.post<T>(url, null);
      if (done(res.data)) return { ...res.data, url };
      const after = parseRetryAfter(res.headers['retry-after']);
      const pause = after ?? delay;
      if (Date.now() + pause > opts.deadline) throw new AcmeTimeout(url, res.data.status);
      await wait(pause, opts.signal);
      delay = Math.min(delay * 2, 1000);
    }
  }

  /** RFC 9773 renewalInfo for a certificate ID (unauthenticated GET); undefined when the CA has no ARI. */
  async renewalInfo(
    certId: string,
  ): Promise<{ window: { start: Date; end: Date }; explanationUrl?: string; retryAfterMs?: number } | undefined> {
    const dir = await this.directory();
    if (!dir.renewalInfo) return undefined;
    const url = `${dir.renewalInfo.replace(/\/$/, '')}/${certId}`;
    const res = await this.send('GET', url);
    if (res.status !== 200) {
      const text = res.body.toString('utf8');
      throw new AcmeProblem(
        text.startsWith('{') ? safeJson(text) : { detail: text.slice(0, 300) },
        res.status,
        parseRetryAfter(res.headers['retry-after']),
        url,
      );
    }
    const body = safeJson(res.body.toString('utf8')) as {
      suggestedWindow?: { start?: string; end?: string };
      explanationURL?: string;
    };
    const start = new Date(body.suggestedWindow?.start ?? '');
    const end = new Date(body.suggestedWindow?.end ?? '');
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start)
      throw new AcmeProblem({ detail: 'renewalInfo has no valid suggestedWindow' }, res.status, undefined, url);
    return {
      window: { start, end },
      explanationUrl: body.explanationURL,
      retryAfterMs: parseRetryAfter(res.headers['retry-after']),
    };
  }

  /** URLs of this account's orders (RFC 8555 §7.1.2.1), following every page. */
  async accountOrders(): Promise<string[]> {
    if (!this.kid) return [];
    const account = await this.post<{ orders?: string }>(this.kid, null);
    const out: string[] = [];
    let next = account.data.orders;
    while (next) {
      const page = await this.post<{ orders: string[] }>(next, null);
      out.push(...(page.data.orders ?? []));
      const link = String(page.headers.link ?? '');
      next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
    }
    return out;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a CA's JSON, read field by field by each caller
function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 500) };
  }
}
