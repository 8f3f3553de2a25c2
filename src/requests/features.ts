import { concepts } from './lexicon.js';
import { hostNames, stems, words } from './text.js';

/** Bumped when the features change, so weights computed for other features are not read (./model.ts). */
export const FEATURES_VERSION = 3;

/** Each word's own features, kept once computed: stemming is most of a request's reading time. */
const seen = new Map<string, string[]>();

function ofWord(w: string): string[] {
  let fs = seen.get(w);
  if (fs) return fs;
  fs = [`w:${w}`];
  if (w.length > 3) fs.push(...stems(w).map((stem) => `s:${stem}`));
  const padded = `<${w}>`;
  for (const n of [3, 4]) for (let i = 0; i + n <= padded.length; i++) fs.push(`c:${padded.slice(i, i + n)}`);
  for (const c of concepts(w)) fs.push(`k:${c}`);
  // Bounded: a flood of made-up words cannot grow it without end.
  if (seen.size > 50_000) seen.clear();
  seen.set(w, fs);
  return fs;
}

/**
 * What the logistic model learns from (./model.ts): every word (accents folded), its French
 * and English stems, the character n-grams of 3 and 4 letters of each word (a typo or an
 * unknown form keeps most of them: "certifcat", "sécurisé"/"securise"), pairs of
 * neighbouring words ("pas securise", "not secure"), the lexicon's concepts (./lexicon.ts),
 * and whether a host name was written. All the words are read, greetings included: the
 * model learns that "bonjour" says nothing.
 */
export function intentFeatures(text: string): string[] {
  const out = new Set<string>();
  const ws = words(text);
  if (hostNames(text).length) out.add('n:host');
  let previous = '^';
  for (const w of ws) {
    out.add(`b:${previous}_${w}`);
    previous = w;
    for (const f of ofWord(w)) out.add(f);
  }
  // Two concepts together say more than each: a removal and a database, a site and "down".
  const ks = [...out].filter((f) => f.startsWith('k:')).sort();
  for (let i = 0; i < ks.length; i++)
    for (let j = i + 1; j < ks.length; j++) out.add(`kk:${ks[i].slice(2)}+${ks[j].slice(2)}`);
  return [...out];
}
