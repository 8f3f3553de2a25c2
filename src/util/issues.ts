import type { z } from 'zod';
import type { FieldProblem, Language, Localized } from '../errors.js';

/**
 * Zod's problems, told in each language serein speaks, from their codes: zod's own text
 * is English only and its locales are global, while one daemon answers French and English
 * callers at once. Each problem names its field; all of them are listed together.
 */

type Issue = z.core.$ZodIssue & { input?: unknown };

const KINDS: Record<string, Localized> = {
  string: { en: 'text', fr: 'du texte' },
  number: { en: 'a number', fr: 'un nombre' },
  int: { en: 'a whole number', fr: 'un nombre entier' },
  boolean: { en: 'true or false', fr: 'true ou false' },
  object: { en: 'an object ({…})', fr: 'un objet ({…})' },
  array: { en: 'a list ([…])', fr: 'une liste ([…])' },
  record: { en: 'an object ({…})', fr: 'un objet ({…})' },
  null: { en: 'null', fr: 'null' },
};

/** What a received value is, in words; never the value itself (it may be a secret). */
function received(input: unknown): Localized {
  if (input === null) return KINDS.null;
  if (Array.isArray(input)) return KINDS.array;
  return KINDS[typeof input] ?? { en: typeof input, fr: typeof input };
}

const kind = (expected: string): Localized => KINDS[expected] ?? { en: expected, fr: expected };
const list = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** Sizes by what is measured: characters of text, items of a list, the value of a number. */
function bound(issue: { origin: string; inclusive?: boolean }, n: number | bigint, big: boolean): Localized {
  const count = String(n);
  const strict = issue.inclusive === false;
  switch (issue.origin) {
    case 'string':
      return big
        ? { en: `must be at most ${count} characters long`, fr: `doit faire au plus ${count} caractères` }
        : {
            en: `must be at least ${count} character${count === '1' ? '' : 's'} long`,
            fr: `doit faire au moins ${count} caractère${count === '1' ? '' : 's'}`,
          };
    case 'array':
    case 'set':
      return big
        ? { en: `must hold at most ${count} items`, fr: `doit contenir au plus ${count} éléments` }
        : {
            en: `must hold at least ${count} item${count === '1' ? '' : 's'}`,
            fr: `doit contenir au moins ${count} élément${count === '1' ? '' : 's'}`,
          };
    default:
      if (big)
        return strict
          ? { en: `must be less than ${count}`, fr: `doit être inférieur à ${count}` }
          : { en: `must be ${count} or less`, fr: `doit valoir au plus ${count}` };
      return strict
        ? { en: `must be greater than ${count}`, fr: `doit être supérieur à ${count}` }
        : { en: `must be ${count} or more`, fr: `doit valoir au moins ${count}` };
  }
}

/** A valid value of each format zod checks, shown instead of the format's pattern. */
const FORMAT_EXAMPLES: Record<string, string> = {
  email: 'contact@example.com',
  url: 'https://www.example.com',
  uuid: '0b6f2c1e-8a4d-4c3b-9f1e-5d2a7c9e4b10',
  guid: '0b6f2c1e-8a4d-4c3b-9f1e-5d2a7c9e4b10',
  datetime: '2026-03-03T10:15:00Z',
  date: '2026-03-03',
  time: '10:15:00',
  ipv4: '203.0.113.7',
  ipv6: '2001:db8::7',
  cidrv4: '203.0.113.0/24',
  cidrv6: '2001:db8::/32',
  hostname: 'shop.example.com',
};

/** One problem without its field name. */
function problem(issue: Issue): Localized {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return { en: 'is required', fr: 'est obligatoire' };
      const want = kind(issue.expected);
      const got = received(issue.input);
      return { en: `must be ${want.en}, not ${got.en}`, fr: `doit être ${want.fr}, pas ${got.fr}` };
    }
    case 'too_big':
      return bound(issue, issue.maximum, true);
    case 'too_small':
      return bound(issue, issue.minimum, false);
    case 'invalid_format': {
      // An example to copy, never the pattern: clients do not read regular expressions.
      const example = FORMAT_EXAMPLES[issue.format];
      if (example) return { en: `must look like ${example}`, fr: `doit ressembler à ${example}` };
      // A schema's own words for its pattern ("a port range such as 1024-65535"), not zod's, which quotes the pattern.
      if (issue.message && !/^Invalid/.test(issue.message))
        return { en: `must be ${issue.message}`, fr: `doit être ${issue.message}` };
      return { en: 'has a form that is not accepted', fr: 'a une forme qui n’est pas acceptée' };
    }
    case 'not_multiple_of':
      return {
        en: `must be a multiple of ${String(issue.divisor)}`,
        fr: `doit être un multiple de ${String(issue.divisor)}`,
      };
    case 'unrecognized_keys':
      return {
        en: `has fields that are not accepted: ${issue.keys.join(', ')}`,
        fr: `a des champs qui ne sont pas acceptés : ${issue.keys.join(', ')}`,
      };
    case 'invalid_value':
      return issue.values.length === 1
        ? { en: `must be ${list(issue.values)}`, fr: `doit valoir ${list(issue.values)}` }
        : { en: `must be one of ${list(issue.values)}`, fr: `doit être l’une des valeurs ${list(issue.values)}` };
    case 'invalid_union':
      return { en: 'does not have any of the accepted forms', fr: 'n’a aucune des formes acceptées' };
    case 'invalid_key':
      return { en: 'has a key that is not accepted', fr: 'a une clé qui n’est pas acceptée' };
    case 'invalid_element':
      return { en: 'has an item that is not accepted', fr: 'a un élément qui n’est pas accepté' };
    case 'custom': {
      // A refinement may carry its French text in params.fr beside its (English) message.
      const fr = (issue.params as { fr?: unknown } | undefined)?.fr;
      return { en: issue.message, fr: typeof fr === 'string' ? fr : issue.message };
    }
    default:
      return { en: (issue as { message: string }).message, fr: (issue as { message: string }).message };
  }
}

/** Each problem as `field: what it must be`, in one language. */
export function issueLines(issues: readonly z.core.$ZodIssue[], language: Language, what = 'body'): string[] {
  return issues.map((i) => {
    const field = i.path.map(String).join('.') || what;
    return language === 'fr' ? `« ${field} » ${problem(i as Issue).fr}` : `"${field}" ${problem(i as Issue).en}`;
  });
}

/** Each problem as `{name, message}`: the field's dotted path (or `what`) and what it must be, in every language. */
export function issueFields(issues: readonly z.core.$ZodIssue[], what = 'body'): FieldProblem[] {
  return issues.map((i) => ({ name: i.path.map(String).join('.') || what, message: problem(i as Issue) }));
}

/** Every problem, in every language: "a; b; c". */
export function describeIssues(issues: readonly z.core.$ZodIssue[], what = 'body'): Localized {
  return { en: issueLines(issues, 'en', what).join('; '), fr: issueLines(issues, 'fr', what).join(' ; ') };
}

/** The parse options that keep each problem's input (its kind is named, never its value). */
export const REPORT_INPUT = { reportInput: true } as const;
