import fc from 'fast-check';
import { hostileJson, hostileString, PROTOTYPE_KEYS, rarely, withMeta } from './fuzz-values.js';

// Submissions of every playbook to POST /v1/jobs, built from what GET /v1/playbooks says of their inputs.

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
      // identifier, string: one of these characters where the pattern does not allow it (a key's base64 holds + / =).
      return fc.oneof(
        wrongType,
        huge,
        fc
          .stringMatching(new RegExp(spec.pattern ?? '^[a-z]{3}$'))
          .chain(withMeta)
          .filter((v) => !new RegExp(spec.pattern ?? '^[a-z]{3}$').test(v)),
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
