import type { Intent, Language, RequestClassifier } from './classifier.js';
import { removes, type Topic } from './intents.js';
import { closesAccess, environmentAsked, fileAccess, pastedBrowserError, refusesThing } from './access-reading.js';
import { anchored, operationKinds } from './anchors.js';
import { is, topicOf } from './lexicon.js';
import { allowed, asksRepair, clauses, type Own } from './reading.js';
import { engineNamed, unquoted } from './names.js';
import { clauseOperations, names, protects, takenBack } from './pieces.js';
import { readTokens, removal } from './removal.js';
import { lastMind, replyOf, spokenDots, withoutAddressee, withoutFields, withoutIntroduction } from './reply.js';
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

/** Operations that repair a site's reachability or padlock: a symptom beside one of them is its reason. */
const REPAIRS = ['dns.fix', 'certificate.issue', 'certificate.renew'];

/** How many different sites or hosts the words name. */
function sitesNamed(text: string, own: Own): number {
  const { ts, hosts } = readTokens(text);
  return new Set([...hosts, ...ts.filter((t) => own.sites.includes(t))]).size;
}

/** Two readings of one thing where the whole message saw more ("filezilla" alone reads an account, the message a lost password): never a removal. */
function sameKind(a: Intent, b: Intent): boolean {
  return ['sftp.create', 'sftp.reset'].includes(a) && ['sftp.create', 'sftp.reset'].includes(b);
}

/** Words after "hosting" that make it the provider, not a site: "the worst hosting company". */
const COMPANY = new Set(['company', 'provider', 'service', 'firm', 'compagnie', 'entreprise', 'societe']);

/** Words that say a request is not the first: "still", « toujours », "third time". */
const AGAIN = new Set([
  'still',
  'toujours',
  'again',
  'encore',
  'third',
  'troisieme',
  'fois',
  'times',
  'repeat',
  'deja',
]);

/** Below this, the client is asked which operation they meant rather than served a guess. */
export const SURE = 0.45;

/**
 * Reads a request: the model gives the operation (or `human`) and the language, the rules
 * of ./reading.ts keep it from the opposite (a removal only when asked, never a create for
 * a removal) and find a second request in the same message; the inputs come from the text
 * and the client's own things (./slots.ts). Never runs anything.
 */
export function understand(
  classifier: RequestClassifier,
  message: string,
  things: ClientThings,
  o: { language: Language; intent?: Intent; site?: string },
): Understanding {
  // "A new site… actually no, just the certificate": what is asked is what follows the change of mind.
  const text = spokenDots(lastMind(withoutIntroduction(withoutAddressee(withoutFields(message)))));
  const c = classifier.classify(unquoted(text));
  const language: Language = c.languageConfidence >= 0.75 ? c.language : o.language;
  // The model reads the whole message (a quote says what "the same" is); names, pieces and topic come from the reply.
  const said = replyOf(text);
  const ws = words(said);
  const frustrated = classifier.frustrated(text);
  const own = ownWords(classifier, things);
  const whole = o.intent ? { intent: o.intent, confidence: 1 } : notNegated(classifier, text, own, c.ranked);
  const read = o.intent ? [] : clauseOperations(classifier, said, own);
  // "Drop clients, we will not need a new database": beside another request, a make its own piece refuses is none.
  const pieces =
    read.length >= 2
      ? read.filter((p) => !(own.kinds.made(p.intent) && refusesThing(p.piece, own.kinds.made(p.intent) === 'site')))
      : read;
  const ops = pieces.map((p) => p.intent);
  let intents: Intent[];
  if (o.intent) intents = [o.intent];
  else if (ops.length >= 2) intents = ops;
  else if (
    whole.intent !== 'human' &&
    whole.confidence >= SURE &&
    !(
      ops.length === 1 &&
      ops[0] !== whole.intent &&
      !sameKind(ops[0], whole.intent) &&
      whole.confidence < 0.6 &&
      // "A checker says the DNS has errors. Please repair it": the repair the whole asks, the symptom its reason.
      !(ops[0] === 'diagnose' && REPAIRS.includes(whole.intent) && asksRepair(words(text)))
    ) &&
    // "certbot keeps failing on boutique.fr, can you just renew the cert?": the repair asked, the failure its reason.
    !(whole.intent === 'diagnose' && ops.length === 1 && REPAIRS.includes(ops[0]) && asksRepair(words(text))) &&
    // "ok", "non merci": no word of the operation's kind, no question about it; a certificate always needs its word ("switch to php 8.3").
    (anchored(whole.intent, text, own) || (whole.confidence >= 0.8 && !whole.intent.startsWith('certificate.')))
  )
    intents = [whole.intent];
  else if (ops.length === 1) intents = ops;
  else intents = [];
  // "A complete WordPress site with its database": the environment makes its own site and database, asked once.
  if (intents.includes(ENVIRONMENT)) intents = intents.filter((i) => !ENVIRONMENT_MAKES.includes(i));
  // "A WordPress site on news.exemple.fr", "un site et une base pour mon appli": the environment, asked once.
  else if (!o.intent)
    intents = environmentAsked(intents, text, words(text), own, (i) => classifier.corpus.operations.has(i));
  // "He still has FTP on boutique.fr, remove his access": file access closed is never opened nor renewed.
  if (fileAccess(ws) && closesAccess(said, own, ws))
    intents = intents.filter((i) => i !== 'sftp.create' && i !== 'sftp.reset');
  // "Des pubs de casino sur boutique.fr, on a été piratés": a break-in is for a person, not a check of what it shows.
  if (
    intents.length &&
    intents.every((i) => i === 'diagnose') &&
    ws.some((w) => is(w, 'hacked')) &&
    !pastedBrowserError(text)
  )
    intents = [];
  // "My site is down, can you fix the DNS?": the symptom is the reason of the repair asked on the same site, not a second request.
  if (intents.includes('diagnose') && intents.some((i) => REPAIRS.includes(i)) && sitesNamed(text, own) <= 1)
    intents = intents.filter((i) => i !== 'diagnose');
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
    if (
      whole.intent === 'human' ||
      frustrated ||
      whole.confidence >= SURE ||
      ws.some((w) => is(w, 'anger')) ||
      // "Could you put me in touch with a technician?": a person, a bill or mail named, with no operation.
      ['human', 'billing', 'mail', 'hacked', 'password', 'storage', 'backup'].includes(topicOf(ws, frustrated))
    )
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
  // Frustration with no clear operation is for a person first; "the shop is STILL down" is a check of the shop (the route alerts a person too).
  const checkNamed = whole.intent === 'diagnose' && whole.confidence >= SURE && sitesNamed(said, own) === 1;
  if (!o.intent && frustrated && whole.confidence < 0.6 && ops.length === 0 && !checkNamed) return handoff();
  // "The worst hosting company ever, nobody answers, nothing works": anger at the service, no site of theirs named, is for a person.
  if (
    !o.intent &&
    frustrated &&
    ws.some((w) => is(w, 'anger')) &&
    intents.every((i) => i === 'diagnose') &&
    sitesNamed(said, own) === 0 &&
    !ws.some((w, i) => is(w, 'site') && !COMPANY.has(ws[i + 1] ?? '') && !w.startsWith('hebergeur'))
  )
    return handoff();
  const slots = new Slots(classifier.corpus, said, things, language, o.site);
  // The k-th operation read from the k-th piece when the pieces gave them; else from the first piece that asks it.
  const pieceOf = (i: Intent, k: number) =>
    intents === ops ? pieces[k]?.piece : pieces.find((p) => p.intent === i)?.piece;
  const resolved = intents.map((i, k) => ({
    intent: i,
    r: ((whole) =>
      // One operation on a list of sites ("un certificat pour boutique.fr et blog.exemple.fr") reads them all.
      (intents.length === 1 && classifier.corpus.operations.get(i)?.request.input === 'domains'
        ? undefined
        : ownPiece(classifier, things, language, o.site, clauses(said).length, pieceOf(i, k), i, own)) ?? whole)(
      fromQuote(slots.resolve(i), () =>
        // A removal's thing is never taken from words the client took back ("delete boutique_wp… no, I meant the site"): asked.
        text !== message && own.kinds.removes(i)
          ? slots.resolve(i)
          : new Slots(classifier.corpus, message, things, language, o.site).resolve(i),
      ),
    ),
  }));
  const answer = combine(base, resolved, () => handoff());
  // A client who is losing patience is not asked which operation they meant, nor anything once they say it is not
  // the first time: a person takes it, with the words. Otherwise which site is one click away, and the route alerts
  // a person all the same (the answer says frustrated).
  if (
    !o.intent &&
    frustrated &&
    answer.status === 'question' &&
    (answer.question?.field === 'intent' || ws.some((w) => AGAIN.has(w)))
  )
    return { ...handoff(), intents: answer.intents };
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
  // "I was going to delete the blog, but I'll keep it": a removal taken back is read as a negated one.
  const taken = own.kinds.removes(whole.intent) ? takenBack(pieces, own) : new Set<number>();
  if (!r.negated && !taken.size && !(whole.intent === 'human' && pieces.some(guarded))) return whole;
  const rest = pieces.filter((p, k) => !guarded(p) && !taken.has(k)).join('. ');
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
  // "2) create a new MySQL database called crm_new" after "drop clients on postgres": the engine its own piece names.
  if (!piece || count < 2 || !(names(piece, own) || engineNamed(words(piece)))) return undefined;
  const r = new Slots(classifier.corpus, piece, things, language, site).resolve(intent);
  // "Since I already have exemple.fr… create recipes.exemple.fr": a new site is never the domain it goes under.
  if (
    r.status === 'proposal' &&
    own.kinds.made(intent) === 'site' &&
    things.domains.includes(String(r.proposal.inputs.domain))
  )
    return undefined;
  // "…and check why the blog throws 502s": the check of the site its own piece names.
  return r.status === 'proposal' || (r.status === 'diagnosis' && intent === 'diagnose') ? r : undefined;
}

/** "Yes, renew it" under a quoted notice, "delete the blog… no wait, just put https on it": the words kept name nothing, the rest of the message says which. */
function fromQuote(reply: Resolved, whole: () => Resolved): Resolved {
  if (reply.status !== 'question') return reply;
  const w = whole();
  return w.status === 'proposal' || w.status === 'diagnosis' ? w : reply;
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
