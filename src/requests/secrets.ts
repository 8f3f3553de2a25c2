import type { Language } from './intents.js';
import { PASSWORD_WORDS, KEY_WORDS, JOINS, STATES, SMALL, PREFIXES, folded } from './secret-words.js';

/** What replaces a secret: the same mask as serein's logs (src/secrets.ts), which this folder may not import. */
const MASK = '********';

/** What was hidden in a client's words: a password, or a key or token (which the client replaces rather than changes). */
export type SecretKind = 'password' | 'key';

/** A client's words with every secret masked, and what kinds were found (empty: nothing was). */
export interface MaskedText {
  text: string;
  masked: number;
  kinds: SecretKind[];
}

/** One class each, one quantifier each: linear in the text's length (test/hostile/request-text.test.ts). */
const WORD = /\S+/g;
const TOKEN_CHARS = /^[\w+/=~.-]+$/;
const UUID_CHARS = /^[\da-f-]+$/;

/** A word without the quotes and brackets around it, nor the punctuation that ends a clause after it. */
function core(w: string): { start: number; end: number } {
  let start = 0;
  let end = w.length;
  while (start < end && `"'«“‘(<[`.includes(w[start])) start++;
  while (end > start && `"'»”’)>],.;`.includes(w[end - 1])) end--;
  return { start, end };
}

interface Word {
  at: number;
  raw: string;
  folded: string;
}

/**
 * Masks what looks like a secret in a client's words, before anything stores, logs,
 * alerts, emails or posts them: the value after a word naming a password, key or token
 * ("mon mot de passe est Xy7!abc", "pwd: …", "api key=…", "Bearer …"), in English and
 * French; tokens recognised by their shape anywhere (serein's `srn_…`, JWTs, AWS key ids,
 * GitHub, Slack, Stripe keys, long random strings); private key blocks; a password in a
 * URL. Words that only speak of a password ("my password is wrong") are left. Linear in
 * the text's length: one pass over its words, each looked at a bounded number of times.
 */
export function maskSecrets(text: string): MaskedText {
  const spans: { start: number; end: number; kind: SecretKind }[] = [];
  const kinds = new Set<SecretKind>();
  const hide = (start: number, end: number, kind: SecretKind) => {
    if (end <= start) return;
    spans.push({ start, end, kind });
    kinds.add(kind);
  };
  const blocks = privateKeyBlocks(text);
  for (const b of blocks) hide(b.start, b.end, 'key');
  const words: Word[] = [];
  let b = 0; // blocks and words both come in order: one pointer, not a search per word
  for (const m of text.matchAll(WORD)) {
    while (b < blocks.length && blocks[b].end <= m.index) b++;
    if (b < blocks.length && m.index + m[0].length > blocks[b].start) continue;
    words.push({ at: m.index, raw: m[0], folded: folded(m[0]) });
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const c = core(w.raw);
    const value = w.raw.slice(c.start, c.end);
    if (looksLikeToken(value)) {
      hide(w.at + c.start, w.at + c.end, 'key');
      continue;
    }
    inlineSecrets(w, hide);
    const kind = secretWord(words, i);
    if (!kind) continue;
    const found = valueAfter(words, i);
    if (found !== undefined) {
      const v = words[found];
      const vc = core(v.raw);
      hide(v.at + vc.start, v.at + vc.end, kind);
    }
  }
  if (!spans.length) return { text, masked: 0, kinds: [] };
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let from = 0;
  let masked = 0;
  for (const s of spans) {
    if (s.start < from) continue; // inside a span already masked
    out += text.slice(from, s.start) + MASK;
    from = s.end;
    masked++;
  }
  return { text: out + text.slice(from), masked, kinds: [...kinds] };
}

/** The kind of secret a word names, or undefined: "password", "mdp", "mot de passe", "clé", "token"… ("db_password" and "api-key" too). */
function secretWord(words: Word[], i: number): SecretKind | undefined {
  const c = core(words[i].raw);
  let end = c.end;
  while (end > c.start && (words[i].raw[end - 1] === ':' || words[i].raw[end - 1] === '=')) end--; // "mdp:" names the secret that follows
  const w = folded(words[i].raw.slice(c.start, end));
  if (
    w === 'passe' &&
    i >= 2 &&
    words[i - 1].folded === 'de' &&
    (words[i - 2].folded === 'mot' || words[i - 2].folded === 'mots')
  )
    return 'password';
  const last = w.split(/[_-]/).at(-1) ?? w;
  if (PASSWORD_WORDS.has(w) || PASSWORD_WORDS.has(last)) return 'password';
  if (KEY_WORDS.has(w) || KEY_WORDS.has(last)) return 'key';
  return undefined;
}

/**
 * Where the value of the secret named at word `i` is: after a joining word ("is", "est",
 * ":", "="; also a colon ending a word, "for ftp:") within a few words, past small words,
 * unless a word about the secret comes first ("is wrong"); or, with no joining word, the
 * first of the next words that looks like a password (letters with digits or signs).
 */
function valueAfter(words: Word[], i: number): number | undefined {
  const named = words[i].raw;
  if (/[,.;!?]$/.test(named)) return undefined; // "my password, …": the clause ended
  let joined = /[:=]$/.test(named);
  let skipped = 0;
  for (let j = i + 1; j < words.length && j <= i + 6; j++) {
    const w = words[j];
    const c = core(w.raw);
    const f = folded(w.raw.slice(c.start, c.end));
    if (!joined) {
      if (JOINS.has(f) || JOINS.has(w.folded)) {
        joined = true;
        continue;
      }
      if (passwordShaped(w.raw.slice(c.start, c.end))) return j;
      if (STATES.has(f) || /[,.;!?]$/.test(w.raw)) return undefined;
      if (/[:=]$/.test(w.raw)) joined = true;
      continue;
    }
    if (STATES.has(f)) return undefined;
    if (SMALL.has(f) && skipped < 2) {
      skipped++;
      continue;
    }
    return SMALL.has(f) || !f ? undefined : j;
  }
  return undefined;
}

/** `key=value` pairs inside a word (a URL's query, "password=…"), and a URL's password (`ftp://user:pass@host`). */
function inlineSecrets(w: Word, hide: (start: number, end: number, kind: SecretKind) => void): void {
  const scheme = w.raw.indexOf('://');
  if (scheme >= 0) {
    const at = w.raw.indexOf('@', scheme + 3);
    const colon = w.raw.indexOf(':', scheme + 3);
    const slash = w.raw.indexOf('/', scheme + 3);
    if (at > 0 && colon > 0 && colon < at && (slash < 0 || at < slash)) hide(w.at + colon + 1, w.at + at, 'password');
  }
  let from = 0;
  for (let eq = w.raw.indexOf('=', from); eq > 0; eq = w.raw.indexOf('=', from)) {
    let keyStart = eq;
    while (keyStart > 0 && !'?&;:,/"\'(='.includes(w.raw[keyStart - 1])) keyStart--;
    let end = eq + 1;
    while (end < w.raw.length && !'&;,"\')'.includes(w.raw[end])) end++;
    const key = folded(w.raw.slice(keyStart, eq));
    const last = key.split(/[_-]/).at(-1) ?? key;
    const kind: SecretKind | undefined =
      PASSWORD_WORDS.has(key) || PASSWORD_WORDS.has(last)
        ? 'password'
        : KEY_WORDS.has(key) || KEY_WORDS.has(last)
          ? 'key'
          : undefined;
    if (kind) hide(w.at + eq + 1, w.at + end, kind);
    from = end + 1;
  }
  const colon = w.raw.indexOf(':');
  if (colon > 0 && colon < w.raw.length - 1 && w.raw[colon + 1] !== '/') {
    const c = core(w.raw);
    const key = folded(w.raw.slice(c.start, colon));
    const last = key.split(/[_-]/).at(-1) ?? key;
    if (PASSWORD_WORDS.has(key) || PASSWORD_WORDS.has(last)) hide(w.at + colon + 1, w.at + c.end, 'password');
    else if (KEY_WORDS.has(key) || KEY_WORDS.has(last)) hide(w.at + colon + 1, w.at + c.end, 'key');
  }
}

/**
 * A word a person would choose as a password: six characters or more, letters with digits
 * or signs, and no dot, "@" or "/" (a site's name, an address or a path is what a request
 * is about: "the key for shop2.fr" names no secret).
 */
function passwordShaped(v: string): boolean {
  if (v.length < 6 || /[.@/]/.test(v)) return false;
  return /\p{L}/u.test(v) && /[^\p{L}]/u.test(v);
}

/**
 * A token by its shape alone: a known prefix (serein's `srn_`, GitHub's `ghp_`…), a JWT, or
 * 20 characters and more of one token alphabet mixing letters and digits without being a
 * word, a host name or a UUID (a job's id is not a secret).
 */
function looksLikeToken(v: string): boolean {
  if (v.length < 16 || !TOKEN_CHARS.test(v)) return false;
  const eq = v.indexOf('=');
  if (eq >= 0 && v.slice(eq).replaceAll('=', '') !== '') return false; // key=value: only the value is masked (inlineSecrets); base64 pads at the end only
  const f = v.toLowerCase();
  if (PREFIXES.some((p) => f.startsWith(p))) return true;
  if (v.startsWith('eyJ') && v.split('.').length === 3) return true;
  if (v.length < 20 || v.includes('.')) return false;
  if (
    UUID_CHARS.test(f) &&
    f
      .split('-')
      .map((p) => p.length)
      .join() === '8,4,4,4,12'
  )
    return false;
  let digits = 0;
  let switches = 0;
  let upper = 0;
  let lower = 0;
  for (let k = 0; k < v.length; k++) {
    const d = v[k] >= '0' && v[k] <= '9';
    if (d) digits++;
    else if (v[k] >= 'A' && v[k] <= 'Z') upper++;
    else if (v[k] >= 'a' && v[k] <= 'z') lower++;
    if (k > 0 && d !== (v[k - 1] >= '0' && v[k - 1] <= '9') && /[A-Za-z\d]/.test(v[k - 1]) && /[A-Za-z\d]/.test(v[k]))
      switches++;
  }
  if (!digits || upper + lower === 0) return false;
  // Random strings change between letters and digits often, names rarely ("wp_boutique_2024_prod": once).
  return switches >= 4 || (upper > 0 && lower > 0 && switches >= 2 && v.length >= 24);
}

/**
 * `-----BEGIN … PRIVATE KEY-----` … `-----END … KEY-----`, or to the end of the text when it
 * was cut. Each search starts where the last one of its kind stopped: linear.
 */
function privateKeyBlocks(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const dashes = finder(text, '-----');
  const endMark = finder(text, '-----END');
  for (let start = text.indexOf('-----BEGIN'); start >= 0;) {
    const head = dashes(start + 10);
    let end = start + 10;
    if (head >= 0 && text.slice(start, head).includes('PRIVATE KEY')) {
      const tail = endMark(head);
      const close = tail >= 0 ? dashes(tail + 8) : -1;
      end = close >= 0 ? close + 5 : text.length;
      out.push({ start, end });
    }
    start = text.indexOf('-----BEGIN', end);
  }
  return out;
}

/** The next `mark` at or after a position, asked for positions that only grow: each search starts past the last one found. */
function finder(text: string, mark: string): (from: number) => number {
  let at = -1;
  let none = false;
  return (from) => {
    if (!none && at < from) {
      at = text.indexOf(mark, from);
      none = at < 0;
    }
    return none ? -1 : at;
  };
}

/**
 * The sentence that tells a client a secret was in their words, first what to do: change
 * the password (replace the key) now, then why, and that nobody will ever ask for one.
 */
export function secretWarning(kinds: SecretKind[], lang: Language): string {
  const password = kinds.includes('password');
  if (lang === 'fr') {
    return password
      ? "Changez ce mot de passe maintenant\u00a0: il était écrit dans votre message. Nous l'avons masqué avant d'enregistrer ou de transmettre votre demande, mais un mot de passe écrit dans un message n'est plus secret. N'envoyez jamais de mot de passe, de clé ou de jeton ici\u00a0: personne de notre équipe ne vous en demandera."
      : "Remplacez cette clé maintenant\u00a0: elle était écrite dans votre message. Nous l'avons masquée avant d'enregistrer ou de transmettre votre demande, mais une clé écrite dans un message n'est plus secrète. N'envoyez jamais de mot de passe, de clé ou de jeton ici\u00a0: personne de notre équipe ne vous en demandera.";
  }
  return password
    ? 'Change that password now: it was written in your message. We hid it before storing or passing on your request, but a password written in a message is no longer secret. Never send a password, key or token here: nobody on our team will ever ask you for one.'
    : 'Replace that key now: it was written in your message. We hid it before storing or passing on your request, but a key written in a message is no longer secret. Never send a password, key or token here: nobody on our team will ever ask you for one.';
}
