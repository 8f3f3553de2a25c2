import type { Topic } from './intents.js';

/**
 * The small lexicon of hosting jargon as clients write it, in both languages: each word
 * (folded, by its start) says which thing or act it is about. The classifier gets these
 * concepts as features beside the words, so "cadenas", "ssl" and "cryptage" weigh alike
 * with few phrasings; the rules of ./reading.ts use them to anchor an operation in words.
 */
const CONCEPTS: Record<string, string[]> = {
  cert: ['ssl', 'tls', 'https', 'cadenas', 'padlock', 'lock', 'certif', 'cert', 'letsencrypt', 'crypt', 'chiffr', 'encrypt', 'securis', 'secure', 'insecure', 'unsecure', 'securite', 'security', 'cadena', 'lets'],
  renew: ['renouvel', 'renew', 'prolong', 'expir', 'perime', 'extend', 'refresh', 'rafraich', 'echeance', 'reconduire'],
  site: ['site', 'website', 'web', 'ftp', 'sftp', 'espace', 'vhost', 'heberg', 'hosting', 'host', 'domaine', 'domain', 'sousdomaine', 'subdomain', 'page', 'vitrine', 'space'],
  db: ['base', 'bdd', 'bd', 'db', 'database', 'donnee', 'donne', 'sql', 'mysql', 'mariadb', 'maria', 'postgres', 'postgre', 'pg', 'psql', 'phpmyadmin', 'table'],
  dns: ['dns', 'ipv6', 'ipv4', 'aaaa', 'caa', 'enregistrement', 'record', 'pointe', 'point', 'zone', 'registrar', 'bureau', 'resolution', 'propagat', 'cname', 'ip'],
  remove: ['supprim', 'effac', 'delet', 'remov', 'drop', 'eras', 'destroy', 'detrui', 'retir', 'enlev', 'wipe', 'purge', 'trash', 'nuke', 'virer', 'virez', 'degag', 'rid', 'ferm', 'close', 'shut'],
  create: ['cree', 'creer', 'creat', 'nouveau', 'nouvel', 'new', 'ajout', 'add', 'make', 'mont', 'ouvr', 'open', 'install', 'setup', 'another', 'autre', 'need', 'besoin', 'faut', 'want', 'veu', 'voudr'],
  down: ['panne', 'down', 'lent', 'slow', 'erreur', 'error', 'plant', 'offline', 'inaccessible', 'unreachable', 'crash', 'broken', 'cass', 'bug', 'blanc', 'blank', 'timeout', 'charg', 'load', 'repond', 'respond', 'answer', 'marche', 'work', 'fonctionn', 'affich', 'display', 'show', 'ouvre', 'open', 'acce', 'access', 'reach', 'joign', 'rame', 'long', 'freez', 'bloqu', 'mort', 'dead', 'gateway', 'introuvable', 'found', 'disparu', 'gone', 'perdu', 'lost', 'check', 'verif', 'regard', 'look', 'diagnos', 'test', 'probleme', 'problem', 'issue', 'souci', 'warning', 'avertis', 'alert', 'dangereu', 'unsafe', 'danger', 'rouge', 'red', 'privee', 'private'],
  neg: ['ne', 'pas', 'not', 'don', 'dont', 'never', 'jamais', 'sans', 'without', 'no', 'non', 'isn', 'doesn', 'aucun', 'plus', 'nothing', 'rien'],
  mail: ['mail', 'email', 'courriel', 'boite', 'mailbox', 'inbox', 'spam', 'smtp', 'imap', 'pop', 'outlook', 'thunderbird', 'gmail', 'messagerie', 'indesirable', 'webmail'],
  billing: ['factur', 'invoice', 'bill', 'paiement', 'payment', 'pay', 'prix', 'price', 'tarif', 'cost', 'cout', 'rembours', 'refund', 'abonnement', 'subscription', 'resili', 'cancel', 'offre', 'plan', 'devis', 'quote', 'expensive', 'euro', 'prelev', 'charged', 'debit', 'credit'],
  storage: ['memoire', 'memory', 'disque', 'disk', 'stockage', 'storage', 'quota', 'ram', 'place', 'plein', 'full', 'gigas', 'gb', 'upgrade', 'augment', 'increase', 'capacit', 'cpu', 'ressource', 'resource'],
  human: ['humain', 'human', 'quelqu', 'someone', 'somebody', 'person', 'personne', 'appelez$', 'appeler$', 'appelle$', 'call$', 'telephon', 'phone', 'technicien', 'technician', 'support', 'conseiller', 'manager', 'responsable', 'agent', 'parler', 'speak', 'talk', 'rappel', 'contact', 'directeur', 'boss', 'chef', 'superviseur', 'supervisor', 'vrai', 'real'],
  anger: ['inadmissible', 'inacceptable', 'unacceptable', 'scandal', 'honte', 'shame', 'ridicul', 'nul', 'incompetent', 'useless', 'worst', 'pire', 'marre', 'furieu', 'furious', 'angry', 'enerv', 'colere', 'joke', 'blague', 'arnaque', 'scam', 'lamentable', 'pathetic', 'terrible', 'horrible', 'dego', 'merde', 'wtf', 'damn', 'fed', 'sick', 'inadmissable', 'honteux', 'catastroph', 'urgent', 'urgence', 'asap', 'immediat'],
  password: ['password', 'passe$', 'mdp', 'passwd', 'identifiant', 'login', 'credential'],
  backup: ['sauvegard', 'backup', 'restaur', 'restore', 'recuper', 'recover', 'snapshot', 'archive'],
  hacked: ['pirat', 'hack', 'virus', 'malware', 'infect', 'compromi', 'phishing', 'hameconn', 'attaque', 'attack'],
  account: ['compte', 'account', 'profil', 'profile', 'contrat', 'contract'],
  greet: ['bonjour', 'bonsoir', 'salut', 'hello', 'hi', 'hey', 'merci', 'thanks', 'thank', 'thx', 'cordialement', 'regards', 'cheers', 'svp', 'stp', 'please', 'pls', 'plz', 'madame', 'monsieur', 'dear', 'cher', 'chere', 'bisous', 'best', 'ty'],
};

/** The concepts of a folded word (see {@link is}). */
export function concepts(word: string): string[] {
  return Object.keys(CONCEPTS).filter((c) => is(word, c));
}

/** Whether a folded word is about the concept: it begins with one of its starts; a start of 3 letters or fewer, or ending in `$`, is the whole word. */
export function is(word: string, concept: string): boolean {
  return (CONCEPTS[concept] ?? []).some((s) => (s.endsWith('$') ? word === s.slice(0, -1) : s.length <= 3 ? word === s || word === `${s}s` : word.startsWith(s)));
}

/**
 * Words that never name anything: politeness, signatures, pronouns, the kind of thing
 * itself. A database once got named `merci`, `thanks`, `je`, `thx` or `name`.
 */
export const FILLER = new Set([
  'merci', 'thanks', 'thank', 'thx', 'ty', 'je', 'j', 'svp', 'stp', 'please', 'pls', 'plz', 'it', 'its', 'la', 'le', 'l', 'les', 'un', 'une', 'the', 'a', 'an', 'de', 'du', 'des',
  'name', 'nom', 'named', 'called', 'nommee', 'nomme', 'appelee', 'appele', 'appelle', 'call', 'nommer', 'nommez', 'appelez', 'as', 'comme', 'avec', 'with', 'me', 'moi', 'my', 'mon', 'ma',
  'base', 'bases', 'bdd', 'bd', 'db', 'dbs', 'database', 'databases', 'donnees', 'donnee', 'sql', 'mysql', 'mariadb', 'postgres', 'postgresql', 'pg', 'site', 'website', 'new', 'nouvelle', 'nouveau',
  'bonjour', 'hello', 'hi', 'salut', 'cordialement', 'regards', 'cheers', 'ok', 'okay', 'oui', 'yes', 'no', 'non', 'pour', 'for', 'and', 'et', 'that', 'this', 'ce', 'cette', 'cet', 'ca', 'cela',
  'is', 'est', 'be', 'etre', 'to', 'in', 'on', 'sur', 'dans', 'of', 'by', 'par', 'so', 'please', 'now', 'maintenant', 'asap', 'vite', 'quickly', 'urgent',
  'user', 'utilisateur', 'app', 'application', 'vous', 'you', 'we', 'nous', 'il', 'elle', 'they', 'them', 'us', 'your', 'votre', 'vos', 'our', 'notre', 'nos', 'what', 'quoi',
]);

/** Words after which a client writes the name they want ("appelée stock", "named shop", "name it shop", "nom : shop"). */
export const NAMING = new Set(['called', 'named', 'name', 'nommee', 'nomme', 'nommez', 'nommer', 'appelee', 'appele', 'appelle', 'appelez', 'appeler', 'call', 'nom', 'intitulee', 'intitule', 'label', 'labelled', 'labeled']);
/** Words skipped between a naming word and the name: "name it shop", "appelle-la stock", "with the name shop". */
export const NAMING_SKIP = new Set(['it', 'la', 'le', 'l', 'les', 'the', 'as', 'comme', 'de', 'du', 'a', 'an', 'this', 'that', 'one', 'database', 'base', 'db', 'bdd', 'her', 'him', 'them', 'is', 'est', 'sera', 'will', 'be', 'should', 'must', 'doit']);

/** The database engine a word names. */
export function engineOf(word: string): 'postgres' | 'mariadb' | undefined {
  if (['postgres', 'postgresql', 'postgre', 'postgr', 'pg', 'psql', 'pgsql', 'pgadmin', 'postgis'].includes(word)) return 'postgres';
  if (['mysql', 'mariadb', 'maria', 'mysqli', 'phpmyadmin'].includes(word)) return 'mariadb';
  return undefined;
}

/** Words that say a removal is not asked ("ne supprimez pas", "don't delete", "sans effacer"), when within three words before it. */
export const NEGATORS_BEFORE = new Set(['ne', 'n', 'pas', 'not', 'don', 'dont', 'never', 'jamais', 'sans', 'without', 'no', 'nor', 'ni', 'aucun', 'aucune', 'shouldn', 'mustn', 'won', 'wont', 'avoid', 'eviter', 'evitez', 'surtout']);
/** Words that say a removal is not asked when right after it: "supprimez pas", "delete nothing". */
export const NEGATORS_AFTER = new Set(['pas', 'jamais', 'rien', 'nothing', 'not', 'surtout']);
/** Words before a removal verb that make it something that happened, not a request: "mon site a été supprimé", "my db was deleted". */
export const PAST = new Set(['ete', 'was', 'were', 'been', 'got', 'gets', 'est', 'sont', 'is', 'are', 'has', 'have', 'had', 'fut', 'etait', 'avez', 'avait', 'accidentally', 'accidentellement', 'par', 'erreur', 'mistake', 'deja', 'already']);

/** Words that are a removal only once the rest says so ("plus besoin de", "no longer need"): counted when the classifier reads a removal too. */
export const NO_LONGER = [['plus', 'besoin'], ['no', 'longer'], ['not', 'needed'], ['plus', 'utilise'], ['plus', 'utilisee'], ['anymore']];

/** The topic of a request serein cannot act on, from its words; `other` when none is named. */
export function topicOf(ws: string[], frustrated: boolean): Topic {
  const count = (c: string) => ws.filter((w) => is(w, c)).length;
  const order: [Topic, string][] = [['hacked', 'hacked'], ['billing', 'billing'], ['mail', 'mail'], ['backup', 'backup'], ['password', 'password'], ['storage', 'storage'], ['account', 'account'], ['human', 'human']];
  let best: Topic | undefined;
  let most = 0;
  for (const [topic, concept] of order) {
    const n = count(concept);
    if (n > most) [best, most] = [topic, n];
  }
  if (best) return best;
  return frustrated || count('anger') ? 'anger' : 'other';
}
