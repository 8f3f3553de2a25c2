import { DESTRUCTIVE, type Intent } from './intents.js';
import { is, NEGATORS_AFTER, NEGATORS_BEFORE, NO_LONGER, PAST } from './lexicon.js';
import { fold, tokens } from './text.js';

/**
 * The rules read beside the model, for what a model must never get wrong: whether the
 * words ask to remove something (a create was once proposed for a delete request at 0.99
 * confidence), what it is, and where a message holds more than one request.
 */

/** Starts of the verbs that ask to remove, in both languages (folded): "ferme", "close" are not among them (a shop closes, a site stays). */
const REMOVAL = [
  'supprim',
  'effac',
  'delet',
  'remov',
  'drop$',
  'dropp',
  'eras',
  'destroy',
  'detrui',
  'retir',
  'enlev',
  'wipe',
  'purge',
  'trash',
  'nuke',
  'virer$',
  'virez$',
  'vire$',
  'degag',
  'rid$',
  'desinstall',
  'uninstall',
  'annul',
];
/** Verbs of wanting, which a negation before them turns against what follows: "I don't want you to delete". */
const WANT = ['want', 'wish', 'veu', 'voudr', 'souhait', 'aimer', 'like'];

/** What a clause says of removing: asked (a removal verb, not negated, not in the past), negated, or nothing; and of what. */
export interface Removal {
  asked: boolean;
  negated: boolean;
  past: boolean;
  kind?: 'site' | 'database' | 'dns' | 'other';
}

/** Whether a word begins with one of the starts; a start ending in `$` is the whole word. */
const startsWithAny = (w: string, starts: string[]) =>
  starts.some((s) => (s.endsWith('$') ? w === s.slice(0, -1) : w.startsWith(s)));

/** Reads whether the words ask to remove something, with negation ("ne supprimez pas", "don't delete") and tense ("a été supprimé") read. */
export function removal(ws: string[], ownDatabases: string[] = [], ownSites: string[] = []): Removal {
  let asked = false;
  let negated = false;
  let past = false;
  for (let i = 0; i < ws.length; i++) {
    if (!startsWithAny(ws[i], REMOVAL)) continue;
    const before = ws.slice(Math.max(0, i - 3), i);
    const after = ws.slice(i + 1, i + 3);
    const wantedNot = ws
      .slice(0, i)
      .some(
        (w, j, all) => startsWithAny(w, WANT) && all.slice(Math.max(0, j - 3), j).some((x) => NEGATORS_BEFORE.has(x)),
      );
    if (before.some((w) => NEGATORS_BEFORE.has(w)) || after.some((w) => NEGATORS_AFTER.has(w)) || wantedNot)
      negated = true;
    else if (ws.slice(Math.max(0, i - 2), i).some((w) => PAST.has(w))) past = true;
    else asked = true;
  }
  return {
    asked,
    negated: negated && !asked,
    past: past && !asked,
    kind: asked || noLongerNeeded(ws) ? kindOf(ws, ownDatabases, ownSites) : undefined,
  };
}

/** Whether the words say the thing is no longer needed, without a removal verb ("plus besoin de la base test_old"). */
export function noLongerNeeded(ws: string[]): boolean {
  return NO_LONGER.some((seq) => ws.some((_, i) => seq.every((s, k) => ws[i + k] === s)));
}

/** What a removal is about: a DNS record, a database, a site, or another thing (an account, a mailbox). */
function kindOf(ws: string[], ownDatabases: string[], ownSites: string[]): Removal['kind'] {
  if (ws.some((w) => is(w, 'dns'))) return 'dns';
  if (ws.some((w) => is(w, 'db') || ownDatabases.includes(w))) return 'database';
  if (ws.some((w) => is(w, 'mail') || is(w, 'account') || is(w, 'backup') || is(w, 'billing'))) return 'other';
  if (ws.some((w) => is(w, 'site') || ownSites.includes(w))) return 'site';
  return undefined;
}

/** The words that anchor each operation in a clause: without one, a clause adds no second operation ("je suis la gérante de la boutique"). */
const DOWN = [
  'panne',
  'down',
  'lent',
  'slow',
  'erreur',
  'error',
  'plant',
  'offline',
  'inaccessible',
  'unreachable',
  'crash',
  'broken',
  'cass',
  'blanc',
  'blank',
  'timeout',
  'rame',
  'check',
  'verif',
  'diagnos',
  'test',
  'probleme',
  'problem',
  'marche',
  'work',
  'fonctionn',
  'charg',
  'load',
  'securis',
  'secure',
  'cadenas',
  'padlock',
  'dangereu',
  'unsafe',
  'warning',
  'avertis',
  'privee',
  'private',
  '500',
  '502',
  '503',
  '504',
  '404',
  '403',
  'regard',
  'look',
  'repond',
  'respond',
  'acce',
  'reach',
];
/** The words that name a site itself (not "page", "domain" or "web" alone). */
const SITE = ['site', 'website', 'ftp', 'sftp', 'vhost', 'heberg', 'hosting', 'espace'];
/** Whether a clause's words name the kind of thing the operation is about. */
export function anchored(intent: Intent, ws: string[]): boolean {
  const any = (c: string) => ws.some((w) => is(w, c));
  switch (intent) {
    case 'certificate.issue':
    case 'certificate.renew':
      return any('cert') || any('renew');
    case 'vhost.create':
    case 'vhost.delete':
      return ws.some((w) => SITE.some((d) => w.startsWith(d)));
    case 'database.create':
    case 'database.delete':
      return any('db');
    case 'dns.fix':
      return any('dns');
    case 'diagnose':
      return ws.some((w) => DOWN.some((d) => (d.length <= 3 ? w === d : w.startsWith(d))));
    default:
      return false;
  }
}

/**
 * The intent the words allow, from the model's ranking: a removal is proposed only when
 * asked (or the thing is said to be no longer needed and the model reads a removal too),
 * a create is never proposed where a removal is asked (it becomes the removal of the thing
 * named), and a negated removal asks nothing of serein (a person reads it).
 */
export function allowed(
  ranked: { intent: Intent; confidence: number }[],
  ws: string[],
  own: { databases: string[]; sites: string[] },
): { intent: Intent; confidence: number } {
  const r = removal(ws, own.databases, own.sites);
  const top = ranked[0];
  const deleteOf = (kind: Removal['kind'], fallback: Intent): Intent =>
    kind === 'database' ? 'database.delete' : kind === 'site' ? 'vhost.delete' : fallback;
  if (DESTRUCTIVE.includes(top.intent)) {
    if (r.asked || (noLongerNeeded(ws) && !r.negated))
      return { intent: deleteOf(r.kind, top.intent), confidence: top.confidence };
    if (r.negated || r.past) return { intent: 'human', confidence: top.confidence };
    const next = ranked.find(
      (x) => !DESTRUCTIVE.includes(x.intent) && x.intent !== 'vhost.create' && x.intent !== 'database.create',
    );
    return next ?? { intent: 'human', confidence: 0 };
  }
  if (r.asked && (top.intent === 'vhost.create' || top.intent === 'database.create')) {
    const kind = r.kind ?? (top.intent === 'database.create' ? 'database' : 'site');
    return { intent: deleteOf(kind, 'human'), confidence: top.confidence };
  }
  // "Delete my blog" read as something else: the removal of the client's own thing is what is asked.
  if (r.asked && (r.kind === 'site' || r.kind === 'database') && (top.intent === 'human' || top.intent === 'diagnose'))
    return { intent: deleteOf(r.kind, 'human'), confidence: top.confidence };
  // "Mon site a été supprimé": something happened to it, a person looks at it.
  if (r.past && !r.asked && (r.kind === 'site' || r.kind === 'database' || top.intent !== 'dns.fix'))
    return { intent: 'human', confidence: top.confidence };
  if (
    r.negated &&
    (top.intent === 'vhost.create' || top.intent === 'database.create') &&
    !ws.some((w) => is(w, 'create'))
  )
    return { intent: 'human', confidence: top.confidence };
  return top;
}

/** A message cut into its requests: sentences, then "et", "and", "puis", "then", "also"; each piece with its text as written. */
export function clauses(text: string): string[] {
  const out: string[] = [];
  for (const sentence of text.split(/[;!?\n]|[.,:](?=\s)/)) {
    const parts = sentence.split(/(\s+)/);
    let acc = '';
    for (const part of parts) {
      if (/^\s+$/.test(part)) {
        acc += part;
        continue;
      }
      const w = fold(part);
      if (
        ['et', 'and', 'puis', 'then', 'ensuite', 'also', 'aussi', '&', 'but', 'mais', 'ainsi'].includes(w) &&
        acc.trim()
      ) {
        out.push(acc.trim());
        acc = '';
        continue;
      }
      acc += part;
    }
    if (acc.trim()) out.push(acc.trim());
  }
  return out.filter((c) => tokens(c).length > 0);
}
