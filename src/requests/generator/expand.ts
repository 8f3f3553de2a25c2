/**
 * The machinery of the generated training corpus (./index.ts): a seeded random source,
 * templates with `{slot}` placeholders expanded from word lists, and the ways clients
 * write (no accents, SMS spelling, capitals, a letter slipped). Deterministic: the same
 * seed gives the same corpus, so the weights `npm run prepare` computes are reproducible.
 */

/** Word lists a template's `{slot}` is filled from; an entry may hold slots of its own. */
export type Slots = Record<string, readonly string[]>;

/** A pseudo-random source from a seed (a linear congruential generator: enough to pick words, and the same on every machine). */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed % 2147483648;
  }
  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state * 1103515245 + 12345) % 2147483648;
    return this.state / 2147483648;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A template with every `{slot}` replaced by one of its words, slots within slots too (ten levels at most). */
export function expand(template: string, slots: Slots, random: Random): string {
  let text = template;
  for (let depth = 0; depth < 10 && text.includes('{'); depth++) {
    text = text.replace(/\{(\w+)\}/g, (whole, name: string) => (slots[name] ? random.pick(slots[name]) : whole));
  }
  return text
    .replace(/\s+/g, ' ')
    .replace(/ ([,.?!])/g, '$1')
    .trim();
}

/** Lower case without accents, as many clients type on a phone. */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '');
}

/** One letter of one longer word dropped, doubled or swapped with the next: the typos clients make. Names (with a dot or an underscore) are left as written. */
export function typo(text: string, random: Random): string {
  const ws = text.split(' ');
  const candidates = ws.map((w, i) => i).filter((i) => /^[\p{L}]{5,}$/u.test(ws[i]));
  if (!candidates.length) return text;
  const i = random.pick(candidates);
  const w = ws[i];
  const at = 1 + Math.floor(random.next() * (w.length - 2));
  const kind = random.next();
  ws[i] =
    kind < 0.4
      ? w.slice(0, at) + w.slice(at + 1)
      : kind < 0.7
        ? w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2)
        : w.slice(0, at) + w[at] + w.slice(at);
  return ws.join(' ');
}

/** Replaces whole words or phrases (case-insensitive) by their SMS spelling, each with the given chance. */
export function sms(text: string, table: readonly [RegExp, string][], random: Random): string {
  let out = text;
  for (const [pattern, short] of table) if (random.chance(0.7)) out = out.replace(pattern, short);
  return out;
}
