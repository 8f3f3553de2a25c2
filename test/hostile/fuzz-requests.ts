import * as http from 'node:http';
import fc from 'fast-check';
import { hostileJson, hostileString, PROTOTYPE_KEYS, rarely } from './fuzz-values.js';

// Raw HTTP requests to every documented route, any method, parameters, headers and body, and how they are sent.

/** A documented route as /openapi.json lists it. */
export interface Route {
  method: string;
  path: string;
}

/** One raw HTTP request to any route, with any method, path parameters, query, headers and body. */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  token: 'admin' | 'client' | 'none' | 'bad';
}

/** Percent-encodes one character as UTF-8 bytes (a lone surrogate becomes U+FFFD's bytes, as a browser would send). */
const pct = (c: string) =>
  [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** Path parameters: hostile strings, sent either percent-encoded or nearly raw (traversal and bad escapes reach the router). */
const pathParam = (known: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: hostileString.map((s) => s.slice(0, 2000).replace(/[^A-Za-z0-9_.~-]/g, pct)) },
    { weight: 2, arbitrary: hostileString.map((s) => s.slice(0, 500).replace(/[\u0000-\u0020\u007f-\uffff?#]/g, pct)) },
    { weight: 1, arbitrary: fc.constantFrom('..', '%2e%2e', '%2F', '%E0%A4%A', '%zz', '%', '%00', '%c0%ae', ...known) },
  );

/** Requests to every documented route (and wrong methods on them), as admin, client, nobody or a bad token. */
export function rawRequest(
  routes: Route[],
  known: string[],
  bodyKeys: Record<string, string[]>,
): fc.Arbitrary<RawRequest> {
  return fc.constantFrom(...routes).chain((route) => {
    const params = [...route.path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]);
    const keys = bodyKeys[`${route.method} ${route.path}`] ?? [];
    // Known values (names, ids, kinds) let some bodies through validation, to the code behind it.
    const value = fc.oneof(
      hostileJson,
      fc.constantFrom(...known),
      fc.subarray(known, { minLength: 1, maxLength: 2 }),
      fc.boolean(),
    );
    const bodyObject = fc
      .dictionary(fc.constantFrom(...keys, ...PROTOTYPE_KEYS, 'x'), value, { maxKeys: 4 })
      .map((o) => JSON.stringify(o));
    return fc
      .record({
        method: fc.oneof(
          { weight: 10, arbitrary: fc.constant(route.method) },
          { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD') },
        ),
        values: fc.tuple(...params.map(() => pathParam(known))),
        query: fc.array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom(
                'limit',
                'status',
                'playbook',
                'kind',
                'tenantId',
                'afterId',
                'since',
                'name',
                '__proto__',
                'constructor',
              ),
              hostileString,
            ),
            fc.oneof(hostileString, fc.integer().map(String)),
          ),
          { maxLength: 3 },
        ),
        body: rarely(
          fc.oneof(
            bodyObject,
            hostileJson.map((v) => JSON.stringify(v) ?? 'null'),
            hostileString,
            fc.constantFrom(
              '{"__proto__":{"admin":true}}',
              '{"constructor":{"prototype":{"x":1}}}',
              '{',
              '[]',
              'null',
              '{"a":1}{',
            ),
          ),
          1,
        ),
        contentType: fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          '',
        ),
        token: fc.constantFrom<RawRequest['token']>('admin', 'client', 'none', 'bad'),
        language: fc.constantFrom('en', 'fr', 'fr-CA,en;q=0.5', '*', 'zz', ''),
      })
      .map(({ method, values, query, body, contentType, token, language }) => {
        let path = route.path;
        params.forEach((p, i) => (path = path.replace(`{${p}}`, values[i] || 'x')));
        const qs = query
          .map(
            ([k, v]) =>
              `${k.slice(0, 200).replace(/[^A-Za-z0-9_.~-]/g, pct)}=${v.slice(0, 1000).replace(/[^A-Za-z0-9_.~-]/g, pct)}`,
          )
          .join('&');
        const headers: Record<string, string> = {};
        if (language) headers['accept-language'] = language;
        if (body !== null && contentType) headers['content-type'] = contentType;
        return { method, path: qs ? `${path}?${qs}` : path, headers, body: body ?? undefined, token };
      });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Sends one request over a kept-alive connection; the body is returned as text. */
export function send(
  base: URL,
  o: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: o.method,
        path: o.path,
        headers: {
          ...o.headers,
          ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}),
        },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${o.method} ${o.path}`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Closes the kept-alive connections (end of the file). */
export function closeAgent(): void {
  agent.destroy();
}
