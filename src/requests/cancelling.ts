import { is } from './lexicon.js';

/**
 * The verbs that remove only a site or a database named right after them, read beside
 * ./removal.ts's own verbs: "cancel" (Italian « cancellare », Spanish « cancelar »), « éliminer »
 * and "decommission". A review found each removing what was no thing of the client's: "cancel
 * the site X order", "cancel the database migration", « éliminer les erreurs 500 », "decommission
 * the old server, move X to the new one". A removal nobody asked is the worst mistake, so these
 * verbs remove only "cancel [the] site|database <name>" (or the host name right after) with
 * nothing after it making it an event, and never errors or a server.
 */

/** Starts of the verbs read here: a removal only when {@link removesNamedThing} says so. */
const NAMED_ONLY = ['cancel', 'annul', 'elimin', 'decommission'];
/** Words between the verb and its thing: an article or a possessive. */
const DETERMINERS = new Set(
  'the its their my our your this that le la les l sa son ses ma mon mes notre nos votre vos'.split(' '),
);
/** Starts of words that make the thing cancelled an event of a site or a database, not the thing itself. */
const EVENTS = [
  ...['order', 'command', 'upgrad', 'transfer', 'transfert', 'migrat', 'backup', 'sauvegard', 'job', 'task', 'tache'],
  ...['maintenan', 'request', 'demand', 'renew', 'renouvel', 'import', 'export', 'restor', 'restaur', 'updat'],
  ...['mise', 'subscri', 'abonnement', 'appointment', 'install', 'move', 'demenag', 'copy', 'copie', 'clon'],
  ...['billing', 'account', 'invoice', 'factur', 'plan', 'schedul', 'planif', 'prevu'],
];
/** Starts of words for what goes wrong: never a thing removed ("eliminate the 500 errors"). */
const TROUBLES = ['error', 'erreur', 'bug', 'problem', 'probleme', 'souci', 'spam', 'virus', 'malware', 'warning'];
/** Starts of words for a server: decommissioning one is the client's move, not a removal of their site. */
const SERVERS = ['server', 'serveur', 'vps', 'machine', 'box', 'dedi', 'hardware', 'materiel'];

/** Whether the word at `i` is one of the verbs read here. */
export function namedOnlyVerb(w: string): boolean {
  return NAMED_ONLY.some((c) => w.startsWith(c));
}

/** Whether the verb at `i` takes a site or a database (after an article at most), with no event, trouble or server near. */
export function removesNamedThing(ts: string[], i: number, host: string): boolean {
  const next = DETERMINERS.has(ts[i + 1] ?? '') ? i + 2 : i + 1;
  const w = ts[next] ?? '';
  const rest = ts.slice(i + 1, i + 8);
  const startsAny = (x: string, starts: string[]) => starts.some((s) => x.startsWith(s));
  if (rest.some((x) => startsAny(x, TROUBLES) || startsAny(x, SERVERS))) return false;
  if (!(is(w, 'db') || w === host || is(w, 'site'))) return false;
  return !rest.some((x) => startsAny(x, EVENTS));
}

/** Starts of verbs that call a request off ("cancel my request", « annulez ma demande », "withdraw the ticket"). */
const CALL_OFF = ['cancel', 'annul', 'withdraw', 'retract', 'forget', 'oubli', 'abandon', 'revok', 'revoq'];
/** Starts of words for a request made earlier. */
const REQUESTS = ['request', 'demand', 'ticket', 'order', 'command', 'instruction', 'consigne'];

/**
 * Whether the removal at `i` is what a request called off asked ("cancel my request to delete test_old",
 * « annulez ma demande de suppression de test_old »): a removal cancelled is none. Only within its piece (`from`).
 */
export function requestCalledOff(ts: string[], i: number, from: number): boolean {
  const near = ts.slice(Math.max(from, i - 5), i);
  const r = near.findIndex((w) => REQUESTS.some((s) => w.startsWith(s)));
  if (r < 0) return false;
  return near.slice(Math.max(0, r - 3), r).some((w) => CALL_OFF.some((c) => w.startsWith(c)));
}

/** Starts of words for a password: removing "the old one" after one is named is replacing it, not removing a site. */
const SECRETS = ['password', 'passwd', 'pwd', 'mdp', 'passe', 'passphrase'];
/** Words a removal's object may be that stand for the thing named before ("the old one", « l'ancien »). */
const STAND_INS = new Set(['one', 'it', 'ancien', 'ancienne', 'vieux', 'vieille', 'old', 'password', 'passwd', 'mdp']);

/** Whether the removal at `i` takes a password, named or stood for ("forgot my FTP password, remove the old one"): a reset, never a removal. */
export function passwordRemoved(ts: string[], i: number): boolean {
  const object = ts.slice(i + 1, i + 4);
  if (!object.some((w) => STAND_INS.has(w) || SECRETS.some((s) => w.startsWith(s)))) return false;
  return (
    object.some((w) => SECRETS.some((s) => w.startsWith(s))) ||
    ts.slice(Math.max(0, i - 8), i).some((w) => SECRETS.some((s) => w.startsWith(s)))
  );
}
