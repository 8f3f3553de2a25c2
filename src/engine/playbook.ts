import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { isWordsFile, loadOperationWords, type OperationWords } from '../operation-words.js';
import { parseYaml, YamlFileError } from '../yaml-file.js';
import type { Action } from './action.js';
import { inputSpecSchema } from './inputs.js';

const localized = z.object({ en: z.string().min(1), fr: z.string().min(1) }).strict();

const stepSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a step id: lower-case letters, digits and underscores'),
    action: z.string().min(1),
    title: localized.optional(),
    /** Skip the step when this template renders to false, '' or nothing. */
    when: z.string().optional(),
    with: z.record(z.string(), z.unknown()).default({}),
    /** false: nothing to undo. Otherwise an action run to undo this step instead of the action's own. */
    compensate: z
      .union([
        z.literal(false),
        z.object({ action: z.string().min(1), with: z.record(z.string(), z.unknown()).default({}) }).strict(),
      ])
      .optional(),
  })
  .strict();

/** The file format of a playbook: one operation, declared, never coded. */
export const playbookFileSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'a dotted name like vhost.create'),
    title: localized,
    /** What it does, technically: what admins read (the API, the CLI, the admin page). */
    description: localized,
    /** What a client reads instead of `description`: plain words, the benefit, no jargon nor server paths (see client-voice). */
    client: localized
      .optional()
      .describe(
        'What a client reads instead of description: plain words, the benefit, no jargon nor server paths. Without it, clients read description.',
      ),
    allowed: z.array(z.enum(['admin', 'client'])).min(1),
    inputs: z
      .record(z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'an input name in camelCase'), inputSpecSchema)
      .default({}),
    /** Lock key: one job at a time per resource (a vhost, a database, a domain). */
    resource: z.string().optional(),
    /** The target this job changes, for the per-target concurrency limit. */
    target: z.string().optional(),
    preflight: z.array(stepSchema).default([]),
    steps: z.array(stepSchema).min(1),
    verify: z.array(stepSchema).default([]),
    /** What the caller gets back. Values that are secrets are shown once, then erased. */
    result: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/** A playbook as loaded: its file, and its words from the words file beside it (src/operation-words.ts), if any. */
export type Playbook = z.output<typeof playbookFileSchema> & { file: string; dir: string; words?: OperationWords };
export type PlaybookStep = z.output<typeof stepSchema>;
export type Phase = 'preflight' | 'steps' | 'verify';

/** Loads every playbook in a folder, checking each step names a known action with known parameters. */
export function loadPlaybooks(dir: string, actions: Map<string, Action>): Map<string, Playbook> {
  const out = new Map<string, Playbook>();
  for (const entry of readdirSync(dir)
    .filter((f) => (f.endsWith('.yaml') || f.endsWith('.yml')) && !isWordsFile(f))
    .sort()) {
    const file = join(dir, entry);
    const { data: pb, locate } = parseYaml(readFileSync(file, 'utf8'), file, playbookFileSchema, { keep: true });
    const problems: YamlFileError['problems'] = [];
    const problem = (path: (string | number)[], message: string) =>
      problems.push({ ...locate(path), key: path.join('.'), message });
    const expected = basename(entry).replace(/\.ya?ml$/, '');
    if (pb.name !== expected) problem(['name'], `must be "${expected}", like the file name`);
    for (const [field, spec] of Object.entries(pb.inputs))
      if (spec.confirms && !pb.inputs[spec.confirms])
        problem(['inputs', field, 'confirms'], `names no input of this playbook: "${spec.confirms}"`);
    const ids = new Set<string>();
    for (const phase of ['preflight', 'steps', 'verify'] as const) {
      pb[phase].forEach((step, i) => {
        if (ids.has(step.id)) problem([phase, i, 'id'], `step id "${step.id}" is used twice`);
        ids.add(step.id);
        const uses: [(string | number)[], string, Record<string, unknown>][] = [[[phase, i], step.action, step.with]];
        if (step.compensate) uses.push([[phase, i, 'compensate'], step.compensate.action, step.compensate.with]);
        for (const [at, name, params] of uses) {
          const action = actions.get(name);
          if (!action) {
            problem([...at, 'action'], `unknown action "${name}"; known: ${[...actions.keys()].sort().join(', ')}`);
            continue;
          }
          const shape = (action.params as unknown as { shape?: Record<string, unknown> }).shape;
          for (const k of Object.keys(params)) {
            if (shape && !(k in shape))
              problem(
                [...at, 'with', k],
                `"${name}" has no parameter "${k}"; it takes: ${Object.keys(shape).join(', ')}`,
              );
          }
        }
      });
    }
    if (problems.length) throw new YamlFileError(file, problems);
    const words = loadOperationWords(dir, pb.name, Object.keys(pb.inputs));
    out.set(pb.name, { ...pb, file, dir, ...(words ? { words } : {}) });
  }
  // Words for no playbook are a misspelt file name: said now rather than silently unused.
  for (const entry of readdirSync(dir).filter(isWordsFile))
    if (!out.has(entry.replace(/\.words\.ya?ml$/, '')))
      throw new YamlFileError(join(dir, entry), [
        { line: 1, column: 1, key: '', message: 'words for no playbook: name it <playbook name>.words.yaml' },
      ]);
  return out;
}

/** JSON Schema for playbook files, so editors complete and check them. */
export function playbookJsonSchema(actionNames: string[]): unknown {
  const schema = z.toJSONSchema(playbookFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  schema.title = 'serein playbook';
  const known = { type: 'string', enum: [...actionNames].sort() };
  // Every step and compensation names an action: offer the known ones wherever they appear.
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const props = (node as { properties?: Record<string, unknown> }).properties;
    if (props?.action && props.with) props.action = known;
    Object.values(node).forEach(visit);
  };
  visit(schema);
  return schema;
}
