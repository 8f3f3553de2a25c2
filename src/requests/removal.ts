import { namedOnlyVerb, passwordRemoved, removesNamedThing, requestCalledOff } from './cancelling.js';
import { NEGATORS_AFTER, NEGATORS_BEFORE, NO_LONGER, PAST } from './lexicon.js';
import { isOrder, negatedInClause } from './negation.js';
import { fold, hostNames, tokens } from './text.js';
import { containerOfAnother, HOST, thingOf, told } from './removal-things.js';

/**
 * Whether the words ask to remove something, and what: the rule read beside the model for
 * what it must never get wrong (a create was once proposed for a delete request at 0.99
 * confidence, a site was once proposed for removal when the words were about a warning).
 */

/** Starts of the verbs that ask to remove, in both languages (folded); a start ending in `$` is the whole word. */
const REMOVAL = [
  'supprim',
  'suprim',
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
  'kill',
  'scrap',
  'ditch',
  'zapp',
  'bazard',
  'virer$',
  'virez$',
  'vire$',
  'degag',
  'rid$',
  'desinstall',
  'uninstall',
  'terminat',
  'poubelle',
  'suppr$',
  // « Suppression du vhost X demandée »: the noun asks it as the verb does ("deletion", "removal" start as their verbs).
  'suppression$',
  'jeter$',
  'jetez$',
  'jette$',
  'jetons$',
];
/** Verbs that remove only with the word that follows ("take down", "close down", "fermer définitivement", "shut down for good"). */
const WITH_FOLLOWER: [starts: string[], followers: string[]][] = [
  [
    ['take', 'took', 'taking'],
    ['down', 'offline'],
  ],
  [
    ['close', 'closing'],
    ['down', 'permanently', 'good', 'definitivement'],
  ],
  [['shut'], ['permanently', 'good', 'definitivement']],
  [['ferm'], ['definitivement', 'toujours']],
  // "That old database can go in the bin", "put it in the trash".
  [
    ['go$', 'goes', 'put$'],
    ['bin', 'trash', 'garbage'],
  ],
];
/** Verbs that remove after "can" (« peut »), and the words after them that make them something else ("can go live", « peut partir en vacances »). */
const LET_GO = new Set(['go', 'partir', 'sauter', 'disparaitre']);
const CAN = new Set(['can', 'could', 'may', 'peut', 'peuvent', 'pourrait', 'pourraient']);
const GO_ON = new Set(
  'live ahead on back to through for with online en au aux dans into there up faster vite sur avec a'.split(' '),
);
/** Verbs of wanting, which a negation before them turns against what follows ("I don't want you to delete"), and which make an English participle a request ("I want it deleted"). */
const WANT = [
  'want',
  'wish',
  'veu',
  'voudr',
  'souhait',
  'aimer',
  'like',
  'need',
  'get',
  'have',
  'please',
  'can',
  'could',
];
/** Words a removal's object does not reach past: the next request of the message. */
const JOINS = new Set([
  'and',
  'et',
  'but',
  'mais',
  'puis',
  'then',
  'because',
  'car',
  'parce',
  'since',
  'also',
  'aussi',
]);
/** The words after « jeter » that make it "to take a look". */
const LOOK = new Set(['oeil', 'oeuil', 'coup', 'yeux']);
/** The token a punctuation mark between two pieces of a sentence is read as, inside {@link removal}. */
const CUT = 'zzcut';
/** The token the end of a sentence is read as, inside {@link removal}. */
const END = 'zzend';

/** What a text says of removing: asked (a removal verb, not negated, not in the past), negated, or nothing; and of what. */
export interface Removal {
  asked: boolean;
  negated: boolean;
  past: boolean;
  kind?: 'site' | 'database' | 'dns' | 'other';
  /** The words the removal is about (after its verb, or before it: "the blog, delete it"), host names as written. */
  object: string[];
}

const startsWithAny = (w: string, starts: string[]) =>
  starts.some((s) => (s.endsWith('$') ? w === s.slice(0, -1) : w.startsWith(s)));

/** The text's tokens with each host name kept as one token (`zzhost`), and the names in order. */
export function readTokens(text: string): { ts: string[]; hosts: string[] } {
  const hosts = hostNames(text);
  let folded = fold(text);
  for (const h of [...hosts].sort((a, b) => b.length - a.length)) folded = folded.split(h).join(` ${HOST} `);
  return { ts: tokens(folded), hosts };
}

/** Whether the token at `i` is a removal verb (with its follower when it needs one). */
function isRemovalVerb(ts: string[], i: number): boolean {
  const w = ts[i];
  // « Jeter un œil », « jetez un coup d'œil »: to take a look, the opposite of throwing away.
  if (w.startsWith('jet') && ts.slice(i + 1, i + 4).some((x) => LOOK.has(x))) return false;
  // "Remove and recreate my password", « supprimer et recréer »: made again, a reset, not a removal.
  if (['and', 'et'].includes(ts[i + 1] ?? '') && startsWithAny(ts[i + 2] ?? '', MADE_AGAIN)) return false;
  if (startsWithAny(w, REMOVAL)) return !(w.startsWith('rid') && ts[i - 1] !== 'get' && ts[i - 1] !== 'got');
  // "Please cancel the database test_old", "decommission the website", « éliminer la base »: a site or a database only (./cancelling.ts).
  if (namedOnlyVerb(w)) return removesNamedThing(ts, i, HOST);
  // "So the database clients can go", « la base test_old peut sauter »: a thing let go of is removed ("can go live" is not).
  if (LET_GO.has(w) && CAN.has(ts[i - 1] ?? '') && !GO_ON.has(ts[i + 1] ?? '')) return true;
  if (['take', 'took', 'taking'].includes(w) && offTheHosting(ts.slice(i + 1, i + 9))) return true;
  return WITH_FOLLOWER.some(
    ([starts, followers]) => startsWithAny(w, starts) && ts.slice(i + 1, i + 6).some((x) => followers.includes(x)),
  );
}

/** Verbs that call a removal off ("forget the deletion", « on oublie la suppression », « annulez la suppression »). */
const CALL_OFF = ['oubli', 'forget', 'forgot', 'annul', 'cancel', 'abandon', 'skip', 'ignor', 'stop'];
/** Whether the removal at `i` is a noun (or an English gerund) a verb before it calls off, within its piece: "forget the deletion", "forget about deleting". */
function calledOff(ts: string[], i: number, from: number): boolean {
  if (!/(ion|al|ment|ing)$/.test(ts[i])) return false;
  // "Don't forget the deletion", « n'oubliez pas la suppression »: a reminder asks it.
  return ts
    .slice(Math.max(from, i - 3), i)
    .some(
      (w, k, near) =>
        CALL_OFF.some((c) => w.startsWith(c)) &&
        !ts.slice(Math.max(from, i - 3 + k - 2), i - 3 + k).some((x) => NEGATORS_BEFORE.has(x)) &&
        near[k + 1] !== 'pas',
    );
}

/** Verbs that make a thing again right after its removal: "delete and recreate", « supprimer et recréer ». */
const MADE_AGAIN = ['recreat', 'recree', 'refai', 'remak', 'redo', 'reinstal', 'reinit', 'regener', 'reset'];

/** "Take the site off the hosting", "take boutique.fr off your servers": off the hosting itself, not off a page ("take the logo off the shop"). */
const HOSTING = new Set(['hosting', 'host', 'server', 'servers', 'internet', 'web', 'net', 'plan', 'account']);
const OWNERS = new Set(['the', 'your', 'our', 'my', 'this']);
function offTheHosting(ws: string[]): boolean {
  return ws.some(
    (x, k) => x === 'off' && HOSTING.has(OWNERS.has(ws[k + 1] ?? '') ? (ws[k + 2] ?? '') : (ws[k + 1] ?? '')),
  );
}

/** Whether the removal at `i` is an order given after a thing named (and no "que", "that", "to" joining it to the wish). */
function orderAfterThing(between: string[], ts: string[], i: number, isThing: (w: string) => boolean): boolean {
  return (
    isOrder(ts, i) &&
    between.some(isThing) &&
    !between.some((w) => ['que', 'qu', 'that', 'to', 'de', 'd'].includes(w) || w.startsWith('soi'))
  );
}

/** A removal's noun and what was done with it: « suppression faite par erreur », "the deletion happened last night". */
const NOUNS = new Set(['suppression', 'deletion', 'removal', 'effacement']);
const DONE = ['faite', 'fait', 'effectu', 'realis', 'done', 'made', 'happen', 'occur', 'erreur', 'mistake', 'accident'];
function nounDone(ts: string[], i: number, end: number): boolean {
  return NOUNS.has(ts[i]) && ts.slice(i + 1, end).some((w) => DONE.some((d) => w.startsWith(d)));
}

/** An English participle ("deleted", "removed") says what happened unless a wish comes before it ("I want it deleted"). */
function pastParticiple(ts: string[], i: number): boolean {
  if (!/ed$/.test(ts[i])) return false;
  return !ts.slice(Math.max(0, i - 6), i).some((w) => startsWithAny(w, WANT));
}

/** Reads whether the words ask to remove something, with negation ("ne supprimez pas", "don't delete") and tense ("a été supprimé") read. */
export function removal(text: string, ownDatabases: string[] = [], ownSites: string[] = []): Removal {
  // A negation or a tense reaches no further than its own piece of the sentence: "ne touchez pas à boutique_wp, supprimez test_old".
  // A sentence's end also ends what a removal is about: "…le supprimer. Avec nos salutations" removes no greeting.
  const cutText = text.replace(/[!?\n]|\.(?=\s|$)/g, ` ${END} `).replace(/[,;:()]/g, ` ${CUT} `);
  const { ts: marked, hosts } = readTokens(cutText);
  const ts: string[] = [];
  const pieceStart: number[] = [];
  const sentenceEnds: number[] = [];
  let start = 0;
  for (const t of marked) {
    if (t === CUT || t === END) {
      start = ts.length;
      if (t === END) sentenceEnds.push(ts.length);
    } else {
      pieceStart.push(start);
      ts.push(t);
    }
  }
  const sentenceEnd = (i: number) => sentenceEnds.find((e) => e > i) ?? ts.length;
  const pieceEnd = (i: number) => {
    let j = i;
    while (j + 1 < ts.length && pieceStart[j + 1] === pieceStart[i]) j++;
    return j + 1;
  };
  let asked = false;
  let negated = false;
  let past = false;
  let object: string[] = [];
  let kind: Removal['kind'];
  for (let i = 0; i < ts.length; i++) {
    if (!isRemovalVerb(ts, i)) continue;
    const from = pieceStart[i];
    const before = ts.slice(Math.max(from, i - 3), i);
    const after = ts.slice(i + 1, Math.min(i + 3, pieceEnd(i)));
    const isThing = (w: string) => thingOf(w, ownDatabases, ownSites) !== undefined;
    const wantedNot = ts.slice(from, i).some(
      (w, j, all) =>
        startsWithAny(w, WANT) &&
        all.slice(Math.max(0, j - 3), j).some((x) => NEGATORS_BEFORE.has(x)) &&
        // "I don't want the blog anymore delete it": the wish was about the thing, the order after it asks.
        !orderAfterThing(all.slice(j + 1), ts, i, isThing),
    );
    if (
      before.some((w) => NEGATORS_BEFORE.has(w)) ||
      after.some((w) => NEGATORS_AFTER.has(w)) ||
      wantedNot ||
      calledOff(ts, i, from) ||
      requestCalledOff(ts, i, from) ||
      passwordRemoved(ts, i) ||
      negatedInClause(ts, from, i, pieceEnd(i), { isThing })
    ) {
      negated = true;
      // "Don't delete the site, only the test_old database": the removal, taken away from one thing, is given to the next.
      const only = onlyThing(ts, pieceEnd(i), pieceEnd, ownDatabases, ownSites);
      if (only && !asked) [kind, object, asked] = [only.kind, only.words, true];
    } else if (
      ts.slice(Math.max(from, i - 2), i).some((w) => PAST.has(w)) ||
      pastParticiple(ts, i) ||
      nounDone(ts, i, pieceEnd(i))
    )
      past = true;
    else {
      const found = objectOf(ts, i, ownDatabases, ownSites, PASSIVE.has(ts[i - 1] ?? ''), sentenceEnd(i));
      // The first removal asked about a thing says what is removed; a later one only if the first named none.
      if (!asked || !kind) [kind, object] = [found.kind, found.words];
      asked = true;
    }
  }
  if (!asked && noLongerNeeded(ts)) kind = kindOfAll(ts, ownDatabases, ownSites);
  // "Le blog (blog.exemple.fr) n'a plus lieu d'être, merci de le supprimer": the thing the message names.
  if (asked && !kind) kind = kindOfAll(ts, ownDatabases, ownSites);
  let h = 0;
  const named = object.map((w) => (w === HOST ? (hosts[h++] ?? w) : w));
  return { asked, negated: negated && !asked, past: past && !asked, kind, object: named };
}

/** The auxiliary before a passive removal ("can be deleted", « peut être supprimée »): its thing comes before it. */
const PASSIVE = new Set(['be', 'been', 'being', 'etre', 'ete']);
/** Words that keep a removal for one thing only: "only the database", « seulement sa base ». */
const ONLY = new Set(['only', 'seulement', 'uniquement', 'juste', 'just']);
/** Words that may stand between "only" and its thing: an article or a possessive, never a verb. */
const DETERMINERS = new Set(
  'the its their my our your this that le la les l sa son ses ma mon mes notre nos votre vos leur cette ce'.split(' '),
);

/**
 * The thing a short piece starting with "only" names right after a negated removal ("only the
 * test_old database", « Seulement sa vieille base test_old »), when no verb comes between:
 * "only check the database" asks no removal.
 */
function onlyThing(
  ts: string[],
  k: number,
  pieceEnd: (i: number) => number,
  ownDatabases: string[],
  ownSites: string[],
): { kind: Removal['kind']; words: string[] } | undefined {
  if (k >= ts.length || !ONLY.has(ts[k]) || pieceEnd(k) - k > 7) return undefined;
  const next = ts[k + 1] ?? '';
  if (!DETERMINERS.has(next) && thingOf(next, ownDatabases, ownSites) === undefined) return undefined;
  const found = objectOf(ts, k, ownDatabases, ownSites);
  return found.kind ? found : undefined;
}

/** Whether the words say the thing is no longer needed, without a removal verb ("plus besoin de la base test_old"). */
export function noLongerNeeded(ws: string[]): boolean {
  return NO_LONGER.some((seq) => ws.some((_, i) => seq.every((s, k) => ws[i + k] === s)));
}

/** The thing a removal verb is about: the first named after it (up to the next request), else the nearest before it. */
function objectOf(
  ts: string[],
  i: number,
  ownDatabases: string[],
  ownSites: string[],
  passive = false,
  stop = ts.length,
): { kind: Removal['kind']; words: string[] } {
  const after: string[] = [];
  for (let j = i + 1; j < stop && j <= i + 6 && !JOINS.has(ts[j]); j++) after.push(ts[j]);
  // "Take https://blog.exemple.fr/ off": a pasted address's scheme is the address, not a certificate.
  const first = after
    .map((w, k) =>
      (w === 'https' || w === 'http') && after[k + 1] === HOST ? undefined : thingOf(w, ownDatabases, ownSites),
    )
    .find(Boolean);
  const before = (): { kind: Removal['kind']; words: string[] } | undefined => {
    const from = Math.max(0, i - 5);
    const near = ts.slice(from, i);
    for (let j = near.length - 1; j >= 0; j--) {
      if (JOINS.has(near[j])) break;
      const k = thingOf(near[j], ownDatabases, ownSites);
      if (k) return containerOfAnother(ts, from + j, ownDatabases, ownSites) ?? { kind: k, words: near.slice(j) };
    }
    return undefined;
  };
  // "La base boutique_wp peut être supprimée, le nouveau site…": a passive verb's thing is its subject, before it.
  const subject = passive ? before() : undefined;
  if (subject) return subject;
  if (first) return { kind: first, words: after };
  return before() ?? told(ts, i, after, ownDatabases, ownSites) ?? { kind: undefined, words: after };
}

/** What the whole text is about, for "no longer needed" without a verb: a DNS record, a database, another thing, a site. */
function kindOfAll(ts: string[], ownDatabases: string[], ownSites: string[]): Removal['kind'] {
  const kinds = ts.map((w) => thingOf(w, ownDatabases, ownSites));
  return (['dns', 'database', 'other', 'site'] as const).find((k) => kinds.includes(k));
}
