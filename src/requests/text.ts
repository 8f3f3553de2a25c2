import { stemmer as stemEn } from 'stemmer';
import { newStemmer } from 'snowball-stemmers';
import { STOPWORDS_EN, STOPWORDS_FR } from './stopwords.js';

const snowballFr = newStemmer('french');

/**
 * A word's French stem (Snowball) and English one (Porter): the stems natural 8 gave, word
 * for word, set up once for the classifier's features here and the model's (./features.ts).
 */
export function stems(w: string): [fr: string, en: string] {
  return [snowballFr.stem(w), stemEn(w)];
}

/** Small words of both languages ("je", "the", "pour"): they say nothing of what is asked. */
const STOP = new Set([...STOPWORDS_EN, ...STOPWORDS_FR].map(fold));

/**
 * A run of the characters a host name is written with, and of those that may not touch one
 * (`_`): a name starts where a run starts. Each pattern here has one quantifier over one
 * character class, so reading a request is linear in its length; the former single pattern
 * (labels within labels, then a lookahead to the run's end at every label) took seconds
 * on 50 kB (test/hostile/request-text.test.ts checks every pattern of this folder).
 */
const RUN = /[\w.-]+/g;
const LABEL = /^[a-z0-9-]+$/;
const LAST_LABEL = /^[a-z]{2,}$/;

/** Lower case without accents: clients often type "securise" for "sécurisé". */
export function fold(text: string): string {
  return (
    text
      .toLowerCase()
      // Ligatures are letters NFD keeps whole: « œil » would lose its œ and read as « il ».
      .replace(/œ/g, 'oe')
      .replace(/æ/g, 'ae')
      .normalize('NFD')
      .replace(/\p{Diacritic}/gu, '')
  );
}

/**
 * A text's host names and tokens, kept for the last texts read: one request is read many
 * times (whole, by piece, by each rule), and reading it was most of a request's time.
 * Bounded, so a flood of different texts cannot grow it. Callers never change the arrays.
 */
const read = new Map<string, { names: string[]; tokens: string[]; words: string[] }>();
function reading(text: string): { names: string[]; tokens: string[]; words: string[] } {
  let r = read.get(text);
  if (r) return r;
  const found: string[] = [];
  const cleaned = withoutNames(withoutEmails(fold(text)), (name) => found.push(name));
  const ts = cleaned
    .split(/[^a-z0-9_-]+/)
    .map(trimJoins)
    .filter(Boolean);
  r = {
    names: [...new Set(found)],
    tokens: ts,
    words: ts.flatMap((t) => t.split(/[^a-z0-9]+/)).filter(Boolean),
  };
  if (read.size >= 256) read.clear();
  read.set(text, r);
  return r;
}

/** The host names written in a request, in order, without duplicates; e-mail addresses are not names. */
export function hostNames(text: string): string[] {
  return reading(text).names;
}

/**
 * The words of a request, folded, without host names, e-mail addresses or punctuation: all
 * of them, greetings and signatures included (a polite preamble once hid the request when
 * only the first 40 words were read).
 */
export function words(text: string): string[] {
  return reading(text).words;
}

/** The words as names are written: underscores and inner hyphens kept ("test_old", "boutique_wp"), host names and e-mail addresses out. */
export function tokens(text: string): string[] {
  return reading(text).tokens;
}

/** A word without the underscores and hyphens at its ends ("-boutique_" is boutique); a loop, not a pattern anchored at the end. */
function trimJoins(t: string): string {
  let a = 0;
  let b = t.length;
  while (a < b && (t[a] === '_' || t[a] === '-')) a++;
  while (b > a && (t[b - 1] === '_' || t[b - 1] === '-')) b--;
  return t.slice(a, b);
}

/** The text with every word holding an "@" between two characters (an e-mail address) made a space. */
function withoutEmails(text: string): string {
  return text.replace(/\S+/g, (w) => (w.slice(1, -1).includes('@') ? ' ' : w));
}

/**
 * The text with each host name made a space, each name handed to `found`. A name is the
 * start of a run that touches no "@": labels of letters, digits and inner hyphens joined by
 * dots, as many as there are, the last one letters only ("8.3" is no name), and the run
 * either ends there or goes on with a dot ("boutique.fr." is boutique.fr).
 */
function withoutNames(text: string, found?: (name: string) => void): string {
  return text.replace(RUN, (run: string, at: number) => {
    if (text[at - 1] === '@' || text[at + run.length] === '@') return run;
    const labels = run.split('.');
    let last = 0;
    for (let i = 1; i < labels.length && isLabel(labels[i - 1]); i++) if (LAST_LABEL.test(labels[i])) last = i;
    if (!last) return run;
    const name = labels.slice(0, last + 1).join('.');
    found?.(name);
    return ` ${run.slice(name.length)}`;
  });
}

const isLabel = (l: string) => LABEL.test(l) && !l.startsWith('-') && !l.endsWith('-');

/**
 * What the intent classifier learns from: each word's French and English stems, small
 * words left out (a request's language is read separately). Stems alone scored better
 * than stems with character trigrams on the evaluation table (87.9 % against 79.4 %):
 * typos in names are forgiven by string distance against the client's names instead.
 */
export function features(text: string): string[] {
  const out = new Set<string>();
  for (const w of words(text)) {
    if (STOP.has(w)) continue;
    for (const stem of stems(w)) out.add(`w:${stem}`);
  }
  return [...out];
}
