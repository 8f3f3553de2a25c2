import { distance } from 'fastest-levenshtein';
import { concepts } from './lexicon.js';
import { engineOf, FILLER, NAMING, NAMING_SKIP } from './naming-words.js';
import { fold } from './text.js';

/**
 * Names a client gives: only what they name explicitly ("appelée stock", "named shop",
 * "name it shop", between quotes) or one of their own things. A word that happens to
 * follow "for" is no name: databases were once named `merci`, `thanks`, `je` or `name`.
 */

/** A valid database name (database.create's pattern) from a word, or nothing; filler words are never names. */
export function dbName(word: string | undefined): string | undefined {
  const w = word && fold(word).replace(/-/g, '_');
  return w && !FILLER.has(w) && /^[a-z][a-z0-9_]{0,14}$/.test(w) ? w : undefined;
}

/** A name the client put between quotes: theirs, even a word that is filler elsewhere (« une base 'merci' »). */
export function quotedName(word: string | undefined): string | undefined {
  const w = word && fold(word).replace(/-/g, '_');
  return w && /^[a-z][a-z0-9_]{0,14}$/.test(w) ? w : undefined;
}

/** The names written between quotes: "shop", « stock », 'crm', `orders`. */
export function quoted(text: string): string[] {
  const out: string[] = [];
  const open = new Set(['"', '“', '«', '`', "'", '‘']);
  const close = new Set(['"', '”', '»', '`', "'", '’']);
  for (let i = 0; i < text.length; i++) {
    if (!open.has(text[i])) continue;
    // A single quote opens a name only after a space or at the start: "l'ancienne" is no quote.
    if ((text[i] === "'" || text[i] === '‘') && i > 0 && !/\s/.test(text[i - 1])) continue;
    let j = i + 1;
    while (j < text.length && text[j] === ' ') j++;
    const start = j;
    while (j < text.length && j - start <= 40 && /[\p{L}\p{N}_-]/u.test(text[j])) j++;
    const word = text.slice(start, j);
    while (j < text.length && text[j] === ' ') j++;
    if (word && close.has(text[j]) && (text[j] !== "'" || j + 1 >= text.length || !/\p{L}/u.test(text[j + 1])))
      out.push(word);
  }
  return out;
}

/** The text with each name written between quotes made one neutral letter: a name says nothing of what is asked ("une base 'facturation'" is no invoice). */
export function unquoted(text: string): string {
  let out = text;
  for (const name of quoted(text)) if (!jargon(name)) out = out.split(name).join('x');
  return out;
}

/** Jargon a client quotes because it is not theirs ("our web man said we need an 'SSL'", « un 'certif' »): the thing asked, not a name. */
const JARGON = new Set(['cert', 'dns']);
function jargon(name: string): boolean {
  return concepts(fold(name)).some((c) => JARGON.has(c));
}

/** The name after a naming word ("called shop", "name it shop", "nom : shop"), skipping pronouns and articles. */
export function namedAfterMarker(tokens: string[]): string | undefined {
  // "appelle-la compta": a naming word joined to its pronoun is read as two words.
  const ws = tokens.flatMap((t) => (t.includes('-') && NAMING.has(t.split('-')[0]) ? t.split('-') : [t]));
  for (let i = 0; i < ws.length; i++) {
    if (!NAMING.has(ws[i])) continue;
    let j = i + 1;
    while (j < ws.length && NAMING_SKIP.has(ws[j])) j++;
    const name = dbName(ws[j]);
    if (name) return name;
  }
  return undefined;
}

/** The engine the client names (PostgreSQL, Postgres, MySQL, MariaDB), if any. */
export function engineNamed(ws: string[]): 'postgres' | 'mariadb' | undefined {
  for (const [i, w] of ws.entries()) {
    const e = engineOf(w);
    // "Pas en postgres, en MariaDB", "not postgres but mysql": the engine refused is not the one chosen.
    if (e && !ws.slice(Math.max(0, i - 2), i).some((x) => REFUSING.has(x))) return e;
  }
  return undefined;
}

/** Words that, just before an engine's name, refuse it. */
const REFUSING = new Set(['pas', 'not', 'no', 'sans', 'without', 'non']);

/** One of the client's databases, with the server it is on and its full name (what the client types to delete it). */
export interface OwnDatabase {
  name: string;
  server: string;
  full?: string;
}

/**
 * The client's databases the words point to: named in full or short (typos of one letter
 * forgiven from 5 letters), or by all the parts of the name ("the old test database" is
 * test_old), or by one part that only one database has.
 */
export function databasesNamed(ws: string[], named: string[], dbs: OwnDatabase[]): OwnDatabase[] {
  const said = new Set([...ws, ...named.map((n) => fold(n))]);
  const exact = dbs.filter((d) =>
    [...said].some(
      (w) =>
        w === d.name ||
        w === d.full ||
        (w.length >= 5 && (distance(w, d.name) <= 1 || (d.full !== undefined && distance(w, d.full) <= 1))),
    ),
  );
  if (exact.length) return exact;
  const parts = (d: OwnDatabase) => d.name.split('_').filter((p) => p.length >= 2);
  const whole = dbs.filter((d) => parts(d).length > 1 && parts(d).every((p) => said.has(p)));
  if (whole.length) return whole;
  const some = dbs.filter((d) => parts(d).some((p) => p.length >= 4 && !FILLER.has(p) && said.has(p)));
  return some;
}

/** Common words that follow or precede the word "database" without naming one ("la base de test", "a database server"). */
const NOT_A_NAME = new Set(
  'de des du la le les pour for on sur with avec server serveur please svp stp merci thanks name nom named called appelee nommee et and to a an the my mon ma une un new nouvelle nouveau vide empty propre clean quickly vite also aussi again encore too own ready pret prete included inclus incluse compris comprise quick simple separate dedicated dediee'.split(
    ' ',
  ),
);

/** The name written right after the word "database" ("une base agenda", "database stock"), or, in English, right before it ("a clients database"). */
export function besideDatabaseWord(tokens: string[]): string | undefined {
  const kind = new Set(['base', 'bdd', 'bd', 'db', 'database']);
  for (let i = 0; i < tokens.length; i++) {
    // "Une base de données inventaire": the name follows the whole phrase.
    let phrase = tokens[i] === 'base' && tokens[i + 1] === 'de' && tokens[i + 2] === 'donnees' ? 2 : 0;
    // "Nouvelle base postgres : logs_app", "a mysql database crm": the engine between the kind and the name.
    if (engineOf(tokens[i + 1 + phrase] ?? '')) phrase++;
    if (!kind.has(tokens[i])) continue;
    for (const w of [tokens[i + 1 + phrase], tokens[i - 1]]) {
      // A word with an underscore is a name ("test_new"), whatever a part of it means.
      if (!w || NOT_A_NAME.has(w) || engineOf(w) || w.length < 3 || (!w.includes('_') && concepts(w).length)) continue;
      const name = dbName(w);
      if (name && (w === tokens[i + 1 + phrase] || tokens[i] !== 'base')) return name;
    }
  }
  return undefined;
}
