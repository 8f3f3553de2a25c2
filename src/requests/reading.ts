import { accessReading, refusesThing } from './access-reading.js';
import { anchored, CODE, type OperationKinds } from './anchors.js';
import type { Intent } from './intents.js';
import { is } from './lexicon.js';
import { noLongerNeeded, readTokens, removal, type Removal } from './removal.js';
import { mistypedSite } from './site-names.js';
import { asksWhatWeOffer, notOpening, personTopic } from './telling.js';
import { fold, tokens, words } from './text.js';

export { clauses } from './clauses.js';

/**
 * The rules read beside the model, for what a model must never get wrong: a removal only
 * when the words ask for it (./removal.ts), never a create for a removal, and where a
 * message holds more than one request.
 */

/** What a request is read against: the client's database names and the words naming their sites (labels and aliases). */
export interface Own {
  databases: string[];
  sites: string[];
  /** The client's sites and domains by their full names: a name written under a domain that is no site yet is a new site. */
  siteNames?: string[];
  domains?: string[];
  /** What the operations are (removals, creates), read from their words. */
  kinds: OperationKinds;
}

/** Whether a host name written is a new one: under one of the client's domains (a "www." aside), not one of their sites. */
function isNewHost(h: string, own: Own): boolean {
  const bare = h.replace(/^www\./, '');
  return !(own.siteNames ?? []).includes(bare) && (own.domains ?? []).some((d) => bare === d || bare.endsWith(`.${d}`));
}

/** Whether the text names one of the client's sites or any host name. */
function anchoredOnSite(text: string, own: Own): boolean {
  const { hosts } = readTokens(text);
  return hosts.length > 0 || words(text).some((w) => own.sites.includes(w));
}

/** Verbs that ask for a thing to be put on a site ("obtain a certificate", "mettre le https"). */
const GETTING = [
  'obtain',
  'obten',
  'install',
  'add',
  'ajout',
  'mettre',
  'mettez',
  'mets',
  'activ',
  'enable',
  'get',
  'put',
  'avoir',
  'want',
  'veux',
  'voudr',
  'need',
  'besoin',
  // « Il faut un certificat SSL sur la boutique », « il faudrait le https », "requires an SSL certificate".
  'faut',
  'faudr',
  'requir',
];

/** Whether a certificate word follows, within three words, a verb asking for it. */
function certAsked(ws: string[]): boolean {
  return ws.some(
    (w, i) =>
      is(w, 'cert') &&
      !is(w, 'down') &&
      ws.slice(Math.max(0, i - 3), i).some((v) => GETTING.some((g) => v.startsWith(g))),
  );
}

/** Words of a symptom a site shows (not "load" or "work", which a request for a thing may say). */
const SYMPTOMS = [
  ...['erreur', 'error', 'panne', 'down', 'crash', 'broken', 'cass', 'plant', 'blank', 'blanc', 'timeout'],
  ...['inaccessible', 'unreachable', 'offline', 'bug', 'lent', 'slow'],
  // « En rade », « en carafe », "Service Unavailable", « indispo », "sluggish".
  ...['rade', 'carafe', 'unavailable', 'indisponible', 'indispo', 'sluggish'],
];

/** Starts of words that ask for a person themselves ("I want to talk to a human", « rappelez-moi »). */
const PERSON = ['human', 'humain', 'parler', 'speak', 'talk', 'rappel', 'manager', 'responsable', 'boss', 'technici'];
/** Topics a person takes whatever the site shows: a break-in, a bill, mail, a password, a backup. */
const OTHER_TOPICS = ['hacked', 'billing', 'mail', 'password', 'backup', 'storage', 'account'];

/** Whether the text is a yes-or-no question about how things are ("is my site secure?", « est-ce que mon site est sécurisé ? »). */
function askedWhether(text: string): boolean {
  if (!text.includes('?')) return false;
  const ts = tokens(fold(text));
  // "Is it possible to get a certificate?", "is there a way to…": a request put as a question.
  if (ts.some((t) => ['possible', 'way', 'moyen', 'can', 'could', 'pouvez', 'peux', 'pourriez'].includes(t)))
    return false;
  const first = ts.findIndex((t) => !['hi', 'hello', 'bonjour', 'salut', 'hey'].includes(t));
  const w = ts[first] ?? '';
  return (
    ['is', 'are', 'est', 'isn', 'aren'].includes(w) ||
    (w === 'est' && ts[first + 1] === 'ce') ||
    ts.includes('est-il') ||
    ts.some((t, i) => t === 'est' && ts[i + 1] === 'il')
  );
}

/** The confidence a rule gives the operation it reads from the words when the model ranked it lower. */
const SURE_ENOUGH = 0.45;

/** Words that say a thing is new. */
const NEW_WORDS = new Set(['new', 'nouveau', 'nouvel', 'nouvelle']);
/** Starts of verbs that make a thing, beside the lexicon's `create` ("créez-moi", "set up", "prépar"). */
const CREATING = ['cree', 'creat', 'prepar', 'set', 'monte', 'mont'];
/** Starts of verbs that ask for a repair ("fix", "sort out", « réparez », « corrigez », « arrangez »). */
const FIXING = [
  ...['fix', 'repair', 'repar', 'corrig', 'correct', 'sort', 'regl', 'arrang', 'resol', 'solve', 'configur'],
  // "Il manque un CNAME, pouvez-vous l'ajouter ?": a record added is a repair of the DNS.
  ...['ajout', 'add'],
];
/** Starts of verbs that ask for a look, not a repair ("check", « vérifiez », "have a look"). */
/** A tool that checked, not a look asked: "an online checker says…". */
const TOOLS = new Set(['checker', 'checkers', 'tester', 'testers', 'validator']);
const CHECKING = ['check', 'verif', 'regard', 'look', 'test', 'control', 'diagnos', 'inspect', 'examin'];

/** Whether the words ask for a repair or a renewal in so many words ("fix", « corrigez », "renew"), not only a look. */
export function asksRepair(ws: string[]): boolean {
  return (
    ws.some((w) => RENEW.some((r) => w.startsWith(r)) || FIXING.some((f) => w.startsWith(f))) ||
    certAsked(ws) ||
    // "Please set up a certificate", « créez le certificat ».
    ws.some(
      (w, i) => is(w, 'cert') && ws.slice(Math.max(0, i - 3), i).some((v) => CREATING.some((c) => v.startsWith(c))),
    )
  );
}

/** Words that say a thing the site had is gone: its certificate is to be checked, not asked for. */
const LOST = ['gone', 'disappear', 'disparu', 'missing', 'manqu', 'lost', 'perdu', 'vanish'];

/** Starts of the verbs that ask for a renewal: a certificate asked for with one of them is renewed, not issued. */
// "Renovate the certificate" (Spanish « renovar », Italian « rinnovare »): a non-native writer's renewal.
const RENEW = ['renouvel', 'renew', 'prolong', 'reconduire', 'reconduis', 'renova'];

/**
 * The intent the words allow, from the model's ranking: a removal is proposed only when
 * asked (or the thing is said to be no longer needed and the model reads a removal too),
 * and then of the thing named after its verb whatever the model read ("kill the blog"); a
 * create is never proposed where a removal is asked; a removal of a certificate, a warning
 * or a mailbox is no removal of a site; a negated removal asks nothing of serein.
 */
export function allowed(
  ranked: { intent: Intent; confidence: number }[],
  text: string,
  own: Own,
): { intent: Intent; confidence: number } {
  const ws = words(text);
  return accessReading(allowedByRules(ranked, text, own, ws), ranked, text, own, ws, () => certAsked(ws));
}

function allowedByRules(
  ranked: { intent: Intent; confidence: number }[],
  text: string,
  own: Own,
  ws: string[],
): { intent: Intent; confidence: number } {
  let chosen = allowedIntent(ranked, text, own);
  // The model unsure, a site named that won't open ("boutique.fr won't open on my laptop"): a check.
  if (chosen.confidence < 0.45 && notOpening(ws).size && anchoredOnSite(text, own) && !removal(text).asked)
    return { intent: 'diagnose', confidence: SURE_ENOUGH };
  // The model unsure, the words name one thing it ranks near the top ("https boutique.fr"): that one.
  if (chosen.confidence < 0.45) {
    const near = ranked
      .slice(0, 3)
      .find(
        (x) =>
          ['certificate.issue', 'certificate.renew', 'dns.fix', 'diagnose'].includes(x.intent) &&
          x.confidence >= 0.15 &&
          anchored(x.intent, text, own) &&
          anchoredOnSite(text, own),
      );
    if (near && !removal(text, own.databases, own.sites).asked) chosen = { intent: near.intent, confidence: 0.45 };
    // "Créez-moi la base inventaire": a create verb and a database word, the model unsure between them.
    const db = ranked.slice(0, 3).find((x) => x.intent === 'database.create' && x.confidence >= 0.2);
    if (
      !near &&
      db &&
      ws.some((w) => is(w, 'db')) &&
      ws.some((w) => is(w, 'create') || CREATING.some((c) => w.startsWith(c))) &&
      !removal(text, own.databases, own.sites).asked
    )
      chosen = { intent: 'database.create', confidence: 0.45 };
  }
  // "My wordpress site shows a database connection error", "boutique.fr won't open": a symptom reported, nothing to make.
  const shut = notOpening(ws);
  if (
    own.kinds.creates(chosen.intent) &&
    (shut.size > 0 || ws.some((w) => SYMPTOMS.some((s) => w.startsWith(s)) || CODE.test(w))) &&
    !ws.some((w, i) => !shut.has(i) && (is(w, 'create') || CREATING.some((c) => w.startsWith(c)))) &&
    !readTokens(text).hosts.some((h) => isNewHost(h, own)) &&
    ranked.some((x) => x.intent === 'diagnose')
  )
    return { intent: 'diagnose', confidence: Math.max(chosen.confidence, 0.5) };
  // "Ma boutique a disparu !!!", "boutique.fr affiche une erreur", "won't load on phones": a symptom of a site named
  // is a check, a person only when asked for.
  if (
    chosen.intent === 'human' &&
    (shut.size > 0 ||
      ws.some((w) => [...SYMPTOMS, 'disparu', 'vanish', 'rade'].some((s) => w.startsWith(s)) || CODE.test(w))) &&
    anchoredOnSite(text, own) &&
    !ws.some((w) => PERSON.some((p) => w.startsWith(p)) || OTHER_TOPICS.some((t) => is(w, t))) &&
    (ranked.find((x) => x.intent === 'diagnose')?.confidence ?? 0) >= 0.1
  )
    return { intent: 'diagnose', confidence: Math.max(chosen.confidence, 0.5) };
  // "Out of space on the hosting, can we bump the quota?": the storage is a person's topic, nothing is made.
  if (
    own.kinds.creates(chosen.intent) &&
    ws.some((w) => is(w, 'storage')) &&
    !readTokens(text).hosts.length &&
    !ws.some((w) => is(w, 'create') || NEW_WORDS.has(w) || CREATING.some((c) => w.startsWith(c)))
  )
    return { intent: 'human', confidence: chosen.confidence };
  // "Fix the DNS of boutique.fr, visitors cannot find it": a repair of the DNS asked, not a check ("an online
  // checker says…" is the tool that found it).
  if (
    chosen.intent === 'diagnose' &&
    ws.some((w) => is(w, 'dns')) &&
    ws.some((w) => FIXING.some((f) => w.startsWith(f))) &&
    !ws.some((w) => CHECKING.some((c) => w.startsWith(c)) && !TOOLS.has(w)) &&
    ranked.some((x) => x.intent === 'dns.fix')
  )
    return { intent: 'dns.fix', confidence: Math.max(chosen.confidence, 0.5) };
  // "Can you check the DNS of the blog?", « vérifiez-moi le DNS »: a look asked, not a repair: the doctor runs first.
  if (
    chosen.intent === 'dns.fix' &&
    ws.some((w) => CHECKING.some((c) => w.startsWith(c)) && !TOOLS.has(w)) &&
    !ws.some((w) => FIXING.some((f) => w.startsWith(f))) &&
    ranked.some((x) => x.intent === 'diagnose')
  )
    return { intent: 'diagnose', confidence: Math.max(chosen.confidence, 0.5) };
  // "Create the site shop.exemple.fr. No db needed for now": the database refused is not the thing asked.
  if (own.kinds.made(chosen.intent) === 'database' && refusesThing(text)) {
    const next = ranked.find(
      (x) =>
        x.intent !== chosen.intent &&
        x.intent !== 'human' &&
        !own.kinds.removes(x.intent) &&
        anchored(x.intent, text, own),
    );
    if (next) return { intent: next.intent, confidence: Math.max(next.confidence, SURE_ENOUGH) };
  }
  // "Renouvelez le ssl", "update the certificate", "mettre à jour le certificat": a renewal, not a first certificate nor DNS.
  const renewing =
    ws.some((w) => RENEW.some((r) => w.startsWith(r))) ||
    (ws.some((w) => is(w, 'cert')) && ws.some((w, i) => w === 'update' || (w === 'jour' && ws[i - 1] === 'a')));
  if (
    renewing &&
    (chosen.intent === 'certificate.issue' || (chosen.intent === 'dns.fix' && !ws.some((w) => is(w, 'dns'))))
  )
    return { intent: 'certificate.renew', confidence: chosen.confidence };
  // "Is my site secure?", « mon site est-il sécurisé ? »: a question about the padlock is a check, not a request for one.
  if (chosen.intent === 'certificate.issue' && askedWhether(text) && !certAsked(ws) && !renewing)
    return { intent: 'diagnose', confidence: Math.max(chosen.confidence, 0.5) };
  // "Issue ssl for blog", "installer un certificat": nothing says renew (nor that one expires), so a first certificate.
  if (chosen.intent === 'certificate.renew' && !renewing && !ws.some((w) => is(w, 'renew'))) {
    const issue = ranked.find((x) => x.intent === 'certificate.issue');
    if (issue) return { intent: 'certificate.issue', confidence: chosen.confidence };
  }
  // "The padlock is gone", "le cadenas a disparu": something happened to the certificate, the site is checked.
  if (
    chosen.intent.startsWith('certificate.') &&
    ws.some((w) => LOST.some((l) => w.startsWith(l))) &&
    !certAsked(ws) &&
    !renewing &&
    ranked.some((x) => x.intent === 'diagnose')
  )
    return { intent: 'diagnose', confidence: Math.max(chosen.confidence, 0.5) };
  return chosen;
}

function allowedIntent(
  ranked: { intent: Intent; confidence: number }[],
  text: string,
  own: Own,
): { intent: Intent; confidence: number } {
  const r = removal(text, own.databases, own.sites);
  const ws = words(text);
  const first = ranked[0];
  // "502 on my shop", "erreur 500": an error code reported is a site to check, whatever else the model doubted.
  const top =
    first.confidence < 0.45 && !r.asked && ws.some((w) => CODE.test(w))
      ? { intent: 'diagnose', confidence: 0.6 }
      : // "My mail stopped working" names no site: a person, with the topic, not a site to check.
        first.intent === 'diagnose' && ws.some((w) => is(w, 'mail')) && !anchoredOnSite(text, own)
        ? { intent: 'human', confidence: first.confidence }
        : first;
  const deleteOf = (kind: Removal['kind'], fallback: Intent): Intent =>
    ((kind === 'database' || kind === 'site') && own.kinds.removalOf(kind)) || fallback;
  // "Do you also host Minecraft servers?": what we offer, asked of a person, when no name of the client's is given.
  const { hosts } = readTokens(text);
  if (own.kinds.creates(top.intent) && !hosts.length && asksWhatWeOffer(ws) && !ws.some((w) => own.sites.includes(w)))
    return { intent: 'human', confidence: top.confidence };
  // "Create shop.exemple.fr", "I just need another website: wiki.exemple.fr": a new name under the client's domain, asked for.
  if (
    !r.asked &&
    hosts.length &&
    hosts.every((h) => isNewHost(h, own)) &&
    // "An FTP login on blg.exemple.fr", "blg.exemple.fr needs it": a site of the client's mistyped is no new one
    // unless made in so many words ("create blog2.exemple.fr" is a longer name, never mistyped).
    (hosts.some((h) => mistypedSite(h, own.siteNames ?? []))
      ? ws.some((w) => CREATING.some((c) => w.startsWith(c)) || NEW_WORDS.has(w))
      : ws.some((w) => is(w, 'create')) || ranked.slice(0, 2).some((x) => x.intent === 'vhost.create')) &&
    // "Transfer exemple.fr to our new agency's account": a domain itself with the account's words is the account's
    // business, unless a site is made in so many words.
    !(
      personTopic(ws) &&
      hosts.every((h) => (own.domains ?? []).includes(h.replace(/^www\./, ''))) &&
      !ws.some((w) => CREATING.some((c) => w.startsWith(c)))
    ) &&
    !['cert', 'db', 'dns'].some((c) => ws.some((w) => is(w, c)))
  )
    return { intent: 'vhost.create', confidence: Math.max(top.confidence, 0.6) };
  // "Possible to obtain a secure certificate... customers see a warning": a certificate asked for, the warning its reason.
  if (top.intent === 'diagnose' && !r.asked && certAsked(ws)) {
    const cert = ranked.find((x) => x.intent === 'certificate.issue');
    if (cert) return { intent: 'certificate.issue', confidence: Math.max(cert.confidence, top.confidence) };
  }
  if (r.asked) {
    // The verb and its object say it: "kill the blog", "wipe boutique_wp", whatever the model read.
    if (r.kind === 'site' || r.kind === 'database')
      return { intent: deleteOf(r.kind, 'human'), confidence: Math.max(top.confidence, 0.6) };
    // Another thing removed (a mailbox): a removal of its own kind (a provider's) is that; a site's or a database's is not.
    const ofSiteOrDb = [own.kinds.removalOf('site'), own.kinds.removalOf('database')].includes(top.intent);
    if (r.kind === 'other' && own.kinds.removes(top.intent) && !ofSiteOrDb) return top;
    if (r.kind && (own.kinds.removes(top.intent) || own.kinds.creates(top.intent)))
      return { intent: 'human', confidence: top.confidence };
    if (own.kinds.removes(top.intent)) return top;
    if (own.kinds.creates(top.intent))
      return {
        intent: deleteOf(own.kinds.made(top.intent), 'human'),
        confidence: top.confidence,
      };
    return top;
  }
  if (own.kinds.removes(top.intent)) {
    if (noLongerNeeded(ws) && !r.negated) return { intent: deleteOf(r.kind, top.intent), confidence: top.confidence };
    if (r.negated || r.past) return { intent: 'human', confidence: top.confidence };
    const next = ranked.find((x) => !own.kinds.removes(x.intent) && !own.kinds.creates(x.intent));
    return next ?? { intent: 'human', confidence: 0 };
  }
  // "Mon site a été supprimé": something happened to it, a person looks at it.
  if (r.past && top.intent !== 'dns.fix') return { intent: 'human', confidence: top.confidence };
  if (r.negated && own.kinds.creates(top.intent) && !ws.some((w) => is(w, 'create')))
    return { intent: 'human', confidence: top.confidence };
  return top;
}
