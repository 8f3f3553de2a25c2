import { readFileSync } from 'node:fs';
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

/** Parses and validates YAML text; also returns a locator for later, semantic checks. */
export function parseYaml<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
): { data: z.output<S>; locate: Locator } {
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
  const input = doc.toJS() ?? {};
  const result = schema.safeParse(input);
  if (result.success) return { data: result.data, locate };
  throw new YamlFileError(
    file,
    describeIssues(result.error.issues, schema, input)
      .map((p) => ({ ...locate(p.path), key: p.path.join('.'), message: p.message }))
      .sort((a, b) => a.line - b.line || a.column - b.column),
  );
}
