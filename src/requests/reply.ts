/**
 * A client's reply without the message it quotes: e-mail clients put the earlier message
 * after "> " and a line such as "On Mar 2, Support wrote:" or « Le 2 mars, Support a écrit : ».
 * The quoted words are the support's, not the client's: a database was once named after
 * the quoted question's "souhaitez-vous", a certificate asked for the site the quote said
 * was done, and "Support wrote" read as asking for a person. The whole message still tells
 * the model what the reply is about ("do the same for the shop").
 */

/** Whether a line introduces a quoted message ("On Mar 2, Support wrote:", « Le 2 mars, Support a écrit : », "-- Original Message --"); read as words, not one regular expression, which recheck could not prove linear. */
function isQuoteHeader(line: string): boolean {
  let l = line.trim();
  while (l.startsWith('>')) l = l.slice(1).trimStart();
  while (l.endsWith(':')) l = l.slice(0, -1).trimEnd();
  l = l.toLowerCase();
  const between = (a: string, b: string) =>
    l.startsWith(a) && l.endsWith(b) && l.length - a.length - b.length >= 3 && l.length - a.length - b.length <= 80;
  if (between('on ', 'wrote') || between('le ', 'a écrit') || between('le ', 'a ecrit')) return true;
  const dashes = l.startsWith('--') && l.endsWith('--');
  while (l.startsWith('-')) l = l.slice(1);
  while (l.endsWith('-')) l = l.slice(0, -1);
  return dashes && ['original message', "message d'origine"].includes(l.trim());
}

/** A ticket's form fields, filled by the ticket system or picked from a list ("Category: SSL", « Catégorie : Noms de domaine »): never the request. */
const FORM_FIELDS = new Set([
  'category',
  'categorie',
  'catégorie',
  'priority',
  'priorite',
  'priorité',
  'department',
  'departement',
  'département',
]);

/** The message without its ticket's form field lines: "Category: SSL" above "I want the site deleted" asks no certificate. */
export function withoutFields(text: string): string {
  if (!text.includes(':')) return text;
  const lines = text.split('\n');
  const kept = lines.filter((l) => {
    const at = l.indexOf(':');
    return at < 0 || !FORM_FIELDS.has(l.slice(0, at).trim().toLowerCase());
  });
  return kept.length && kept.some((l) => /\p{L}/u.test(l)) ? kept.join('\n') : text;
}

/** Words that open a message by greeting: "Hello support,", « Bonjour l'équipe, ». */
const GREETINGS = new Set([
  'hello',
  'hi',
  'hey',
  'dear',
  'bonjour',
  'salut',
  'bonsoir',
  'allo',
  'cher',
  'chere',
  'chers',
]);
/** Words that name the team greeted, never a person asked for: "Hello support team", « Bonjour au support technique ». */
const ADDRESSEE = new Set(
  'support team equipe technical technique tech customer service services client clients helpdesk staff help desk the le la l au aux du de of all tous'.split(
    ' ',
  ),
);
/**
 * The message without the team its greeting names ("Hello support, photographer here…" → "Hello, …"): the
 * support greeted is no request for a person.
 */
export function withoutAddressee(text: string): string {
  let cut = 0;
  while (cut < text.length && cut < 60 && !',\n!.:'.includes(text[cut])) cut++;
  if (cut >= text.length || cut >= 60) return text;
  const head = text.slice(0, cut).trim().split(/\s+/);
  const folded = head.map((w) =>
    w
      .toLowerCase()
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, ''),
  );
  const k = GREETINGS.has(folded[0]) ? 1 : folded[0] === 'good' ? 2 : 0;
  const rest = folded.slice(k).flatMap((w) => w.split("'"));
  if (!k || !rest.length || !rest.every((w) => ADDRESSEE.has(w))) return text;
  return head.slice(0, k).join(' ') + text.slice(cut);
}

/**
 * The message without the writer introducing themselves ("photographer here,", "IT manager here.", « ici Julie de
 * la boulangerie, »): who writes is no request, and "manager" or "support" in it is no person asked for.
 */
export function withoutIntroduction(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    // A dot inside a name (blog.exemple.fr) ends nothing.
    const dotInName = text[i] === '.' && i + 1 < text.length && !/\s/.test(text[i + 1]);
    if (i < text.length && (!',.;!\n'.includes(text[i]) || dotInName)) continue;
    const piece = text.slice(start, i);
    const said = piece.trim().split(/\s+/);
    const ws = said.map((w) => w.toLowerCase());
    // « ici Julie… » names the writer (a capital); « ici boutique.fr ne marche plus » is about the site.
    const intro =
      ws.length >= 2 &&
      ws.length <= 5 &&
      !piece.includes('.') &&
      (ws[ws.length - 1] === 'here' || (ws[0] === 'ici' && /^\p{Lu}/u.test(said[1])));
    out += intro ? '' : text.slice(start, i + 1);
    if (intro && i < text.length) out += text[i] === '\n' ? '\n' : '';
    start = i + 1;
  }
  return /\p{L}/u.test(out) ? out : text;
}

/** The client's own words: the message without the lines it quotes (the whole message when it is nothing but a quote). */
export function replyOf(text: string): string {
  if (!text.includes('>') && !/wrote|a (é|e)crit|original message|message d'origine/i.test(text)) return text;
  const lines = text.split('\n');
  const own = lines.filter((l) => !/^\s*>/.test(l) && !isQuoteHeader(l));
  const reply = own.join('\n').trim();
  return /\p{L}/u.test(reply) ? reply : text;
}

/** Words with which a client takes back what they just asked: "actually no", « en fait non », "scratch that" (each way of writing it, lower case). */
const TAKEN_BACK = [
  ...['actually, no', 'actually no', 'no, wait', 'no wait', 'wait, no', 'wait no', 'oh wait', 'scratch that'],
  ...['forget that', 'forget it', 'never mind', 'nevermind', 'sorry, i meant', 'sorry i meant', 'i meant', 'my bad'],
  ...['oops', 'correction:', 'correction :', 'en fait, non', 'en fait non', 'finalement, non', 'finalement non'],
  ...['non, en fait', 'non en fait', 'non, finalement', 'non finalement', 'non, pardon', 'non pardon', 'ah non'],
  ...['oh non', 'pardon, je voulais dire', 'pardon je voulais dire', 'je voulais dire', 'laisse tomber'],
  ...['laissez tomber', 'laisser tomber', 'oubliez ça', 'oubliez ca', 'oublie ça', 'oublie ca'],
  ...['je me suis trompé', 'je me suis trompe', 'erreur de ma part'],
];
/** Words that start the thing a taking back is about: "never mind the deletion", « laissez tomber la suppression ». */
const TAKEN_BACK_THING = new Set([
  'the',
  'this',
  'that',
  'about',
  'my',
  'our',
  'la',
  'le',
  'les',
  'ma',
  'mon',
  'ce',
  'cette',
]);
/**
 * Where the request after a taking back starts: "never mind the deletion from last week, keep everything" takes
 * back its object (up to the next mark), not the words before it.
 */
function pastWhatIsTakenBack(text: string, end: number): number {
  if (text[end] !== ' ') return end;
  const next = text
    .slice(end + 1, end + 12)
    .split(/[\s']/)[0]
    .toLowerCase();
  if (!TAKEN_BACK_THING.has(next)) return end;
  let k = end;
  while (k < text.length && !',.;:!?\n'.includes(text[k])) k++;
  return k;
}
/** What may follow a taking back before the request it leads to. */
const AFTER_TAKEN_BACK = ' \t\r\n,.;:!…-';
const wordChar = (ch: string | undefined) => !!ch && /\w/.test(ch);

/**
 * What the client asks after changing their mind inside the message ("a new site… actually
 * no, just the certificate"): the words after the last taking back. Found by searching each
 * way of writing one, since one regular expression of them all could not be proved linear.
 */
export function lastMind(text: string): string {
  const low = text.toLowerCase();
  // A lower case of another length (rare letters) cannot be cut at the same places: read whole.
  if (low.length !== text.length) return text;
  let end = -1;
  for (const m of TAKEN_BACK)
    for (let i = low.indexOf(m); i >= 0; i = low.indexOf(m, i + 1))
      if (!wordChar(low[i - 1]) && !wordChar(low[i + m.length])) end = Math.max(end, i + m.length);
  if (end < 0) return text;
  end = pastWhatIsTakenBack(text, end);
  while (end < text.length && AFTER_TAKEN_BACK.includes(text[end])) end++;
  const rest = text.slice(end);
  return /\p{L}{3}/u.test(rest) ? rest : text;
}

/** Top-level domains a name said aloud ends with ("soldes point exemple point fr"). */
const SPOKEN_TLD = 'fr|com|net|org|be|ch|ca|eu|io|de|uk|lu|info|biz|co';
const TLDS = new Set(SPOKEN_TLD.split('|'));
const SAID_DOT = new Set(['point', 'dot']);
const spokenWord = (t: string | undefined) => !!t && /^[\p{L}\d-]+$/u.test(t);

/** A name dictated or spelled out ("nouveau site soldes point exemple point fr", "sale dot exemple dot fr") written as a name. */
export function spokenDots(text: string): string {
  if (!/\s(point|dot)\s/i.test(text)) return text;
  // Words and the spaces between them, kept so the rest of the message is unchanged.
  const parts = text.split(/(\s+)/);
  const word = (k: number) => parts[k]?.toLowerCase();
  for (let i = 0; i < parts.length; i += 2) {
    if (!spokenWord(parts[i]) || SAID_DOT.has(word(i) ?? '')) continue;
    // The longest run "w point w point … tld", ending at its last top-level domain.
    let last = -1;
    for (let j = i; SAID_DOT.has(word(j + 2) ?? ''); j += 4) {
      const next = parts[j + 4];
      const bare = trailing(next);
      if (!spokenWord(bare)) break;
      if (TLDS.has(bare.toLowerCase())) last = j + 4;
      // "exemple, point fr": a stop ends the name.
      if (bare !== next) break;
    }
    if (last < 0) continue;
    const names = [];
    for (let k = i; k <= last; k += 4) names.push(parts[k]);
    parts.splice(i, last - i + 1, names.join('.'));
  }
  return parts.join('');
}

/** A word without the punctuation that may close a sentence after it ("fr." in "… point fr."). */
function trailing(t: string | undefined): string {
  if (!t) return '';
  let end = t.length;
  while (end > 0 && '.,;:!?)'.includes(t[end - 1])) end--;
  return t.slice(0, end);
}
