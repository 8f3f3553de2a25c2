import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isMap, isNode, isScalar } from 'yaml';
import type { z } from 'zod';
import { describeIssues } from './yaml-problems.js';

/** A problem in a YAML file, located so an admin can fix it without guessing. */
export class YamlFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: { line: number; column: number; key: string; message: string }[],
  ) {
    super(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.key || '(top level)'}: ${p.message}`).join('\n'));
    this.name = 'YamlFileError';
  }
}

/**
 * Reads a YAML file and validates it with a zod schema. Errors name the file, the line
 * and the key, because "invalid config" alone sends people back to the docs.
 */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  return parseYaml(readFileSync(file, 'utf8'), file, schema).data;
}

/** Where a key path stands in the file, for errors found after schema validation. */
export type Locator = (path: (string | number)[]) => { line: number; column: number };

/**
 * Where YAML read often is kept parsed, by the hash of its text: the playbooks and their words
 * are about fifty files read at every daemon start, whose parse was 0.15 s of each start
 * (issue 25); their JSON reads back in a tenth of that. Beside serein's bundle (bin/serein.js
 * removes entries left unused); an install that cannot write there parses every time.
 */
const PARSED = fileURLToPath(new URL('../node_modules/.cache/serein/yaml/', import.meta.url));

/** Only what JSON gives back the same: YAML's .inf, .nan and odd keys are parsed each time instead. */
function jsonFaithful(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(jsonFaithful);
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.entries(v).every(([k, x]) => k !== '__proto__' && jsonFaithful(x));
}

/** The YAML document of `text`, its errors thrown located, with a locator of its key paths. */
function parseDoc(text: string, file: string): { doc: ReturnType<typeof parseDocument>; locate: Locator } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new YamlFileError(
      file,
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { line: pos.line, column: pos.col, key: '', message: `not valid YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  // Points at the deepest node that exists: a missing key is reported at its parent.
  const locate: Locator = (full) => {
    // A key's own position: an unknown key's value may start on a later line.
    const parent = full.length ? doc.getIn(full.slice(0, -1), true) : undefined;
    const pair = isMap(parent)
      ? parent.items.find((p) => isScalar(p.key) && p.key.value === full[full.length - 1])
      : undefined;
    if (isNode(pair?.key) && pair.key.range) {
      const pos = lines.linePos(pair.key.range[0]);
      return { line: pos.line, column: pos.col };
    }
    let path = full;
    let node: unknown = doc.getIn(path, true);
    while (!isNode(node) && path.length > 0) {
      path = path.slice(0, -1);
      node = path.length ? doc.getIn(path, true) : doc.contents;
    }
    const pos = lines.linePos(isNode(node) && node.range ? node.range[0] : 0);
    return { line: pos.line, column: pos.col };
  };
  return { doc, locate };
}

/** The plain data of `text`: kept parsed when `keep` (see PARSED), else parsed now. */
function yamlData(text: string, file: string, keep: boolean): { input: unknown; locate: Locator } {
  let parsed: ReturnType<typeof parseDoc> | undefined;
  // Located only when a problem is found: a kept file is parsed again for its positions then.
  const locate: Locator = (path) => (parsed ??= parseDoc(text, file)).locate(path);
  const kept = keep ? join(PARSED, `${createHash('sha256').update(text).digest('hex')}.json`) : undefined;
  if (kept) {
    try {
      return { input: JSON.parse(readFileSync(kept, 'utf8')), locate };
    } catch {
      // not kept yet
    }
  }
  parsed = parseDoc(text, file);
  const input = parsed.doc.toJS() ?? {};
  if (kept && jsonFaithful(input)) {
    try {
      // The admin's own playbook folder may be private: its copies are readable by serein's user only.
      mkdirSync(PARSED, { recursive: true, mode: 0o700 });
      const tmp = `${kept}.${process.pid}.tmp`; // whole or not at all: daemons starting at once write the same entry
      writeFileSync(tmp, JSON.stringify(input), { mode: 0o600 });
      renameSync(tmp, kept);
    } catch {
      // a read-only install: parsed each time
    }
  }
  return { input, locate };
}

/**
 * Parses and validates YAML text; also returns a locator for later, semantic checks.
 * `keep`: for files read at every start (playbooks, their words), see PARSED.
 */
export function parseYaml<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  opts: { keep?: boolean } = {},
): { data: z.output<S>; locate: Locator } {
  const { input, locate } = yamlData(text, file, opts.keep ?? false);
  const result = schema.safeParse(input);
  if (result.success) return { data: result.data, locate };
  throw new YamlFileError(
    file,
    describeIssues(result.error.issues, schema, input)
      .map((p) => ({ ...locate(p.path), key: p.path.join('.'), message: p.message }))
      .sort((a, b) => a.line - b.line || a.column - b.column),
  );
}
