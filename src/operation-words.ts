import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseYaml, YamlFileError } from './yaml-file.js';

/**
 * An operation's words: everything a client or an admin reads of one operation, in English
 * and French, beside its playbook in `playbooks/<operation>.words.yaml`. Its title and
 * descriptions stay in the playbook itself (the playbook's schema already asks both
 * languages of them); every other sentence is here, so adding an operation is its
 * playbook, at most one action module and this file. The engine loads them with the
 * playbooks; the page (through /v1/playbooks), the emails and the requests understanding
 * read them from there. `{input}` in a proposal is the value of that input (the first one
 * of a list); `{name}` in an email or a result is the name the job works on; `{date}` a day.
 */

/** One sentence in both languages: a word missing in either is refused when the playbooks load. */
const bilingual = z.object({ en: z.string().trim().min(1), fr: z.string().trim().min(1) }).strict();

/**
 * How a request in words fills the operation's inputs (src/requests/slots.ts): each is
 * one way of reading the client's own things, so a new operation picks one and writes no
 * code. `site`: one of the client's sites, into `input` (a list input gets a list of one);
 * `domain`: one of their sites or domains; `new-site`: a name under one of their domains
 * that is no site yet; `renewal`: a site and its certificate (a first one when it has
 * none: `otherwise`); `new-database` and `database`: a database named in the words, to create or one of
 * theirs; `written`: a name written in the words on one of their domains (contact@their.domain).
 */
export const FILLS = ['site', 'domain', 'new-site', 'renewal', 'new-database', 'database', 'written'] as const;
/** One of {@link FILLS}. */
export type Fill = (typeof FILLS)[number];

const phrasings = z
  .object({ en: z.array(z.string().trim().min(1)).min(3), fr: z.array(z.string().trim().min(1)).min(3) })
  .strict();

/** The words file's format. */
export const operationWordsSchema = z
  .object({
    /** Lower case, fits "Do you want to ...?": in a question asking which operation the client meant. */
    label: bilingual,
    /** On a button that runs it for someone ("Create the site"). */
    button: bilingual,
    /** What happened, in a list of events ("Site created"). */
    done: bilingual,
    /** The request itself as the object of a sentence ("We could not finish creating your site {name}"): emails. */
    doing: bilingual,
    /** Said when it did not work, with `{date}` ("Securing the site did not work on {date}."); without it, the page says "<done>: could not be done". */
    failed: bilingual.optional(),
    /** Said once it is done after a request in words, with `{name}`; without it, the page shows its result. */
    result: bilingual.optional(),
    /** What will be done, before a client confirms a request in words; `{input}` for its inputs (with `request`). */
    proposal: bilingual.optional(),
    /** What a client might write to ask for it: the operations the requests understanding knows are those with phrasings. */
    request: z
      .object({
        fill: z.enum(FILLS),
        /** The input the name read goes into (for `site`, `domain` and `written`). */
        input: z.string().optional(),
        /** The question when the name could not be read (`written`): "Which address?". */
        question: bilingual.optional(),
        /** `renewal`: the operation proposed instead for a site with nothing to renew yet (certificate.issue). */
        otherwise: z.string().optional(),
        /** A removal: proposed only when the words ask to remove, confirmed by typing its name. */
        removes: z.boolean().default(false),
        /** Checked first: the client sees what would change before confirming (dns.fix). */
        dryRunFirst: z.boolean().default(false),
        phrasings,
      })
      .strict()
      .refine((r) => !['site', 'domain', 'written'].includes(r.fill) || r.input, {
        message: 'names the input the name read goes into ("input")',
        path: ['input'],
      })
      .refine((r) => r.fill !== 'written' || r.question, {
        message: 'says the question to ask when the name could not be read ("question")',
        path: ['question'],
      })
      .optional(),
  })
  .strict()
  .refine((w) => !w.request || w.proposal, {
    message: 'an operation a request in words may ask for says what it will do ("proposal")',
    path: ['proposal'],
  });

/** An operation's words, validated. */
export type OperationWords = z.output<typeof operationWordsSchema>;
/** One of an operation's sentences, as the words file names it. */
export type WordKey = 'label' | 'button' | 'done' | 'doing' | 'failed' | 'result' | 'proposal';

/** The file holding an operation's words: beside its playbook. */
export const wordsFile = (dir: string, operation: string) => join(dir, `${operation}.words.yaml`);

/** Whether a file in the playbooks folder is a words file rather than a playbook. */
export const isWordsFile = (name: string) => /\.words\.ya?ml$/.test(name);

/**
 * An operation's words from its file beside the playbook, checked; undefined when it has
 * none (it is then named by its title everywhere, and never proposed from a request in words).
 * `inputs`: the playbook's inputs, so a sentence naming another is refused at load.
 */
export function loadOperationWords(dir: string, operation: string, inputs?: string[]): OperationWords | undefined {
  const file = wordsFile(dir, operation);
  if (!existsSync(file)) return undefined;
  const { data, locate } = parseYaml(readFileSync(file, 'utf8'), file, operationWordsSchema, { keep: true });
  if (inputs) {
    // What each sentence is filled with where it is said: a proposal its inputs, an email the name, the page a day.
    const filled: Record<'proposal' | 'doing' | 'result' | 'failed', string[]> = {
      proposal: inputs,
      doing: ['name'],
      result: ['name'],
      failed: ['date'],
    };
    const problems: YamlFileError['problems'] = [];
    for (const [key, known] of Object.entries(filled) as [keyof typeof filled, string[]][])
      for (const lang of ['en', 'fr'] as const)
        for (const [, p] of (data[key]?.[lang] ?? '').matchAll(/\{(\w+)\}/g))
          if (!known.includes(p))
            problems.push({
              ...locate([key, lang]),
              key: `${key}.${lang}`,
              message: `{${p}} is not filled in here; it may say ${known.map((k) => `{${k}}`).join(', ')}`,
            });
    if (data.request?.input && !inputs.includes(data.request.input))
      problems.push({ ...locate(['request', 'input']), key: 'request.input', message: `is no input of ${operation}` });
    if (problems.length) throw new YamlFileError(file, problems);
  }
  const set = frenchTypography(data);
  known.set(operation, set);
  return set;
}

/**
 * French typography (client-voice.md): a non-breaking space before « : ; ? ! » and inside
 * « », so a words file is written with plain spaces and no line starts with a colon.
 */
function frenchTypography(words: OperationWords): OperationWords {
  const typeset = (node: unknown, fr: boolean): unknown => {
    if (typeof node === 'string') return fr ? node.replace(/ ([:;?!»])/g, '\u00a0$1').replace(/« /g, '«\u00a0') : node;
    if (Array.isArray(node) || !node || typeof node !== 'object') return node; // phrasings are learnt as written
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, typeset(v, fr || k === 'fr')]));
  };
  return typeset(words, false) as OperationWords;
}

/** The words of every operation loaded in this process, by name. */
const known = new Map<string, OperationWords>();

/**
 * An operation's words once its playbook was loaded, for the parts that name an operation
 * without the engine at hand (the emails, the watches' messages); undefined for one with
 * no words file, which they then name in general terms.
 */
export function wordsOf(operation: string): OperationWords | undefined {
  return known.get(operation);
}

/** Every operation's words in a playbooks folder (the requests understanding's training reads them without the engine). */
export function loadAllOperationWords(dir: string): Map<string, OperationWords> {
  const out = new Map<string, OperationWords>();
  for (const entry of readdirSync(dir).filter(isWordsFile).sort()) {
    const operation = entry.replace(/\.words\.ya?ml$/, '');
    const words = loadOperationWords(dir, operation);
    if (words) out.set(operation, words);
  }
  return out;
}

/**
 * A sentence with its `{placeholders}` filled: an input's value (a list's first), else left
 * as written so a missing value shows rather than vanishes.
 */
export function fillWords(sentence: string, values: Record<string, unknown>): string {
  return sentence.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const v = values[key];
    const one = Array.isArray(v) ? v[0] : v;
    return typeof one === 'string' || typeof one === 'number' ? String(one) : whole;
  });
}
