/**
 * Every operation brings its words (README "How it is built"): each playbook serein ships,
 * and the plug-in fixture's, has a words file beside it with every sentence in English and
 * French, and the loader refuses a words file that lacks one, names an input the operation
 * does not have, or belongs to no playbook.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPlaybooks } from '../src/engine/playbook.js';
import { builtinActions } from '../src/actions/index.js';
import { actions as mailboxActions } from './fixtures/plugin-kind/mailbox.action.js';
import { kinds as mailboxKinds } from './fixtures/plugin-kind/mailbox.kind.js';
import { registerKind } from '../src/resources/index.js';
import { isWordsFile, loadOperationWords, operationWordsSchema } from '../src/operation-words.js';
import { tempDir } from './helpers/tmp.js';
import { DESTRUCTIVE } from '../src/requests/intents.js';

const FOLDERS = [
  resolve(import.meta.dirname, '../playbooks'),
  resolve(import.meta.dirname, 'fixtures/plugin-kind/playbooks'),
];
const playbooksIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && !isWordsFile(f))
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')) as { name: string; inputs?: Record<string, unknown> });

/** Every sentence of a words file, by its path (label.en, request.question.fr...), phrasings left out. */
function sentences(node: unknown, path: string[] = []): [string, unknown][] {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return [[path.join('.'), node]];
  const entries = Object.entries(node as Record<string, unknown>).filter(([k]) => k !== 'phrasings');
  if ('en' in (node as object) || 'fr' in (node as object))
    return ['en', 'fr'].map((l) => [[...path, l].join('.'), (node as Record<string, unknown>)[l]]);
  return entries.flatMap(([k, v]) => (typeof v === 'object' ? sentences(v, [...path, k]) : []));
}

describe("an operation's words", () => {
  for (const dir of FOLDERS)
    for (const pb of playbooksIn(dir))
      it(`${pb.name} has every word in English and French, beside its playbook`, () => {
        const words = loadOperationWords(dir, pb.name, Object.keys(pb.inputs ?? {}));
        expect(words, `${pb.name}: no ${pb.name}.words.yaml beside the playbook`).toBeDefined();
        const raw = parse(readFileSync(join(dir, `${pb.name}.words.yaml`), 'utf8'));
        for (const [path, value] of sentences(raw))
          expect(typeof value === 'string' && value.trim().length > 0, `${pb.name}: ${path} is missing`).toBe(true);
        const phrasings = words!.request?.phrasings;
        if (phrasings)
          for (const lang of ['en', 'fr'] as const) expect(phrasings[lang].length).toBeGreaterThanOrEqual(3);
      });

  it('the daemon refuses words missing a language, a sentence naming no input, and words for no playbook', () => {
    const dir = tempDir('serein-words-');
    const source = FOLDERS[1];
    for (const f of readdirSync(source)) copyFileSync(join(source, f), join(dir, f));
    for (const k of mailboxKinds) registerKind(k);
    const actions = new Map([...builtinActions, ...mailboxActions].map((a) => [a.name, a]));
    expect(loadPlaybooks(dir, actions).get('mailbox.create')?.words?.done.fr).toBe('Boîte mail créée');
    const file = join(dir, 'mailbox.create.words.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace(/\n {2}fr: Boîte mail créée\n/, '\n'));
    expect(() => loadPlaybooks(dir, actions)).toThrow(/mailbox\.create\.words\.yaml:\d+:\d+: done\.fr/);
    writeFileSync(file, good.replace('{address}. Confirm', '{adress}. Confirm'));
    expect(() => loadPlaybooks(dir, actions)).toThrow(/proposal\.en: \{adress\} is not filled in here/);
    writeFileSync(file, good);
    writeFileSync(join(dir, 'mailbox.creat.words.yaml'), good);
    expect(() => loadPlaybooks(dir, actions)).toThrow(/mailbox\.creat\.words\.yaml.*words for no playbook/);
  });

  it('the removals the reading rules name are removals by their own words', () => {
    for (const name of DESTRUCTIVE)
      expect(loadOperationWords(FOLDERS[0], name)?.request?.removes, `${name} says removes: true`).toBe(true);
  });

  it('the schema asks both languages of every sentence', () => {
    const missing = operationWordsSchema.safeParse({
      label: { en: 'create a mailbox' },
      button: { en: 'Create', fr: 'Créer' },
      done: { en: 'Created', fr: 'Créée' },
      doing: { en: 'creating {name}', fr: 'la création de {name}' },
    });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues.map((i) => i.path.join('.'))).toEqual(['label.fr']);
  });
});
