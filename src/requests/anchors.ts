import type { Fill } from '../operation-words.js';
import { APPS } from './access-reading.js';
import type { Intent, Operations, RequestableWords } from './intents.js';
import { is } from './lexicon.js';
import { readTokens } from './removal.js';
import { STOPWORDS_EN, STOPWORDS_FR } from './stopwords.js';
import { words } from './text.js';

/**
 * What the reading rules know of each operation, read from its words
 * (playbooks/<op>.words.yaml) rather than from a hand list: whether it takes something
 * away (`removes: true`), whether it makes something new (its inputs are filled as a new
 * site or a new database), which removal takes a site or a database away, and the words
 * that anchor it in a clause. A new operation, a provider's included, is covered by its
 * words alone: a removal is never proposed unless asked, whatever its name.
 */
export interface OperationKinds {
  /** Whether the operation takes something away: proposed only when the words ask to remove it. */
  removes(intent: Intent): boolean;
  /** Whether the operation makes something new: never proposed where a removal is asked. */
  creates(intent: Intent): boolean;
  /** What a create makes: a site or a database (its inputs filled as a new one). */
  made(intent: Intent): 'site' | 'database' | undefined;
  /** The removal of a site or of a database, as the words of "kill the blog" or "drop test_old" ask. */
  removalOf(kind: 'site' | 'database'): Intent | undefined;
  /** The words only this operation's phrasings use: what anchors an operation the rules have no entry for. */
  ownWords(intent: Intent): ReadonlySet<string>;
}

const CREATE_FILLS: readonly Fill[] = ['new-site', 'new-database'];
const kindsCache = new WeakMap<Operations, OperationKinds>();
const STOP = new Set([...STOPWORDS_EN, ...STOPWORDS_FR]);

/** The kinds of a set of operations (computed once per set: the daemon's words do not change while it runs). */
export function operationKinds(operations: Operations): OperationKinds {
  const cached = kindsCache.get(operations);
  if (cached) return cached;
  const byOp = new Map<Intent, Set<string>>();
  for (const [name, w] of operations)
    byOp.set(
      name,
      new Set(
        [...w.request.phrasings.en, ...w.request.phrasings.fr]
          .flatMap((p) => words(p))
          .filter((x) => x.length >= 4 && !STOP.has(x)),
      ),
    );
  const own = new Map<Intent, Set<string>>();
  for (const [name, set] of byOp)
    own.set(name, new Set([...set].filter((x) => ![...byOp].some(([other, s]) => other !== name && s.has(x)))));
  // A removal whose every phrasing names file access (sftp.delete) closes the access, never the site: the site's
  // removal is the one whose words do not all name it, whatever order the playbooks load in.
  const accessOnly = (w: RequestableWords) =>
    [...w.request.phrasings.en, ...w.request.phrasings.fr].every((p) =>
      words(p).some((x) => FILE_ACCESS.some((f) => x.startsWith(f))),
    );
  const removing = (fill: Fill) => {
    const all = [...operations].filter(([, w]) => w.request.removes && w.request.fill === fill);
    return (all.find(([, w]) => !accessOnly(w)) ?? all[0])?.[0];
  };
  const kinds: OperationKinds = {
    removes: (i) => operations.get(i)?.request.removes === true,
    creates: (i) => CREATE_FILLS.includes(operations.get(i)?.request.fill as Fill),
    made: (i) => {
      const fill = operations.get(i)?.request.fill;
      return fill === 'new-site' ? 'site' : fill === 'new-database' ? 'database' : undefined;
    },
    removalOf: (kind) => removing(kind === 'site' ? 'site' : 'database'),
    ownWords: (i) => own.get(i) ?? new Set(),
  };
  kindsCache.set(operations, kinds);
  return kinds;
}

/** Words that report a site in trouble or ask for it to be checked: they anchor `diagnose`. */
const DOWN = [
  ...['panne', 'down', 'lent', 'slow', 'erreur', 'error', 'plant', 'offline', 'inaccessible', 'unreachable'],
  ...['crash', 'broken', 'cass', 'blanc', 'blank', 'white', 'timeout', 'rame', 'check', 'verif', 'diagnos', 'test'],
  ...['probleme', 'problem', 'marche', 'work', 'fonctionn', 'charg', 'load', 'securis', 'secure', 'cadenas'],
  ...['padlock', 'dangereu', 'unsafe', 'warning', 'avertis', 'privee', 'private', 'regard', 'look', 'repond'],
  ...['respond', 'acce', 'reach', 'crawl', 'disparu', 'gone', 'vide', 'empty', 'open', 'ouvr', 'affich', 'display'],
  // « En rade », « en carafe », "Service Unavailable", « indispo », "sluggish", "the site is dead".
  ...['rade', 'carafe', 'unavailable', 'indisponible', 'indispo', 'sluggish', 'mort', 'dead'],
  // « Le site tombe », « le site est tombé », « tout est figé », "the shop freezes", « ça bug ».
  ...['tomb', 'fige', 'freez', 'bug'],
  // "Control the DNS" (a non-native "check"), « contrôler », "inspect", « examiner »: a look asked.
  ...['control', 'inspect', 'examin'],
  // Errors pasted from a browser: NET::ERR_CERT_DATE_INVALID, DNS_PROBE_FINISHED_NXDOMAIN.
  ...['err', 'invalid', 'nxdomain'],
];
/** The words that name a site itself (not "page", "domain" or "web" alone). */
export const SITE = ['site', 'website', 'ftp', 'sftp', 'vhost', 'heberg', 'hosting', 'espace'];
/** Words of file access: they anchor the SFTP operations. */
const FILE_ACCESS = ['ftp', 'sftp', 'filezilla', 'ssh', 'winscp', 'cyberduck', 'upload', 'identifiant', 'login'];
/** HTTP error codes a client reports by number alone ("502 on my shop", "erreur 500"). */
export const CODE = /^[45]0[0-9]s?$/;

/** What a clause is read with to anchor an operation. */
export interface AnchorContext {
  ws: string[];
  ts: string[];
  hosts: string[];
  databases: string[];
  sites: string[];
  any(concept: string): boolean;
}

/** Words of lapsing, not of renewing: "your session expired", « le domaine est périmé » name no certificate on their own. */
const LAPSED = ['expir', 'perime', 'echeance'];
/** A renewal asked in so many words (renew, prolonger, refresh), beyond a thing said to have lapsed. */
const renewAsked = (c: AnchorContext) => c.ws.some((w) => is(w, 'renew') && !LAPSED.some((l) => w.startsWith(l)));

/** The rules' own anchors, by operation; every other operation is anchored by the words only its phrasings use. */
const ANCHORS: Record<string, (c: AnchorContext) => boolean> = {
  'certificate.issue': (c) => c.any('cert') || renewAsked(c),
  'certificate.renew': (c) => c.any('cert') || renewAsked(c),
  'vhost.create': (c) => c.hosts.length > 0 || c.ws.some((w) => SITE.some((d) => w.startsWith(d))),
  'site.environment': (c) => c.hosts.length > 0 || c.ws.some((w) => SITE.some((d) => w.startsWith(d)) || APPS.has(w)),
  'vhost.delete': (c) =>
    c.hosts.length > 0 || c.ws.some((w) => SITE.some((d) => w.startsWith(d)) || c.sites.includes(w)),
  'database.create': (c) => c.any('db') || c.ts.some((t) => c.databases.includes(t)),
  'database.delete': (c) => c.any('db') || c.ts.some((t) => c.databases.includes(t)),
  'dns.fix': (c) => c.any('dns'),
  'sftp.create': (c) => c.ws.some((w) => FILE_ACCESS.some((f) => w.startsWith(f))),
  'sftp.reset': (c) => c.ws.some((w) => FILE_ACCESS.some((f) => w.startsWith(f))),
  'sftp.delete': (c) => c.ws.some((w) => FILE_ACCESS.some((f) => w.startsWith(f))),
  diagnose: (c) => c.ws.some((w) => CODE.test(w) || DOWN.some((d) => (d.length <= 3 ? w === d : w.startsWith(d)))),
  human: () => false,
};

/** Whether a clause's words name the kind of thing the operation is about (a host name, one of the client's things, a word of its kind). */
export function anchored(
  intent: Intent,
  text: string,
  own: { databases: string[]; sites: string[]; kinds?: OperationKinds },
): boolean {
  const { ts, hosts } = readTokens(text);
  // A pasted address's scheme (https://…) names no certificate: only the client's own words anchor one.
  const ws = words(text.replace(/\bhttps?:\/\//gi, ' '));
  const c: AnchorContext = {
    ws,
    ts,
    hosts,
    databases: own.databases,
    sites: own.sites,
    any: (k) => ws.some((w) => is(w, k)),
  };
  const rule = ANCHORS[intent];
  if (rule) return rule(c);
  const mine = own.kinds?.ownWords(intent);
  return !!mine && ws.some((w) => mine.has(w));
}
