import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/**
 * What a zod schema accepts, read from its definition, and its problems told the way an
 * admin fixing a YAML file needs them: an unknown key with the nearest valid one, a wrong
 * type with the type expected and the one found.
 */

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
};
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under wrappers that change nothing about keys (optional, default, nullable, pipes). */
function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = defOf(s);
    if (
      d.innerType &&
      ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(d.type)
    )
      s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

/** The schemas a value may match at this point: one, or each member of a union. */
function alternatives(s: z.ZodType): z.ZodType[] {
  const u = unwrap(s);
  const d = defOf(u);
  return d.type === 'union' && d.options ? d.options.flatMap(alternatives) : [u];
}

/** One step down: a key of an object or record, or an item of an array (a number, or '[]'). */
function child(s: z.ZodType, step: string | number): z.ZodType[] {
  return alternatives(s).flatMap((a) => {
    const d = defOf(a);
    if (d.type === 'object' && d.shape && typeof step === 'string' && step in d.shape) return [d.shape[step]];
    if (d.type === 'record' && d.valueType) return [d.valueType];
    if (d.type === 'array' && d.element && (typeof step === 'number' || step === '[]')) return [d.element];
    return [];
  });
}

/** Whether the data can be this object: a literal field (a union's `type: ssh`) that the data gives another value rules it out. */
function fits(object: z.ZodType, data: unknown): boolean {
  if (data === null || typeof data !== 'object') return true;
  return Object.entries(defOf(object).shape ?? {}).every(([key, field]) => {
    const d = defOf(field) as Def & { values?: unknown[] };
    const given = (data as Record<string, unknown>)[key];
    return d.type !== 'literal' || given === undefined || (d.values ?? []).includes(given);
  });
}

/** The keys an object accepts at a path (members of a union the data does not rule out); empty when none is an object. */
export function keysAt(schema: z.ZodType, path: readonly (string | number)[], data?: unknown): string[] {
  let here = [schema];
  for (const step of path) here = here.flatMap((s) => child(s, step));
  const objects = here.flatMap(alternatives).filter((a) => defOf(a).type === 'object');
  const fitting = objects.filter((o) => fits(o, data));
  return [...new Set((fitting.length ? fitting : objects).flatMap((o) => Object.keys(defOf(o).shape ?? {})))];
}

/**
 * Every key path a schema accepts, with `*` for a record's names and `[]` for a list's
 * items, e.g. `webservers.*.clientUpstreams.ports`: what a documented example must show.
 */
export function keyPaths(schema: z.ZodType, prefix: string[] = []): string[] {
  const out: string[] = [];
  for (const a of alternatives(schema)) {
    const d = defOf(a);
    if (d.type === 'object') {
      for (const [key, value] of Object.entries(d.shape ?? {}))
        out.push([...prefix, key].join('.'), ...keyPaths(value, [...prefix, key]));
    } else if (d.type === 'record' && d.valueType) out.push(...keyPaths(d.valueType, [...prefix, '*']));
    else if (d.type === 'array' && d.element) out.push(...keyPaths(d.element, [...prefix, '[]']));
  }
  return [...new Set(out)];
}

/** The valid key a mistyped one most likely meant: same letters in another case, or two edits (a third for long keys) away. */
export function nearestKey(key: string, valid: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; d: number } | undefined;
  for (const v of valid) {
    const d = v.toLowerCase() === lower ? 0 : distance(lower, v.toLowerCase());
    if (!best || d < best.d) best = { key: v, d };
  }
  return best && best.d < key.length && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

const KINDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  record: 'a mapping (name: ...)',
  array: 'a list ([...] or "- " items)',
  null: 'nothing (null)',
};

/** What a value found in the file is, in words; never the value (it may be a password). */
function kindOfValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'text';
  return KINDS[typeof v] ?? typeof v;
}

type Issue = z.core.$ZodIssue;

/** What one branch of a union expected, for "expected A or B". */
function expectation(issues: readonly Issue[]): string | undefined {
  const first = issues[0];
  if (!first || first.path.length > 0) return undefined;
  if (first.code === 'invalid_type') return KINDS[first.expected] ?? first.expected;
  if (first.code === 'invalid_value') return first.values.map((v) => JSON.stringify(v)).join(' or ');
  return undefined;
}

/** A value at a path of plain data (what YAML parsed to). */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const step of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[step] : undefined;
  return v;
}

/**
 * Zod's issues as located problems: one per unknown key (at that key, with a suggestion),
 * types told as "expected X, found Y"; other issues keep zod's message.
 */
export function describeIssues(
  issues: readonly Issue[],
  schema: z.ZodType,
  data: unknown,
): { path: (string | number)[]; message: string }[] {
  return issues.flatMap((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(schema, path, valueAt(data, path));
      return issue.keys.map((key) => {
        const near = nearestKey(key, valid);
        const message = near
          ? `unknown key '${key}': did you mean '${near}'?`
          : `unknown key '${key}'; valid keys here: ${valid.join(', ')}`;
        return { path: [...path, key], message };
      });
    }
    const found = kindOfValue(valueAt(data, path));
    if (issue.code === 'invalid_type') {
      const where = valueAt(data, path) === undefined ? 'missing' : `found ${found}`;
      return [{ path, message: `expected ${KINDS[issue.expected] ?? issue.expected}, ${where}` }];
    }
    if (issue.code === 'invalid_union' && !('discriminator' in issue && issue.discriminator)) {
      const wanted = issue.errors.map(expectation);
      if (wanted.length > 0 && wanted.every(Boolean))
        return [{ path, message: `expected ${wanted.join(' or ')}, found ${found}` }];
    }
    return [{ path, message: issue.message }];
  });
}
