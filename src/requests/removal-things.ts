/**
 * What a removal's words name, one token at a time (a DNS record, a database, a site or another
 * thing inside one), and what a pronoun stands for: apart from removal.ts, which reads the verbs.
 */
import { is } from './lexicon.js';
import type { Removal } from './removal.js';

/** The token a host name is read as. */
export const HOST = 'zzhost';

/** Things inside a site that a client may ask to remove without removing the site: a warning, a page, a file. */
const INSIDE = new Set(
  'erreur error errors warning warnings avertissement alerte alert message bug virus malware cache file files fichier fichiers page pages plugin plugins extension theme post posts article articles image images photo photos picture pictures document documents video videos user users utilisateur comment comments commentaire commentaires redirect redirection'.split(
    ' ',
  ),
);

/** What one token names: a DNS record, a database, another thing (mail, a certificate, a warning, a page), or a site. */
export function thingOf(w: string, ownDatabases: string[], ownSites: string[]): Removal['kind'] {
  if (is(w, 'dns')) return 'dns';
  if (is(w, 'db') || ownDatabases.includes(w)) return 'database';
  // "Remove the FTP access of the blog", "remove his access": access is no site, whatever word the site is named with.
  if (
    ['mail', 'account', 'backup', 'billing', 'cert', 'password'].some((c) => is(w, c)) ||
    INSIDE.has(w) ||
    /^(s?ftp|filezilla|winscp|acce)/.test(w)
  )
    return 'other';
  if (w === HOST || is(w, 'site') || ownSites.includes(w)) return 'site';
  return undefined;
}

/** Pronouns a removal's thing is named by when told in an earlier sentence: "Can you remove it?", « le supprimer ». */
const PRONOUNS = new Set(['it', 'them', 'le', 'la', 'les', 'l']);
/** The thing a pronoun stands for: the last one named in the twenty words before the verb ("the blog… remove it"). */
export function told(ts: string[], i: number, after: string[], ownDatabases: string[], ownSites: string[]) {
  if (!PRONOUNS.has(after[0] ?? '') && !PRONOUNS.has(ts[i - 1] ?? '')) return undefined;
  for (let j = i - 1; j >= Math.max(0, i - 20); j--) {
    const k = thingOf(ts[j], ownDatabases, ownSites);
    if (k) return containerOfAnother(ts, j, ownDatabases, ownSites) ?? { kind: k, words: ts.slice(j, j + 1) };
  }
  return undefined;
}

/** Words placing a thing inside, on or from another: "a user in the database clients", « un fichier sur boutique.fr ». */
const PLACES = new Set([
  'in',
  'into',
  'inside',
  'on',
  'onto',
  'to',
  'from',
  'of',
  'at',
  'dans',
  'sur',
  'de',
  'du',
  'des',
  'a',
  'en',
]);
/**
 * "I found a spam user in the database clients… can you delete it?": the pronoun stands for the
 * user, and the database is only where it is. A site or database placed after another thing by
 * such a word is that thing's place, never what the pronoun removes.
 */
export function containerOfAnother(ts: string[], j: number, ownDatabases: string[], ownSites: string[]) {
  for (let p = j - 1; p >= Math.max(0, j - 3); p--) {
    if (!PLACES.has(ts[p])) continue;
    for (let q = p - 1; q >= Math.max(0, p - 4); q--)
      if (thingOf(ts[q], ownDatabases, ownSites) === 'other')
        return { kind: 'other' as const, words: ts.slice(q, q + 1) };
    return undefined;
  }
  return undefined;
}
