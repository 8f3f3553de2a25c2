import { fileAccess, refusesThing } from './access-reading.js';
import { anchored } from './anchors.js';
import type { Intent, RequestClassifier } from './classifier.js';
import { concepts, is, NEGATORS_BEFORE } from './lexicon.js';
import { unquoted } from './names.js';
import { allowed, clauses, type Own } from './reading.js';
import { readTokens, removal } from './removal.js';
import { words } from './text.js';

/**
 * A message read piece by piece (./reading.ts cuts it): the operation each piece asks, a
 * thing the client protects set aside, a removal carried to the next thing named, a site
 * named alone beside a database made with it. ./understand.ts reads the whole beside them.
 */

/** A piece of a message adds an operation of its own from this confidence, when its words name the kind of thing. */
const CLAUSE_SURE = 0.55;

/**
 * Whether a piece keeps the thing just named by its pronoun alone: "I'll keep it", « je le
 * garde ». Not when it names a thing ("le nom de domaine, on le garde") nor when the keeping
 * is negated ("I don't want to keep it").
 */
function keepsIt(piece: string): boolean {
  const ws = words(piece);
  if (ws.some((w) => NEGATORS_BEFORE.has(w) || NO_LONGER_KEPT.has(w) || ['site', 'db', 'cert'].some((k) => is(w, k))))
    return false;
  return ws.some(
    (w, i) =>
      PROTECTING.some((p) => w.startsWith(p)) &&
      (['it', 'them'].includes(ws[i + 1]) || ['le', 'la', 'les', 'l'].includes(ws[i - 1])),
  );
}

/**
 * The pieces of a removal taken back and of the words right after it that take it back: "I
 * was going to delete the blog, but actually I'll keep it", « je pensais supprimer test_old,
 * mais je la garde » (« …boutique.fr ? Le nom de domaine, on le garde »: another thing kept).
 */
export function takenBack(pieces: string[], own: Own): Set<number> {
  const taken = new Set<number>();
  let asked = -1;
  pieces.forEach((piece, k) => {
    if (removal(piece, own.databases, own.sites).asked) asked = k;
    else if (asked === k - 1 && protects(piece) && !named(piece, own) && keepsIt(piece)) taken.add(asked).add(k);
  });
  return taken;
}

/** Words that tell a thing is done already, not asked ("we exported it with pg_dump already"). */
const DONE = new Set(['already', 'deja']);
/** Subjects: a piece with one has a verb of its own ("we moved", « on a refait »), so it tells or asks its own thing. */
const SUBJECTS = new Set(['we', 'i', 'on', 'nous', 'j', 'they', 'he', 'she', 'ils', 'elles', 'il', 'elle']);

/**
 * Whether a piece says its thing is not what the message is about: « rien à voir avec le SSL », "nothing to do with
 * SSL", "not SSL actually", « pas le SSL en fait » (a ticket filed under the wrong category).
 */
function denies(piece: string): boolean {
  const ws = words(piece);
  const run = (seq: string[]) => ws.some((_, i) => seq.every((x, k) => ws[i + k] === x));
  return (
    run(['rien', 'a', 'voir']) ||
    run(['nothing', 'to', 'do']) ||
    (['not', 'pas'].includes(ws[0] ?? '') && ws.length <= 5 && ws.some((w) => ['actually', 'fait'].includes(w)))
  );
}

/** Words after a keeping verb that say the thing is kept no longer: « on le garde pu » (Québec), "we keep it no more". */
const NO_LONGER_KEPT = new Set(['pas', 'plus', 'pu', 'anymore', 'longer', 'more']);

/** Verbs a client protects a thing with: "ne touchez pas à la boutique", "don't touch the shop", "keep the blog", "laissez le blog". */
const PROTECTING = ['touch', 'keep', 'gard', 'conserv', 'laiss', 'leave'];

/** Whether a piece of a message protects a thing rather than asking for something ("ne touchez pas à la boutique", "keep the shop"). */
export function protects(piece: string): boolean {
  const ws = words(piece);
  return ws.some(
    (w, i) =>
      PROTECTING.some((p) => w.startsWith(p)) &&
      (((w.startsWith('keep') || w.startsWith('gard') || w.startsWith('conserv')) &&
        !ws.slice(i + 1, i + 4).some((x) => NO_LONGER_KEPT.has(x))) ||
        ws.slice(Math.max(0, i - 3), i).some((x) => NEGATORS_BEFORE.has(x)) ||
        ws.slice(i + 1, i + 3).includes('pas')),
  );
}

/** The operations the pieces of a message ask for, in order, each anchored in its own words and allowed by the rules. */
export function clauseOperations(
  classifier: RequestClassifier,
  text: string,
  own: Own,
): { intent: Intent; piece: string }[] {
  const pieces = clauses(text);
  if (pieces.length < 2) return [];
  const out: { intent: Intent; piece: string }[] = [];
  // A removal the whole message negates ("what I don't want, is that you delete the site") is asked by none of its pieces.
  const negatedWhole = removal(text, own.databases, own.sites).negated;
  let removing = false;
  const taken = takenBack(pieces, own);
  let story = false;
  for (const [k, piece] of pieces.entries()) {
    // "Remove the blog but keep the shop": a thing protected is asked nothing of, and no removal carries over to it.
    if (protects(piece) || taken.has(k) || denies(piece)) {
      removing = false;
      continue;
    }
    const afterRemoval = out.some((x) => own.kinds.removes(x.intent));
    // "We rebuilt the shop", « on a refait la boutique | avec une autre base »: a piece with a subject and no
    // wish tells something, and the piece after it goes on telling it.
    const subject = words(piece).some((w) => SUBJECTS.has(w));
    const told: boolean = !asks(piece) && (subject || story || words(piece).some((w) => DONE.has(w)));
    story = told;
    const c = classifier.classify(unquoted(piece));
    let a = allowed(c.ranked, piece, own);
    // "Virez le blog et la base test_old": the second thing is removed too, its verb left unsaid.
    const r = removal(piece, own.databases, own.sites);
    // Only a thing named without a verb of its own: "and renew the shop's cert" asks a renewal, not a removal.
    const ownAsk =
      words(piece).some((w) => ['create', 'renew', 'cert', 'dns'].some((k) => is(w, k))) || fileAccess(words(piece));
    // A list's item ("- un nouveau mot de passe FTP") is a request of its own: the removal before it does not carry over.
    const item = /^\s*([-*•·–]|\d+[.)])\s/.test(piece);
    // "Delete test_old, we rebuilt the shop": a piece with a subject of its own tells or asks its own thing.
    if (removing && !r.asked && !r.negated && !ownAsk && !item && !subject && !startsWithOrder(piece)) {
      const kind = removal(`delete ${piece}`, own.databases, own.sites).kind;
      const thenRemoved = (kind === 'site' || kind === 'database') && own.kinds.removalOf(kind);
      if (thenRemoved) a = { intent: thenRemoved, confidence: 0.6 };
    }
    removing = r.asked || (removing && own.kinds.removes(a.intent));
    // "A site plus a MySQL database", "site + bdd pour X": a site named alone beside another thing asked is a new one.
    const alone = !removing && !r.negated && newSiteAlone(piece, text);
    if (alone) a = { intent: 'vhost.create', confidence: 0.6 };
    // "A new site promo.exemple.fr, and also the https on it once made": the padlock of the site just asked for.
    const ws = words(piece);
    const padlockOfNew =
      out.some((x) => own.kinds.made(x.intent) === 'site') &&
      ws.some((w) => is(w, 'cert')) &&
      !readTokens(piece).ts.some((w) => NEGATORS_BEFORE.has(w) || is(w, 'remove')) &&
      classifier.corpus.operations.has('certificate.issue') &&
      !own.kinds.removes(a.intent);
    if (padlockOfNew) a = { intent: 'certificate.issue', confidence: Math.max(a.confidence, CLAUSE_SURE) };
    // A short message's pieces are each a request ("un site et une base"): a thing named is enough at a lower confidence.
    const short = words(text).length <= 15 || (out.length > 0 && words(piece).length <= 8);
    const sure = short && words(piece).length <= 4 ? 0.4 : CLAUSE_SURE;
    if (a.intent === 'human' || a.confidence < sure || !(alone || anchored(a.intent, piece, own))) continue;
    // "…and another one for blog.exemple.fr" after a certificate: a site the client has is never made again.
    const { hosts } = readTokens(piece);
    if (own.kinds.made(a.intent) === 'site' && hosts.length && hosts.every((h) => own.siteNames?.includes(h))) continue;
    // « Plus de place sur l'hébergement », "out of space on the hosting": the storage, a person's topic, nothing made.
    if (own.kinds.creates(a.intent) && !hosts.length && words(text).some((w) => is(w, 'storage')) && !asksToMake(piece))
      continue;
    // "I feel like it points to the wrong server", « j'ai l'impression que… »: a suspicion told, the reason of the request.
    if (out.length > 0 && suspects(piece)) continue;
    // "No database needed", « pas besoin de base »: a thing refused is not asked.
    if (refusesThing(piece, true) && !own.kinds.removes(a.intent)) continue;
    // "Remove the database clients, we exported it with pg_dump already", « …on a refait la boutique avec une autre base »: after a removal, a thing said done is not made.
    if (afterRemoval && own.kinds.creates(a.intent) && told) continue;
    // « …peut être supprimée, le nouveau site utilise une autre base »: after a removal, a thing made must be asked
    // (a few words that finish the piece before, « en MariaDB », are that piece's).
    const added = out.length > 0 && NEW_THING.has(words(piece)[0] ?? '');
    if (afterRemoval && own.kinds.creates(a.intent) && !asks(piece) && !item && !added && words(piece).length > 3)
      continue;
    if (negatedWhole && own.kinds.removes(a.intent)) continue;
    // A story told before the request ("I deleted old posts, everything I created...") asks
    // nothing; a short message, or a thing added to the request before it, does ("a site and a database").
    // "…create the site club.exemple.fr and a MySQL database called club": a thing added after a request is asked too.
    if (!short && !asks(piece) && !item && !added && !padlockOfNew && !lostPassword(piece)) continue;
    // A symptom that names no site ("nothing is broken, I need a new site") is no site to check.
    if (a.intent === 'diagnose' && !anchored('vhost.delete', piece, own)) continue;
    // One thing asked once: a certificate issued and renewed in the same breath is one operation.
    const same = (x: Intent) => x === a.intent || (x.startsWith('certificate.') && a.intent.startsWith('certificate.'));
    // "Delete test_old and clients": two removals, each of the thing its piece names.
    const another =
      own.kinds.removes(a.intent) &&
      names(piece, own) &&
      !out.some((x) => x.intent === a.intent && named(x.piece, own) === named(piece, own));
    if (another || !out.some((x) => same(x.intent))) out.push({ intent: a.intent, piece });
  }
  return out;
}

/** Words around a thing asked for that say nothing else: articles, wishes, "new". */
const AROUND_A_THING = new Set(
  'a an un une another autre new nouveau nouvel nouvelle i je j can could may get need want veux voudrais aimerais faut il me moi please svp pls also aussi'.split(
    ' ',
  ),
);
const NEW_THING = new Set(['a', 'an', 'un', 'une', 'another', 'autre', 'new', 'nouveau', 'nouvel', 'nouvelle']);

/** Whether a piece only names a site, as a new one ("a site", "un nouveau site"), or bare in a message that names nothing but sites and databases to make ("site + bdd"). */
function newSiteAlone(piece: string, text: string): boolean {
  const ws = words(piece);
  if (!ws.some((w) => is(w, 'site')) || !ws.every((w) => is(w, 'site') || AROUND_A_THING.has(w))) return false;
  if (ws.some((w) => NEW_THING.has(w))) return true;
  const others = words(text)
    .flatMap((w) => concepts(w))
    .filter((c) => !['site', 'db', 'create'].includes(c));
  return ws.length === 1 && others.length === 0;
}

/** Words that make a piece of a message a request: a wish or a question anywhere in it. */
const ASKING = new Set(
  'can could would please pls plz want wanna need like let pouvez pourriez peux pourrais veux voudrais voudrai aimerais souhaite souhaiterais faut faudrait faudra besoin merci svp stp demande jveux jvoudrais voudrions aimerions souhaitons souhaiterions'.split(
    ' ',
  ),
);
/** Words of a suspicion ("I feel", "I think", « j'ai l'impression », « je crois »): what follows is told, not asked. */
const SUSPECTING = new Set(['feel', 'think', 'seems', 'impression', 'crois', 'pense', 'semble', 'suspect', 'guess']);
function suspects(piece: string): boolean {
  const { ts } = readTokens(piece);
  return (
    ts.some((t) => SUSPECTING.has(t)) &&
    !ts.some((t, i) => ASKING.has(t) && !(t === 'like' && SEEMING.has(ts[i - 1] ?? ''))) &&
    !startsWithOrder(piece)
  );
}

/** Verbs before "like" that tell how a thing seems rather than ask for one. */
const SEEMING = new Set(['feel', 'feels', 'look', 'looks', 'seem', 'seems', 'sound', 'sounds', 'smell', 'smells']);
/** Starts of verbs that make a piece a request when it begins with them (an order: "créez le site", "drop test_old"). */
const ORDERS = [
  'creat',
  'cree',
  'make',
  'add',
  'ajout',
  'mett',
  'mets',
  'install',
  'activ',
  'enable',
  'set',
  'put',
  'fix',
  'repar',
  'corrig',
  'check',
  'verif',
  'regard',
  'renew',
  'renouvel',
  'secur',
  'open',
  'ouvr',
  'host',
  'heberg',
  'give',
  'get',
  // « me donner un nouveau mot de passe », « envoyez-moi les accès », "send me a new password".
  'donn',
  'envoi',
  'envoy',
  'send',
];

/** Whether a piece asks to make a thing in so many words ("create", « créez », "set up", "a new…"). */
function asksToMake(piece: string): boolean {
  return words(piece).some((w) => MAKING.some((m) => w.startsWith(m)));
}
const MAKING = ['cree', 'creat', 'prepar', 'setup', 'monte', 'nouveau', 'nouvel', 'new'];

/** Whether a piece reports a password lost or forgotten (« j'ai perdu le mot de passe FTP », "forgot my pw"): a new one asked. */
function lostPassword(piece: string): boolean {
  const ws = words(piece);
  return ws.some((w) => is(w, 'password')) && ws.some((w) => LOSING.some((l) => w.startsWith(l)));
}
const LOSING = ['perdu', 'oubli', 'forgot', 'lost', 'egare'];

/** Whether a piece of a message begins with an order of its own ("renew...", "mettez le https"). */
function startsWithOrder(piece: string): boolean {
  return readTokens(piece)
    .ts.slice(0, 2)
    .some((t) => ORDERS.some((o) => t.startsWith(o)));
}

/** Whether a piece of a message asks for something: a wish, an order, a removal asked, a name, or a symptom reported with a name. */
function asks(piece: string): boolean {
  const { ts, hosts } = readTokens(piece);
  // "Thanks for fixing the DNS last week", « merci d'avoir corrigé »: a thing done, thanked (« merci de corriger » asks).
  if (
    ['thanks', 'thank', 'thx'].includes(ts[0]) ||
    (ts[0] === 'merci' && ['pour', 'd', 'davoir'].includes(ts[1] ?? ''))
  )
    return false;
  if (hosts.length || removal(piece).asked) return true;
  // "I feel like it's not pointing right", "looks like": a feeling told, not a wish ("I'd like").
  if (ts.some((t, i) => ASKING.has(t) && !(t === 'like' && SEEMING.has(ts[i - 1] ?? '')))) return true;
  return ts.slice(0, 3).some((t) => ORDERS.some((o) => t.startsWith(o)) || is(t, 'remove'));
}

/** Whether a piece names a host or one of the client's databases. */
export function names(piece: string, own: Own): boolean {
  return named(piece, own) !== '';
}

/** The hosts and the client's databases a piece names, as one key. */
function named(piece: string, own: Own): string {
  const { ts, hosts } = readTokens(piece);
  return [...hosts, ...ts.filter((t) => own.databases.includes(t) || own.sites.includes(t))].join(' ');
}
