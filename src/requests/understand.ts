import type { Intent, Language, RequestClassifier } from './classifier.js';
import { removes, type Topic } from './intents.js';
import { anchored, operationKinds } from './anchors.js';
import { is, NEGATORS_BEFORE, topicOf } from './lexicon.js';
import { allowed, clauses, type Own } from './reading.js';
import { unquoted } from './names.js';
import { readTokens, removal } from './removal.js';
import { Slots, type Choice, type ClientThings, type Proposal, type Resolved } from './slots.js';
import { words } from './text.js';
import { handoffSentence, intentLabel, questionSentence } from './words.js';

export { type Choice, type ClientThings, type Proposal } from './slots.js';
export { closest } from './site-names.js';

/** What serein understood of a request: proposals, one question, a site to diagnose, or a handover to a person. */
export interface Understanding {
  status: 'proposal' | 'question' | 'handoff' | 'diagnosis';
  /** The first operation understood (null: asked which one). */
  intent: Intent | null;
  /** Every operation understood, in the order the client wrote them. */
  intents: Intent[];
  confidence: number;
  language: Language;
  sentence: string;
  frustrated: boolean;
  /** The first proposal; `proposals` has them all when the client asked for more than one thing. */
  proposal?: Proposal;
  proposals?: Proposal[];
  question?: { field: string; choices: Choice[] };
  /** The site whose checks the route runs (status `diagnosis`). */
  diagnose?: { site: string };
  /** What a handed-over request is about, named in the answer and the handover. */
  topic?: Topic;
}

/** The operation that makes a site with its database and file access, and what it makes, so asking both is asking it once. */
const ENVIRONMENT = 'site.environment';
const ENVIRONMENT_MAKES = ['vhost.create', 'database.create'];

/** Below this, the client is asked which operation they meant rather than served a guess. */
export const SURE = 0.45;
/** A piece of a message adds an operation of its own from this confidence, when its words name the kind of thing. */
const CLAUSE_SURE = 0.55;

/**
 * Reads a request: the model gives the operation (or `human`) and the language, the rules
 * of ./reading.ts keep it from the opposite (a removal only when asked, never a create for
 * a removal) and find a second request in the same message; the inputs come from the text
 * and the client's own things (./slots.ts). Never runs anything.
 */
export function understand(
  classifier: RequestClassifier,
  text: string,
  things: ClientThings,
  o: { language: Language; intent?: Intent; site?: string },
): Understanding {
  const c = classifier.classify(unquoted(text));
  const language: Language = c.languageConfidence >= 0.75 ? c.language : o.language;
  const ws = words(text);
  const frustrated = classifier.frustrated(text);
  const own = ownWords(classifier, things);
  const whole = o.intent ? { intent: o.intent, confidence: 1 } : notNegated(classifier, text, own, c.ranked);
  const pieces = o.intent ? [] : clauseOperations(classifier, text, own);
  const ops = pieces.map((p) => p.intent);
  let intents: Intent[];
  if (o.intent) intents = [o.intent];
  else if (ops.length >= 2) intents = ops;
  else if (
    whole.intent !== 'human' &&
    whole.confidence >= SURE &&
    !(ops.length === 1 && ops[0] !== whole.intent && whole.confidence < 0.6) &&
    // "ok", "non merci": no word of the operation's kind, no question about it.
    (anchored(whole.intent, text, own) || whole.confidence >= 0.8)
  )
    intents = [whole.intent];
  else if (ops.length === 1) intents = ops;
  else intents = [];
  // "A complete WordPress site with its database": the environment makes its own site and database, asked once.
  if (intents.includes(ENVIRONMENT)) intents = intents.filter((i) => !ENVIRONMENT_MAKES.includes(i));
  const confidence = round(
    o.intent
      ? 1
      : intents.length
        ? Math.max(whole.confidence, ...intents.map((i) => c.ranked.find((r) => r.intent === i)?.confidence ?? 0))
        : whole.confidence,
  );
  const base = { confidence, language, frustrated };
  const handoff = (): Understanding => ({
    ...base,
    status: 'handoff',
    intent: 'human',
    intents: ['human'],
    sentence: handoffSentence(language, topicOf(ws, frustrated)),
    topic: topicOf(ws, frustrated),
  });
  if (!intents.length) {
    // Anger with no operation ("you are useless") is for a person, not a question.
    if (whole.intent === 'human' || frustrated || whole.confidence >= SURE || ws.some((w) => is(w, 'anger')))
      return handoff();
    const options = c.ranked
      .map((r) => r.intent)
      // Only what this daemon can do, and never a removal the words did not ask for.
      .filter(
        (i) => (i === 'diagnose' || classifier.corpus.operations.has(i)) && !removes(classifier.corpus.operations, i),
      )
      .slice(0, 2);
    const choices = options.map((i) => ({ label: intentLabel(classifier.corpus.operations, i, language), intent: i }));
    return {
      ...base,
      intent: null,
      intents: [],
      status: 'question',
      sentence: questionSentence(
        'intent',
        choices.map((x) => x.label),
        language,
      ),
      question: { field: 'intent', choices },
    };
  }
  // Frustration with no clear operation is for a person first.
  if (!o.intent && frustrated && whole.confidence < 0.6 && ops.length === 0) return handoff();
  const slots = new Slots(classifier.corpus, text, things, language, o.site);
  // The k-th operation read from the k-th piece when the pieces gave them; else from the first piece that asks it.
  const pieceOf = (i: Intent, k: number) =>
    intents === ops ? pieces[k]?.piece : pieces.find((p) => p.intent === i)?.piece;
  const resolved = intents.map((i, k) => ({
    intent: i,
    r: ((whole) =>
      // One operation on a list of sites ("un certificat pour boutique.fr et blog.exemple.fr") reads them all.
      (intents.length === 1 && classifier.corpus.operations.get(i)?.request.input === 'domains'
        ? undefined
        : ownPiece(classifier, things, language, o.site, clauses(text).length, pieceOf(i, k), i, own)) ?? whole)(
      slots.resolve(i),
    ),
  }));
  const answer = combine(base, resolved, () => handoff());
  // A client who is losing patience is not asked a question: a person takes it, with the words.
  if (!o.intent && frustrated && answer.status === 'question') return { ...handoff(), intents: answer.intents };
  return answer;
}

/** The words that name the client's things: database names, their sites' labels and the aliases of those ("shop" for boutique.fr). */
function ownWords(classifier: RequestClassifier, things: ClientThings): Own {
  const labels = things.sites.flatMap((s) => s.split('.'));
  const aliases = classifier.corpus.aliases.filter((g) => g.some((a) => labels.includes(a))).flat();
  return {
    databases: (things.databases ?? []).flatMap((d) => [d.name, ...(d.full ? [d.full] : [])]),
    sites: [...new Set([...labels, ...aliases])],
    siteNames: things.sites,
    domains: things.domains,
    kinds: operationKinds(classifier.corpus.operations),
  };
}

/**
 * The intent the words allow; when they protect something ("ne supprimez pas le blog,
 * mettez juste le https"), the rest of the message read without that piece: what it asks
 * is the request, a person when it asks nothing anchored.
 */
function notNegated(
  classifier: RequestClassifier,
  text: string,
  own: Own,
  ranked: { intent: Intent; confidence: number }[],
): { intent: Intent; confidence: number } {
  const whole = allowed(ranked, text, own);
  const r = removal(text, own.databases, own.sites);
  const pieces = clauses(text);
  const guarded = (p: string) => removal(p, own.databases, own.sites).negated || protects(p);
  if (!r.negated && !(whole.intent === 'human' && pieces.some(guarded))) return whole;
  const rest = pieces.filter((p) => !guarded(p)).join('. ');
  if (!rest.trim()) return whole;
  const again = allowed(classifier.classify(rest).ranked, rest, own);
  if (again.intent !== 'human' && again.confidence >= SURE && anchored(again.intent, rest, own)) return again;
  // "Don't remove the shop's certificate, just renew it": the rest is too short to read alone, the whole's reading names it.
  const next = ranked.find(
    (x) =>
      x.intent !== 'human' &&
      x.confidence >= 0.1 &&
      !own.kinds.removes(x.intent) &&
      (!own.kinds.creates(x.intent) || words(rest).some((w) => is(w, 'create'))) &&
      anchored(x.intent, rest, own),
  );
  return next ? { intent: next.intent, confidence: SURE } : { intent: 'human', confidence: whole.confidence };
}

/** Verbs a client protects a thing with: "ne touchez pas à la boutique", "don't touch the shop", "keep the blog", "laissez le blog". */
const PROTECTING = ['touch', 'keep', 'gard', 'conserv', 'laiss', 'leave'];

/** Whether a piece of a message protects a thing rather than asking for something ("ne touchez pas à la boutique", "keep the shop"). */
function protects(piece: string): boolean {
  const ws = words(piece);
  return ws.some(
    (w, i) =>
      PROTECTING.some((p) => w.startsWith(p)) &&
      (w.startsWith('keep') ||
        w.startsWith('gard') ||
        w.startsWith('conserv') ||
        ws.slice(Math.max(0, i - 3), i).some((x) => NEGATORS_BEFORE.has(x)) ||
        ws.slice(i + 1, i + 3).includes('pas')),
  );
}

/** The operations the pieces of a message ask for, in order, each anchored in its own words and allowed by the rules. */
function clauseOperations(classifier: RequestClassifier, text: string, own: Own): { intent: Intent; piece: string }[] {
  const pieces = clauses(text);
  if (pieces.length < 2) return [];
  const out: { intent: Intent; piece: string }[] = [];
  // A removal the whole message negates ("what I don't want, is that you delete the site") is asked by none of its pieces.
  const negatedWhole = removal(text, own.databases, own.sites).negated;
  let removing = false;
  for (const piece of pieces) {
    // "Remove the blog but keep the shop": a thing protected is asked nothing of, and no removal carries over to it.
    if (protects(piece)) {
      removing = false;
      continue;
    }
    const c = classifier.classify(unquoted(piece));
    let a = allowed(c.ranked, piece, own);
    // "Virez le blog et la base test_old": the second thing is removed too, its verb left unsaid.
    const r = removal(piece, own.databases, own.sites);
    // Only a thing named without a verb of its own: "and renew the shop's cert" asks a renewal, not a removal.
    const ownAsk = words(piece).some((w) => ['create', 'renew', 'cert', 'dns'].some((k) => is(w, k)));
    if (removing && !r.asked && !r.negated && !ownAsk && !startsWithOrder(piece)) {
      const kind = removal(`delete ${piece}`, own.databases, own.sites).kind;
      const thenRemoved = (kind === 'site' || kind === 'database') && own.kinds.removalOf(kind);
      if (thenRemoved) a = { intent: thenRemoved, confidence: 0.6 };
    }
    removing = r.asked || (removing && own.kinds.removes(a.intent));
    // A short message's pieces are each a request ("un site et une base"): a thing named is enough at a lower confidence.
    const short = words(text).length <= 15 || (out.length > 0 && words(piece).length <= 8);
    const sure = short && words(piece).length <= 4 ? 0.4 : CLAUSE_SURE;
    if (a.intent === 'human' || a.confidence < sure || !anchored(a.intent, piece, own)) continue;
    if (negatedWhole && own.kinds.removes(a.intent)) continue;
    // A story told before the request ("I deleted old posts, everything I created...") asks
    // nothing; a short message, or a thing added to the request before it, does ("a site and a database").
    if (!short && !asks(piece)) continue;
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

/** Words that make a piece of a message a request: a wish or a question anywhere in it. */
const ASKING = new Set(
  'can could would please pls plz want wanna need like let pouvez pourriez peux pourrais veux voudrais voudrai aimerais souhaite souhaiterais faut besoin merci svp stp demande jveux jvoudrais'.split(
    ' ',
  ),
);
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
];

/** Whether a piece of a message begins with an order of its own ("renew...", "mettez le https"). */
function startsWithOrder(piece: string): boolean {
  return readTokens(piece)
    .ts.slice(0, 2)
    .some((t) => ORDERS.some((o) => t.startsWith(o)));
}

/** Whether a piece of a message asks for something: a wish, an order, a removal asked, a name, or a symptom reported with a name. */
function asks(piece: string): boolean {
  const { ts, hosts } = readTokens(piece);
  if (hosts.length || removal(piece).asked) return true;
  if (ts.some((t) => ASKING.has(t))) return true;
  return ts.slice(0, 3).some((t) => ORDERS.some((o) => t.startsWith(o)) || is(t, 'remove'));
}

/** Whether a piece names a host or one of the client's databases. */
function names(piece: string, own: Own): boolean {
  return named(piece, own) !== '';
}

/** The hosts and the client's databases a piece names, as one key. */
function named(piece: string, own: Own): string {
  const { ts, hosts } = readTokens(piece);
  return [...hosts, ...ts.filter((t) => own.databases.includes(t) || own.sites.includes(t))].join(' ');
}

/**
 * An operation's inputs read from its own piece of the message when that piece names the
 * thing ("renew the cert on boutique.fr and fix the DNS of exemple.fr"): the piece's
 * proposal, else nothing (the whole message is read).
 */
function ownPiece(
  classifier: RequestClassifier,
  things: ClientThings,
  language: Language,
  site: string | undefined,
  count: number,
  piece: string | undefined,
  intent: Intent,
  own: Own,
): Resolved | undefined {
  if (!piece || count < 2 || !names(piece, own)) return undefined;
  const r = new Slots(classifier.corpus, piece, things, language, site).resolve(intent);
  return r.status === 'proposal' ? r : undefined;
}

/** One answer from the operations resolved: a question first, then a diagnosis, then the proposals in order. */
function combine(
  base: Pick<Understanding, 'confidence' | 'language' | 'frustrated'>,
  resolved: { intent: Intent; r: Resolved }[],
  handoff: () => Understanding,
): Understanding {
  const intents = resolved.map((x) => x.intent);
  // A site on a domain not on the account yet: a person adds the domain and runs what was asked (carried as the proposal).
  const account = resolved.find((x) => x.r.status === 'handoff' && x.r.topic);
  if (account && account.r.status === 'handoff') {
    const wanted = account.r.wanted ? { proposal: account.r.wanted } : {};
    return { ...handoff(), intents, sentence: account.r.sentence, topic: account.r.topic, ...wanted };
  }
  const proposals = resolved.flatMap((x) => (x.r.status === 'proposal' ? [x.r.proposal] : []));
  const more = proposals.length > 1 ? { proposals } : {};
  const first = resolved[0];
  const question = resolved.find((x) => x.r.status === 'question');
  if (question && question.r.status === 'question') {
    return {
      ...base,
      status: 'question',
      intent: question.intent,
      intents,
      sentence: question.r.sentence,
      question: question.r.question,
      ...(proposals.length ? { proposals } : {}),
    };
  }
  const diagnosis = resolved.find((x) => x.r.status === 'diagnosis');
  if (diagnosis && diagnosis.r.status === 'diagnosis') {
    return {
      ...base,
      status: 'diagnosis',
      intent: 'diagnose',
      intents,
      sentence: '',
      diagnose: { site: diagnosis.r.site },
      ...(proposals.length ? { proposals } : {}),
    };
  }
  if (!proposals.length) return { ...handoff(), intents };
  return {
    ...base,
    status: 'proposal',
    intent: first.r.status === 'proposal' ? first.intent : intents[0],
    intents,
    sentence: proposals.map((p) => p.sentence).join(' '),
    proposal: proposals[0],
    ...more,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
