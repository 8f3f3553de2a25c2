import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Intent, Language } from '../intents.js';
import { fold, hostNames, words } from '../text.js';
import { expand, Random, sms, stripAccents, typo, type Slots } from './expand.js';
import { SLOTS_EN, SMS_EN, TEMPLATES_EN } from './en.js';
import { SLOTS_FR, SMS_FR, TEMPLATES_FR } from './fr.js';
import { ACCESS_SLOTS_EN, ACCESS_SLOTS_FR, ACCESS_TEMPLATES_EN, ACCESS_TEMPLATES_FR } from './access.js';

/**
 * The generated part of the training corpus: the hand-written phrasings
 * (corpus/intents.yaml) are few per operation, so every operation's templates are filled
 * with verbs (slang removal verbs included), things, names, politeness, preambles and
 * signatures, then written as clients write (no accents, SMS spelling, capitals, a typo).
 * Added to the hand corpus when the weights are computed (`npm run prepare`).
 */

/** How many phrasings each operation gets per language. */
const PER_INTENT = 260;
/** The files the generated corpus is made from: the weights are computed again when one changes (./model.ts). */
export const GENERATOR_FILES = ['expand.ts', 'en.ts', 'fr.ts', 'access.ts', 'index.ts'].map(
  (f) => new URL(`./${f}`, import.meta.url),
);
/** The evaluation tables, whose lines the generated corpus must not come near (see {@link nearTableLine}). */
export const TABLES = new URL('../../../test/fixtures/', import.meta.url);

const LANGS: Record<
  Language,
  { slots: Slots; templates: Record<Intent, string[] | undefined>; sms: [RegExp, string][] }
> = {
  en: {
    slots: { ...SLOTS_EN, ...ACCESS_SLOTS_EN },
    templates: { ...TEMPLATES_EN, ...ACCESS_TEMPLATES_EN },
    sms: SMS_EN,
  },
  fr: {
    slots: { ...SLOTS_FR, ...ACCESS_SLOTS_FR },
    templates: { ...TEMPLATES_FR, ...ACCESS_TEMPLATES_FR },
    sms: SMS_FR,
  },
};

/** One phrasing as a client could write it, from one of the operation's templates. */
function phrasing(lang: Language, intent: Intent, random: Random): string {
  const { slots, templates } = LANGS[lang];
  let text = expand(random.pick(templates[intent] ?? []), slots, random);
  // A story before the request, of one to three sentences, in a fifth of the phrasings: the model learns it asks nothing.
  if (random.chance(0.2)) text = `${expand('{filler}', slots, random)} ${text}`;
  if (random.chance(0.08)) text = `${expand('{filler} {filler}', slots, random)} ${text}`;
  if (random.chance(0.35)) text = `${expand('{hi}', slots, random)}${random.chance(0.5) ? ',' : ''} ${text}`;
  if (random.chance(0.35)) text = `${text}${random.chance(0.5) ? ',' : ''} ${expand('{bye}', slots, random)}`;
  if (random.chance(0.25)) text = sms(text, LANGS[lang].sms, random);
  if (random.chance(lang === 'fr' ? 0.35 : 0.1)) text = stripAccents(text);
  if (random.chance(0.2)) text = typo(text, random);
  if (random.chance(0.05)) text = text.toUpperCase();
  else if (random.chance(0.4)) text = text.toLowerCase();
  return text;
}

/** A line's words for comparison with {@link nearTableLine}: folded, host names as one word `h`, names with an underscore as `zzdb`. */
export function shape(text: string): Set<string> {
  const out = new Set(words(text.replace(/\b\w+_\w+\b/g, ' zzdb ')));
  if (hostNames(fold(text)).length) out.add('h');
  return out;
}

/** The evaluation tables' lines (test/fixtures/requests-*.yaml), when the checkout has them. */
export function tableLines(): string[] {
  if (!existsSync(TABLES)) return [];
  return readdirSync(TABLES)
    .filter((f) => /^requests-.*\.yaml$/.test(f))
    .flatMap((f) => {
      const table = parse(readFileSync(new URL(f, TABLES), 'utf8')) as { rows?: { text: string }[] };
      return (table.rows ?? []).map((r) => r.text);
    });
}

/**
 * Whether a generated line comes near a line of an evaluation table: most of their words
 * the same (a Jaccard index of 0.6 or more, host names and database names made alike).
 * Such a line is left out, so the tables keep measuring phrasings nobody trained on.
 */
export function nearTableLine(text: string, lines: Set<string>[]): boolean {
  const s = shape(text);
  return lines.some((l) => {
    // Sizes too far apart cannot reach 0.6: most pairs end here.
    if (Math.min(s.size, l.size) < 0.6 * Math.max(s.size, l.size)) return false;
    let common = 0;
    for (const w of s) if (l.has(w)) common++;
    return common / (s.size + l.size - common) >= 0.6;
  });
}

/** The generated phrasings for the intents given (those with templates), the same on every run, none near an evaluation table's line. */
export function generatedDocs(
  intents: readonly Intent[],
  seed = 20,
): { text: string; label: Intent; lang: Language }[] {
  const random = new Random(seed);
  const lines = tableLines().map(shape);
  const seen = new Set<string>();
  const out: { text: string; label: Intent; lang: Language }[] = [];
  for (const intent of intents) {
    for (const lang of ['en', 'fr'] as const) {
      if (!LANGS[lang].templates[intent]) continue;
      for (let i = 0; i < (ACCESS_TEMPLATES_EN[intent] ? PER_INTENT / 2 : PER_INTENT); i++) {
        const text = phrasing(lang, intent, random);
        if (seen.has(text)) continue;
        seen.add(text);
        if (!nearTableLine(text, lines)) out.push({ text, label: intent, lang });
      }
    }
  }
  return out;
}
