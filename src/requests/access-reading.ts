import type { Intent } from './intents.js';
import { accessIsObject, closingNegated } from './closing.js';
import { is, NEGATORS_BEFORE } from './lexicon.js';
import { besideDatabaseWord, namedAfterMarker, quoted } from './names.js';
import type { Own } from './reading.js';
import { readTokens, removal } from './removal.js';
import { mistypedSite } from './site-names.js';
import { fold, hostNames, tokens, words } from './text.js';

/**
 * Reading rules for the newer site operations and for errors pasted from a browser, read
 * after the model's choice (./reading.ts's `allowed` and ./understand.ts): file access
 * (sftp.create, sftp.reset) is asked only with a word of file access, and on a site the
 * client has is file access, not a new site; an application installed on a new site is
 * the whole environment (site.environment), not a bare site; a certificate's error
 * reported (pasted or told) is a site to check, not a certificate asked for.
 */

/** Starts of the words of file access. */
const FILE_ACCESS = ['ftp', 'sftp', 'filezilla', 'winscp', 'cyberduck', 'rsync', 'scp'];
/** The applications a complete site is made for (a site, its database and file access): they anchor site.environment (./anchors.ts). */
export const APPS = new Set([
  ...['wordpress', 'wordpres', 'worpress', 'wp', 'prestashop', 'joomla', 'drupal', 'magento', 'woocommerce'],
  ...['matomo', 'nextcloud', 'dolibarr', 'laravel', 'symfony', 'moodle'],
  ...['ghost', 'spip', 'typo3', 'mediawiki', 'opencart', 'phpbb'],
]);
/** Starts of words that ask for a whole environment rather than a bare site. */
const COMPLETE = ['complet', 'everything', 'environ', 'stack'];
/** Starts of verbs that close file access without the removal verbs ("close", « révoquer », "disable"). */
const CLOSING = ['close', 'ferm', 'revok', 'revoq', 'disabl', 'desactiv', 'deactivat', 'cut', 'coupe'];
/** Starts of verbs that make or install a thing, beside the lexicon's `create`. */
const MAKING = [
  'install',
  'set',
  'prepar',
  'spin',
  'launch',
  'lanc',
  'mont',
  'host',
  'heberg',
  'need',
  'besoin',
  'want',
  'veux',
  'voudr',
  'souhait',
];
/** Starts of words that name a site to be made (a new one, its hosting). */
const SITE_WORDS = ['site', 'website', 'vhost', 'heberg', 'hosting', 'blog', 'boutique', 'shop'];
/** Words that say a thing is new, or made: file access "for a new site" is the site's. */
const NEW = new Set(['new', 'nouveau', 'nouvel', 'nouvelle', 'another', 'autre', 'second', 'deuxieme']);
/** Starts of words that say a password or a login is lost or to change: file access already had, its password renewed. */
const RESETTING = [
  ...['lost', 'forgot', 'forget', 'misplac', 'reset', 'perdu', 'oubli', 'egar', 'paum', 'reinit', 'chang', 'regener'],
  ...['generat', 'genere', 'leak', 'fuit', 'compromi', 'wrong', 'incorrect', 'refus', 'denied', 'failed', 'echou'],
];
const SECRET = [
  'password',
  'passe',
  'mdp',
  'pwd',
  'passwd',
  'credential',
  'identifiant',
  'login',
  'code',
  'acces',
  'authenti',
];

/** Words that say a thing is not needed; matched on words, since one regular expression of them all is too large for recheck to prove linear. */
const NOT_NEEDED = [
  'no',
  'without',
  'sans',
  'pas de',
  'pas d',
  'pas besoin de',
  'pas besoin d',
  'aucun',
  'aucune',
  'don t need',
  'dont need',
  'do not need',
  'no need for',
  // "We will not need a new database", "won't need another site": said beside a removal (./understand.ts).
  'not need',
  'won t need',
  'wont need',
].map((n) => n.split(' '));
const ARTICLES = new Set(['a', 'an', 'un', 'une']);
const THINGS = new Set(['database', 'db', 'base', 'bdd', 'ftp', 'sftp']);
/** A site refused ("not a new site, just access", « je ne veux pas de nouveau site »): only where a piece is read alone. */
const SITE_THINGS = new Set([
  ...THINGS,
  'site',
  'website',
  'vhost',
  'https',
  'ssl',
  'certificat',
  'certificate',
  'cert',
]);
/** "Not a new site", « pas un nouveau site »: a refusal of a site, read by {@link refusesThing} with `sites`. */
const NOT_SITE = [['not'], ['pas', 'un'], ['pas', 'de'], ['pas', 'd']];

/**
 * Whether a piece of a message refuses a database or file access rather than asking for it: "no database needed",
 * « pas besoin de base », "without ftp", « sans bdd », "we don't need a new database"; with `sites`, a site too
 * ("not a new site", « pas de nouveau site »).
 */
export function refusesThing(piece: string, sites = false): boolean {
  const w = piece.toLowerCase().split(/[^\p{L}\d]+/u);
  const things = sites ? SITE_THINGS : THINGS;
  for (let i = 0; i < w.length; i++)
    for (const n of sites ? [...NOT_NEEDED, ...NOT_SITE] : NOT_NEEDED) {
      if (!n.every((x, k) => w[i + k] === x)) continue;
      let j = i + n.length;
      if (ARTICLES.has(w[j])) j++;
      if (things.has(w[j]) || (w[j] && things.has(w[j + 1]))) return true;
    }
  return false;
}

/** Whether the words close file access ("remove his FTP access", « fermez l'accès sftp »): a removal or a closing verb whose object is the access. */
export function closesAccess(text: string, own: Own, ws: string[]): boolean {
  const r = removal(text, own.databases, own.sites);
  if (r.asked && accessIsObject(r.object, accessWord)) return true;
  return ws.some(
    (w, i) =>
      CLOSING.some((c) => w.startsWith(c)) &&
      accessIsObject(ws.slice(i + 1, i + 5), accessWord) &&
      !closingNegated(ws, i),
  );
}

const accessWord = (w: string) => fileAccess([w]) || w.startsWith('acce') || w === 'user' || w === 'login';

/**
 * Whether the words close or remove something around file access without asking for an account:
 * the access's closing refused ("do not close the sftp access", « ne coupez pas l'accès ftp »), or
 * files removed through it ("I can't delete files over FTP"). A person reads it: proposing a new
 * account there answers something nobody asked.
 */
function removingAroundAccess(ws: string[]): boolean {
  return ws.some(
    (w, i) =>
      (CLOSING.some((c) => w.startsWith(c)) || REMOVING.some((c) => w.startsWith(c))) &&
      (closingNegated(ws, i) || !accessIsObject(ws.slice(i + 1, i + 5), accessWord)) &&
      ws.slice(i + 1, i + 8).some(accessWord),
  );
}
/** Starts of removal verbs, as removing files through the access is told. */
const REMOVING = ['delet', 'remov', 'supprim', 'effac', 'eras', 'enlev', 'vir'];

/** Whether the words name file access (FTP, SFTP, FileZilla...). */
export function fileAccess(ws: string[]): boolean {
  return ws.some((w) => FILE_ACCESS.some((f) => w.startsWith(f)));
}

/** Whether a host name is the client's own site (a "www." aside). */
function ownSite(h: string, own: Own): boolean {
  return (own.siteNames ?? []).includes(h.replace(/^www\./, ''));
}

/** Whether the text names one of the client's sites (by its name or a word for it: "the shop") and no new one. */
function onOwnSite(text: string, own: Own): boolean {
  const { hosts } = readTokens(text);
  if (hosts.length) return hosts.every((h) => ownSite(h, own) || mistypedSite(h, own.siteNames ?? []));
  return words(text).some((w) => own.sites.includes(w));
}

/** Words that tell a certificate or a connection is wrong. */
const TROUBLE = ['invalid', 'invalide', 'warning', 'error', 'erreur', 'avertissement', 'alerte', 'valide', 'valid'];

/** Whether a told error says a certificate is wrong: "certificate warning", « le certificat n'est pas valide ». */
function certificateTrouble(ws: string[]): boolean {
  // The trouble word first: it is rare, and the lexicon's lookup of every word is not.
  if (!ws.some((x) => TROUBLE.includes(x))) return false;
  return ws.some((w, i) => is(w, 'cert') && ws.slice(i + 1, i + 6).some((x) => TROUBLE.includes(x)));
}

/** Whether the text holds an error code pasted from a browser ("NET::ERR_CERT_COMMON_NAME_INVALID"): its page's words ("attackers might be trying…") are the browser's, not the client's. */
export function pastedBrowserError(text: string): boolean {
  return /err_[a-z_]{4,}|dns_probe|ssl_error|sec_error/i.test(text);
}

/** Errors pasted from a browser or a server that report a site in trouble: a site to check. */
const PASTED =
  /dns_probe|nxdomain|err_connection|err_name_not_resolved|err_too_many_redirects|bad gateway|gateway time-?out|service unavailable|establishing a database connection|connexion [aà] la base de donn[ée]es/i;

/**
 * The intent after the model's choice, for file access and pasted errors: file access is
 * never asked without its word, is asked on a site the client has when a new site was
 * read, and its password is renewed when lost; an error pasted or a certificate's warning
 * told is a site to check unless a certificate is plainly asked for.
 */
export function accessReading(
  chosen: { intent: Intent; confidence: number },
  ranked: { intent: Intent; confidence: number }[],
  text: string,
  own: Own,
  ws: string[],
  certAsked: () => boolean,
): { intent: Intent; confidence: number } {
  const access = fileAccess(ws);
  const has = (i: Intent) => ranked.some((x) => x.intent === i);
  // "Réinitialiser le mot de passe de la base": no file access named, no SFTP operation.
  if (chosen.intent.startsWith('sftp.') && !access) {
    const next = ranked.find((x) => !x.intent.startsWith('sftp.') && !own.kinds.removes(x.intent));
    return next && next.intent !== 'human' && next.confidence >= 0.2
      ? next
      : { intent: 'human', confidence: chosen.confidence };
  }
  if (access) {
    const read = fileAccessReading(chosen, text, own, ws, has);
    if (read) return read;
  }
  if (chosen.intent === 'site.environment') return environmentReading(chosen, ranked, text, own, ws, has);
  if (['certificate.issue', 'human', 'dns.fix'].includes(chosen.intent)) {
    // "Get a certificate warning": the certificate word names the trouble, not a thing asked for.
    const pastedCert = /err_cert|err_ssl|ssl_error|sec_error/i.test(text);
    const asked = () =>
      certAsked() && !pastedCert && !ws.some((w, i) => is(w, 'cert') && TROUBLE.includes(ws[i + 1] ?? ''));
    // A pasted error or a certificate's warning told: the site is checked, and the check says what to do.
    if (
      (pastedCert || (chosen.intent === 'certificate.issue' && certificateTrouble(ws)) || PASTED.test(text)) &&
      !asked() &&
      !(chosen.intent === 'dns.fix' && ws.some((w) => /^(fix|repar|corrig)/.test(w)))
    )
      return { intent: 'diagnose', confidence: Math.max(chosen.confidence, 0.5) };
  }
  // "Il manque un CNAME, pouvez-vous l'ajouter ?": a record to add or fix is a repair of the DNS, no certificate named.
  if (
    (chosen.intent === 'diagnose' || chosen.intent.startsWith('certificate.')) &&
    ws.some((w) => is(w, 'dns')) &&
    !ws.some((w) => is(w, 'cert')) &&
    ws.some((w) => /^(fix|repar|corrig|ajout|add|rectif)/.test(w)) &&
    has('dns.fix')
  )
    return { intent: 'dns.fix', confidence: Math.max(chosen.confidence, 0.5) };
  // "On s'est fait pirater", "we've been hacked": a break-in is for a person, whatever the site shows.
  if (chosen.intent === 'diagnose' && ws.some((w) => is(w, 'hacked')) && !pastedBrowserError(text))
    return { intent: 'human', confidence: chosen.confidence };
  return chosen;
}

/** File access named: a new site's, a new password for the access had, or an account on a site the client has. */
function fileAccessReading(
  chosen: { intent: Intent; confidence: number },
  text: string,
  own: Own,
  ws: string[],
  has: (i: Intent) => boolean,
): { intent: Intent; confidence: number } | undefined {
  // "Supprimez l'accès SFTP du blog", "close the sftp account": file access closed, never the site; a person when no operation closes it.
  if (closesAccess(text, own, ws))
    return has('sftp.delete')
      ? { intent: 'sftp.delete', confidence: Math.max(chosen.confidence, 0.6) }
      : { intent: 'human', confidence: chosen.confidence };
  const secret = (w: string) => SECRET.some((x) => w.startsWith(x));
  // "Lost my FTP login", « un nouveau mot de passe FTP »: the access had, its password renewed.
  const resetting =
    (ws.some((w) => RESETTING.some((r) => w.startsWith(r))) && ws.some(secret)) ||
    // ("not a new site, just access": the new thing is the site, not the access's password).
    ws.some(
      (w, i) =>
        NEW.has(w) && !SITE_WORDS.some((s) => (ws[i + 1] ?? '').startsWith(s)) && ws.slice(i + 1, i + 4).some(secret),
    );
  // "A new site", « un nouveau site », "another domain": a site to make, not one the client has.
  const newSite =
    ws.some(
      (w, i) =>
        NEW.has(w) &&
        // "Not a new site, just access", « je ne veux pas de nouveau site »: the new site is refused.
        !ws.slice(Math.max(0, i - 3), i).some((x) => NEGATORS_BEFORE.has(x)) &&
        ws.slice(i + 1, i + 3).some((x) => SITE_WORDS.some((s) => x.startsWith(s)) || x.startsWith('domain')),
    ) || readTokens(text).hosts.some((h) => !ownSite(h, own) && !mistypedSite(h, own.siteNames ?? []));
  // "Un accès FTP pour un nouveau site": file access for a site to make is the new site (its own access comes with it).
  if (chosen.intent.startsWith('sftp.') && !resetting && newSite)
    return has('vhost.create') ? { intent: 'vhost.create', confidence: Math.max(chosen.confidence, 0.6) } : undefined;
  const loose = ['vhost.create', 'sftp.create', 'human', 'diagnose', 'site.environment'];
  if (!loose.includes(chosen.intent) && (chosen.confidence >= 0.45 || own.kinds.removes(chosen.intent)))
    return undefined;
  // "J'ai perdu mes identifiants FTP", "filezilla says the password is wrong": a new password for the access had.
  if (resetting && chosen.intent !== 'vhost.create' && has('sftp.reset'))
    return { intent: 'sftp.reset', confidence: Math.max(chosen.confidence, 0.6) };
  const onOwn = !newSite && onOwnSite(text, own);
  // "Do not close the sftp access of the shop", "I can't delete files over FTP": no account asked.
  if ((chosen.intent === 'sftp.create' || onOwn) && removingAroundAccess(ws))
    return { intent: 'human', confidence: chosen.confidence };
  // "FTP on boutique.fr", « un ftp pour mon blog »: file access to a site the client has, not a new site.
  if (chosen.intent !== 'sftp.create' && onOwn && has('sftp.create'))
    return { intent: resetting ? 'sftp.reset' : 'sftp.create', confidence: Math.max(chosen.confidence, 0.6) };
  return undefined;
}

/** An environment read: a bare site when nothing asks for more, a database when no site is to be made, nothing when nothing is to be made. */
function environmentReading(
  chosen: { intent: Intent; confidence: number },
  ranked: { intent: Intent; confidence: number }[],
  text: string,
  own: Own,
  ws: string[],
  has: (i: Intent) => boolean,
): { intent: Intent; confidence: number } {
  const app = ws.some((w) => APPS.has(w));
  const db = ws.some((w) => is(w, 'db')) && !refusesThing(text);
  // "Another subdomain with its own site": no application, no database, nothing complete: a site.
  if (!app && !db && !ws.some((w) => w === 'env' || COMPLETE.some((c) => w.startsWith(c))) && has('vhost.create'))
    return { intent: 'vhost.create', confidence: chosen.confidence };
  const hosts = readTokens(text).hosts;
  // "My WordPress install asks for a database": a database for a site that exists, no site named new.
  const site = ws.some((w) => SITE_WORDS.some((x) => w.startsWith(x)));
  if (db && !site && !hosts.some((h) => !ownSite(h, own)) && has('database.create'))
    return { intent: 'database.create', confidence: chosen.confidence };
  // "Can you recommend a WordPress theme?": no site, no name, nothing to make; "install the WooCommerce plugin
  // on the shop": a site the client has, no new one: not an environment.
  const making = ws.some((w) => is(w, 'create') || MAKING.some((m) => w.startsWith(m)));
  // ("the new PrestaShop theme" on the shop is no new site: only "new" before a site's word is.)
  const onOwn =
    onOwnSite(text, own) &&
    !ws.some((w, i) => NEW.has(w) && ws.slice(i + 1, i + 3).some((x) => SITE_WORDS.some((s) => x.startsWith(s))));
  if ((!site && !making && !hosts.length) || onOwn) {
    const next = ranked.find((x) => x.intent !== 'site.environment' && !own.kinds.removes(x.intent));
    return next && next.confidence >= 0.3 ? next : { intent: 'human', confidence: chosen.confidence };
  }
  return chosen;
}

/**
 * The operations asked, with a new site for an application made the whole environment:
 * "a WordPress site on news.exemple.fr", "un site et une base pour wordpress" (the
 * environment makes the site, its database and file access). A site and a database with
 * no application stay two operations, and so does a database the client names ("and a
 * database called club"): the environment names its own.
 */
export function environmentAsked(
  intents: Intent[],
  text: string,
  ws: string[],
  own: Own,
  has: (i: Intent) => boolean,
): Intent[] {
  const site = intents.indexOf('vhost.create');
  const db = intents.indexOf('database.create');
  if ((site < 0 && db < 0) || !has('site.environment') || !ws.some((w) => APPS.has(w))) return intents;
  const ts = tokens(text);
  const named = quoted(text).length > 0 || !!namedAfterMarker(ts) || !!besideDatabaseWord(ts);
  const environment = (): Intent[] => {
    const first = Math.min(...[site, db].filter((i) => i >= 0));
    return intents.flatMap((x, i) =>
      i === first ? ['site.environment'] : x === 'vhost.create' || x === 'database.create' ? [] : [x],
    );
  };
  // "A site and a database called club": the client names the database, the environment would name its own.
  if (db >= 0 && named) return intents;
  // The application in the sentence that names the new site (or in the message when it names none).
  const fresh = hostNames(text).filter((h) => !ownSite(h, own) && !(own.domains ?? []).includes(h));
  // A line or a stop before a space ends a sentence (not the dot of a name); no lookahead, which recheck cannot prove linear.
  const sentences = text.split(/\n|[.!?]\s/);
  const around = fresh.length ? sentences.filter((s) => fresh.some((h) => fold(s).includes(h))) : [text];
  const app = around.some((s) => words(s).some((w) => APPS.has(w)));
  if (!app || (site < 0 && !fresh.length && !ownDatabaseOf(ts))) return intents;
  return environment();
}

/** Words for a database, and the possessives that give it to something else (the application's site). */
const DATABASE_WORDS = new Set(['base', 'bdd', 'bd', 'db', 'database']);
const ITS = new Set(['sa', 'son', 'its', 'their', 'leur']);

/** Whether the database is written as belonging to the application ("un WordPress avec sa base", "with its db"): a site is asked with it. */
function ownDatabaseOf(ts: string[]): boolean {
  return ts.some(
    (w, i) => DATABASE_WORDS.has(w) && (ITS.has(ts[i - 1] ?? '') || (ts[i - 1] === 'own' && ITS.has(ts[i - 2] ?? ''))),
  );
}
