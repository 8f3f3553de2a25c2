import { distance } from 'fastest-levenshtein';
import { words } from './text.js';

/**
 * The client's name a written one means: the same (a leading "www." aside), close enough
 * to be a typo (boutqiue.fr), or written as it sounds (boutik.fr); one name only, never
 * a guess between two.
 */
export function closest(written: string, names: string[]): string | undefined {
  const bare = written.replace(/^www\./, '');
  if (names.includes(written)) return written;
  if (names.includes(bare)) return bare;
  const bareSound = sound(bare);
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const n of names) {
    // A name whose length (written or sounded) is off by more than the most a typo may be
    // can neither be taken nor tie with one taken: skipped before the distances, which a
    // tenant of 1,000 sites paid for every word of every request.
    const sounded = soundOf(n);
    if (Math.min(Math.abs(bare.length - n.length), Math.abs(bareSound.length - sounded.length)) > MOST_WRONG) continue;
    const d = Math.min(distance(bare, n), distance(bareSound, sounded));
    if (d < bestDistance) [best, bestDistance, tie] = [n, d, false];
    else if (d === bestDistance) tie = true;
  }
  // Up to a quarter of the letters wrong, three at most: a typo, not another name.
  return best && !tie && bestDistance <= Math.min(MOST_WRONG, Math.floor(best.length / 4)) ? best : undefined;
}

/** The most letters a written name may have wrong and still be read as one of the client's. */
const MOST_WRONG = 3;

/** How the client's names sound, kept: the same names are compared with every word of every request. */
const sounds = new Map<string, string>();
function soundOf(name: string): string {
  let s = sounds.get(name);
  if (s === undefined) {
    if (sounds.size >= 100_000) sounds.clear(); // bounded, whatever the provider's size
    s = sound(name);
    sounds.set(name, s);
  }
  return s;
}

/** How a word sounds ("boutik" as boutique, "blogue" as blog), for words of four letters or more: a client's own spelling of their site. */
export function heardAs(word: string): string | undefined {
  return word.length >= 4 ? soundOf(word) : undefined;
}

/** The labels of a name that say what it is: not www, not the public suffix. Kept, as soundOf is (read-only: shared). */
export function labels(name: string): readonly string[] {
  let kept = labelsOf.get(name);
  if (kept === undefined) {
    if (labelsOf.size >= 100_000) labelsOf.clear();
    kept = name
      .split('.')
      .slice(0, -1)
      .filter((l) => l !== 'www');
    labelsOf.set(name, kept);
  }
  return kept;
}
const labelsOf = new Map<string, readonly string[]>();

/** A name as it sounds in French or English: "qu", "ck" and a hard "c" as k, "ph" as f, "y" as i, doubled letters once, no final "e" of a label. */
function sound(name: string): string {
  return name
    .split('.')
    .map((l) =>
      l
        .replace(/qu|ck|c(?=[aou])/g, 'k')
        .replace(/ph/g, 'f')
        .replace(/y/g, 'i')
        .split('')
        .filter((ch, i, all) => ch !== all[i - 1])
        .join('')
        .replace(/(.)e$/, '$1'),
    )
    .join('.');
}

/** Words that put a new name under a domain (« sous exemple.fr », "a subdomain of exemple.fr"), searched as words rather than a pattern built from the domain. */
const UNDER = ['sous', 'under', 'subdomain of', 'sub-domain of', 'sous-domaine de', 'sous domaine de'];
const UNDER_ARTICLES = ['le domaine ', 'the domain ', 'my ', 'mon '];

/**
 * The domain itself as the new site's name, unless the words put the site under it: "a
 * second site under exemple.fr, the name isn't decided" names no site yet (asked).
 */
export function notUnder(text: string, domain: string | undefined): string | undefined {
  if (!domain) return undefined;
  const low = text.toLowerCase();
  for (const m of UNDER)
    for (let i = low.indexOf(m); i >= 0; i = low.indexOf(m, i + 1)) {
      if (/\w/.test(low[i - 1] ?? '')) continue;
      let j = i + m.length;
      if (!/\s/.test(low[j] ?? '')) continue;
      while (/\s/.test(low[j] ?? '')) j++;
      const rest = low.slice(j);
      const article = UNDER_ARTICLES.find((a) => rest.startsWith(a)) ?? '';
      if (rest.startsWith(domain, article.length)) return undefined;
    }
  return domain;
}

/**
 * The client's site a host written not quite right stands for, when only its first label differs and by a letter
 * missed or mistyped, or as it sounds ("blg.exemple.fr", "boutik.fr"): never a longer label ("blog2.exemple.fr"
 * is a new name), never a guess between two. Read where nothing asks for a new site (an FTP login, a certificate).
 * Only the sites ending as the host does are compared: a tenant of 1,000 sites pays a string test each.
 */
export function mistypedSite(host: string, sites: string[]): string | undefined {
  const bare = host.replace(/^www\./, '');
  const dot = bare.indexOf('.');
  if (dot < 0 || sites.includes(bare)) return undefined;
  const [first, rest] = [bare.slice(0, dot), bare.slice(dot)];
  const found = sites.filter((s) => {
    if (!s.endsWith(rest) || s.length - rest.length < first.length) return false;
    const label = s.slice(0, s.length - rest.length);
    if (label.includes('.')) return false;
    return distance(first, label) <= 1 || (label.length >= 4 && sound(first) === soundOf(label));
  });
  return found.length === 1 ? found[0] : undefined;
}

/** The pieces of a message that say a thing is there already ("the blog already has a certificate", « le blog a déjà son certificat »). */
export function saidDone(text: string): string[] {
  return text
    .split(/[,;!?\n]|\.\s/)
    .flatMap((sentence) => sentence.split(/\s(?:but|mais|however|par contre)\s/i))
    .filter((piece) => words(piece).some((w) => w === 'already' || w === 'deja'));
}
