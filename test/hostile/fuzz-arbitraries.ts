import * as http from 'node:http';
import fc from 'fast-check';

/** What the fuzzer knows about the daemon under test: names it may use for real, and tokens. */
export interface FuzzWorld {
  /** Domains (owned by the test tenants) real-mode jobs may touch; a small pool keeps what they create bounded. */
  domains: string[];
  /** Names a client does not own (another tenant's domain). */
  foreignDomains: string[];
  webservers: string[];
  databaseServers: string[];
  tenants: string[];
  /** Database names real-mode jobs may create; kept small for the same reason. */
  databaseNames: string[];
  webRoot: string;
}

/** One input as GET /v1/playbooks describes it. */
export interface InputDoc {
  type: string;
  required?: boolean;
  default?: unknown;
  pattern?: string;
  values?: string[];
  min?: number;
  max?: number;
  maxLength?: number;
}
export interface PlaybookDoc {
  name: string;
  inputs: Record<string, InputDoc>;
}

/** Words that are properties of every JS object: an input named so must be refused like any other unknown one. */
export const PROTOTYPE_KEYS = [
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
];

// Characters that no domain, identifier, enum value or server name may hold (inserted mid-value).
const META = [
  ';',
  "'",
  '"',
  '`',
  '$',
  '(',
  ')',
  '|',
  '&',
  '<',
  '>',
  '\\',
  '/',
  '\0',
  '{',
  '}',
  '*',
  '%',
  '#',
  '!',
  '=',
  '+',
  '@',
  ':',
  '?',
  '[',
  ']',
  '^',
  '~',
  ' ',
  '\r\n',
  '\t',
  ',',
  '\u202e',
  '\uffff',
];

/** Strings a hostile client sends: traversal, injection, control characters, unicode, prototype words, huge ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '__proto__',
      ...PROTOTYPE_KEYS,
      'prototype',
      '../../etc/passwd',
      '..%2f..%2fetc%2fpasswd',
      '/etc/shadow',
      "'; DROP TABLE jobs; --",
      "1' OR '1'='1",
      '$(id)',
      '`id`',
      '| id',
      '&& reboot',
      'a\r\nX-Injected: 1',
      'a\0b',
      '%00',
      '\u202e',
      '😀',
      'é.test',
      '*',
      '.',
      '..',
      ' ',
      'null',
      'undefined',
      'NaN',
      '-1',
      '1e309',
      '{{ inputs }}',
      '${HOME}',
      'x'.repeat(300),
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.nat({ max: 5 }).map((n) => 'é'.repeat(10_000 * (n + 1))) },
);

/** Any JSON value, hostile strings included, at most a few levels deep. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...PROTOTYPE_KEYS)), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** `value` with one forbidden character put inside it (not at an end, where it could be trimmed). */
const withMeta = (value: string) =>
  fc.tuple(fc.constantFrom(...META), fc.nat()).map(([c, n]) => {
    const at = 1 + (n % Math.max(1, value.length - 1));
    return value.slice(0, at) + c + value.slice(at);
  });

/** A value of the right type, inside what the test world allows real mode to touch. */
function validValue(name: string, spec: InputDoc, w: FuzzWorld): fc.Arbitrary<unknown> {
  switch (spec.type) {
    case 'domain':
      return fc.constantFrom(...w.domains, ...w.foreignDomains);
    case 'domains':
      return fc
        .subarray([...w.domains, ...w.foreignDomains], { minLength: Math.max(1, spec.min ?? 1), maxLength: 2 })
        .chain((list) =>
          fc.constantFrom<unknown>(
            list,
            list.join(','),
            list.map((d) => ` ${d.toUpperCase()} `),
          ),
        );
    case 'identifier':
      if (name === 'tenant') return fc.constantFrom(...w.tenants);
      if (name === 'confirm')
        return fc.constantFrom(...w.tenants.flatMap((t) => w.databaseNames.map((n) => `${t}_${n}`)));
      if (name === 'name') return fc.constantFrom(...w.databaseNames);
      return fc.stringMatching(new RegExp(spec.pattern ?? '^[a-z][a-z0-9_]{0,14}$'));
    case 'enum':
      return fc.constantFrom(...(spec.values ?? ['x']));
    case 'boolean':
      return fc.constantFrom(true, false, 'true', 'false', 'yes', 'no');
    case 'string':
      return fc
        .oneof(fc.uuid(), fc.stringMatching(new RegExp(spec.pattern ?? '^.*$')))
        .filter((s) => s.length <= (spec.maxLength ?? 255));
    case 'path':
      return fc.constantFrom(
        `${w.webRoot}/${w.domains[0]}`,
        `${w.webRoot}/${w.domains[0]}/public`,
        '/srv/www/site',
        '/',
      );
    case 'url':
      return fc.constantFrom(
        'http://127.0.0.1:9',
        'https://app.example.test:8443',
        'http://[::1]:3000',
        'http://10.0.0.5',
      );
    case 'webserver':
      return fc.constantFrom(...w.webservers);
    case 'database-server':
      return fc.constantFrom(...w.databaseServers);
    default:
      return fc.constant('local');
  }
}

/** A value that input validation must refuse, whatever the caller. */
function invalidValue(spec: InputDoc, w: FuzzWorld): fc.Arbitrary<unknown> {
  const wrongType = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.constant({}),
    fc.dictionary(fc.constantFrom(...PROTOTYPE_KEYS), fc.string(), { minKeys: 1, maxKeys: 2 }),
    fc.constant([[]]),
  );
  const huge = fc.constant('a'.repeat(70_000));
  switch (spec.type) {
    case 'boolean':
      return fc.oneof(wrongType, fc.constantFrom('maybe', '1', 'TRUE', 'on', 'constructor', 'toString', '__proto__'));
    case 'domains':
      return fc.oneof(
        fc.integer(),
        fc.constant({}),
        fc.constant([1]),
        fc
          .constantFrom(...w.domains)
          .chain(withMeta)
          .map((d) => [d]),
        huge,
      );
    case 'url':
      return fc.oneof(
        wrongType,
        fc.constantFrom(
          'javascript:alert(1)',
          'file:///etc/passwd',
          'http://a;b',
          'http://x/${y}',
          "http://x/'",
          'http://x/{}',
          'ftp://x.test',
          'not a url',
          'http://x/a b',
          'gopher://127.0.0.1:6379/_FLUSHALL',
        ),
      );
    case 'path':
      return fc.oneof(
        wrongType,
        fc.constantFrom(
          '../x',
          '/a/../../etc',
          '/a/./b',
          'relative/dir',
          '/a;b',
          '/a\0b',
          '/a b',
          '/a$b',
          '/a\nb',
          '~/x',
          `/${'a'.repeat(1100)}`,
        ),
      );
    case 'domain':
      return fc.oneof(
        wrongType,
        huge,
        fc.constantFrom(...w.domains).chain(withMeta),
        fc.constantFrom(
          'localhost',
          '127.0.0.1',
          '::1',
          'a..test',
          '-a.test',
          'xn--.test',
          'test.',
          '*.',
          '__proto__',
          'constructor',
        ),
      );
    case 'enum':
    case 'webserver':
    case 'database-server':
    case 'target':
      return fc.oneof(
        wrongType,
        huge,
        validValue('', spec, w).chain((v) => withMeta(String(v))),
        fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
      );
    default:
      // identifier, string: a pattern that never allows these characters.
      return fc.oneof(
        wrongType,
        huge,
        fc.stringMatching(new RegExp(spec.pattern ?? '^[a-z]{3}$')).chain(withMeta),
        fc.constantFrom('__proto__', 'Constructor', 'DROP TABLE x;'),
      );
  }
}

/** One submission to POST /v1/jobs, and whether the API must refuse it (a 4xx, nothing queued). */
export interface JobCase {
  token: 'admin' | 'client';
  body: string;
  mustRefuse: string | null;
}

type Choice = { kind: 'valid' | 'invalid' | 'omit'; value?: unknown };

/** Submissions of every playbook: each input valid, invalid or left out; unknown and prototype inputs; both tokens; dry-run or real. */
export function jobCase(playbooks: PlaybookDoc[], clientPlaybooks: Set<string>, w: FuzzWorld): fc.Arbitrary<JobCase> {
  return fc.constantFrom(...playbooks).chain((pb) => {
    const fields = Object.fromEntries(
      Object.entries(pb.inputs).map(([name, spec]) => [
        name,
        fc.oneof(
          { weight: 24, arbitrary: validValue(name, spec, w).map((value): Choice => ({ kind: 'valid', value })) },
          { weight: 2, arbitrary: invalidValue(spec, w).map((value): Choice => ({ kind: 'invalid', value })) },
          // Optional inputs are often left out, so that real mode gets past "root or upstream, not both".
          {
            weight: spec.required === false ? 16 : 1,
            arbitrary: fc.constantFrom<Choice>(
              { kind: 'omit' },
              { kind: 'omit', value: null },
              { kind: 'omit', value: '' },
            ),
          },
        ),
      ]),
    );
    const extraKey = fc.oneof(
      fc.constantFrom(...PROTOTYPE_KEYS, '__proto__'),
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom(...Object.keys(pb.inputs).map((k) => k.toUpperCase())),
    );
    return fc
      .record({
        fields: fc.record(fields),
        extra: rarely(fc.tuple(extraKey, hostileJson), 6),
        token: fc.constantFrom<'admin' | 'client'>('admin', 'client'),
        dryRun: fc.oneof(
          { weight: 8, arbitrary: fc.boolean() },
          { weight: 1, arbitrary: fc.constantFrom<unknown>('true', 1, null, 'yes') },
        ),
        playbook: fc.oneof(
          { weight: 12, arbitrary: fc.constant(pb.name) },
          {
            weight: 1,
            arbitrary: fc.oneof(hostileString, fc.constantFrom(`${pb.name} `, pb.name.toUpperCase(), `../${pb.name}`)),
          },
        ),
        key: fc.oneof(
          { weight: 3, arbitrary: fc.constant(null) },
          { weight: 3, arbitrary: fc.uuid() },
          { weight: 1, arbitrary: fc.constantFrom<unknown>('', 'x'.repeat(201), 42) },
        ),
      })
      .map(({ fields, extra, token, dryRun, playbook, key }): JobCase => {
        const reasons: string[] = [];
        const parts: string[] = [];
        for (const [name, c] of Object.entries(fields) as [string, Choice][]) {
          const spec = pb.inputs[name];
          if (c.kind === 'invalid') reasons.push(`invalid ${name}`);
          if (c.kind === 'omit' && spec.required !== false && spec.default === undefined)
            reasons.push(`missing ${name}`);
          if (c.value !== undefined) parts.push(`${JSON.stringify(name)}:${JSON.stringify(c.value)}`);
        }
        // Written by hand so that "__proto__" really is a key of the JSON text.
        if (extra && !(extra[0] in pb.inputs && Object.hasOwn(pb.inputs, extra[0]))) {
          parts.push(`${JSON.stringify(extra[0])}:${JSON.stringify(extra[1]) ?? 'null'}`);
          reasons.push(`unknown input ${JSON.stringify(extra[0])}`);
        }
        if (playbook !== pb.name) reasons.push('unknown playbook');
        if (token === 'client' && !clientPlaybooks.has(pb.name)) reasons.push('admin-only playbook');
        if (typeof dryRun !== 'boolean' && dryRun !== null) reasons.push('dryRun not a boolean');
        if (dryRun === null) reasons.push('dryRun null');
        const validKey = key === null || (typeof key === 'string' && key.length >= 1 && key.length <= 200);
        if (!validKey) reasons.push('bad idempotency key');
        // A fresh key per case: a key seen before returns its first job whatever the inputs.
        const idem = typeof key === 'string' && validKey ? `${key}-${Math.random().toString(36).slice(2)}` : key;
        const body = `{"playbook":${JSON.stringify(playbook)},"inputs":{${parts.join(',')}},"dryRun":${JSON.stringify(dryRun)}${idem === null ? '' : `,"idempotencyKey":${JSON.stringify(idem)}`}}`;
        return { token, body, mustRefuse: reasons.length ? reasons.join('; ') : null };
      });
  });
}

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

/** `arb` once in `1 + nil` cases, null otherwise. */
const rarely = <T>(arb: fc.Arbitrary<T>, nil: number) =>
  fc.oneof({ weight: nil, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

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
