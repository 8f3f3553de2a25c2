/**
 * A client's reply without the message it quotes: e-mail clients put the earlier message
 * after "> " and a line such as "On Mar 2, Support wrote:" or « Le 2 mars, Support a écrit : ».
 * The quoted words are the support's, not the client's: a database was once named after
 * the quoted question's "souhaitez-vous", a certificate asked for the site the quote said
 * was done, and "Support wrote" read as asking for a person. The whole message still tells
 * the model what the reply is about ("do the same for the shop").
 */

/** A line that introduces a quoted message. */
const HEADER =
  /^\s*>*\s*(on .{3,80}wrote\s*:?|le .{3,80}a (é|e)crit\s*:?|-{2,}\s*(original message|message d'origine)\s*-{2,})\s*$/i;

/** The client's own words: the message without the lines it quotes (the whole message when it is nothing but a quote). */
export function replyOf(text: string): string {
  if (!text.includes('>') && !/wrote|a (é|e)crit|original message|message d'origine/i.test(text)) return text;
  const lines = text.split('\n');
  const own = lines.filter((l) => !/^\s*>/.test(l) && !HEADER.test(l));
  const reply = own.join('\n').trim();
  return /\p{L}/u.test(reply) ? reply : text;
}

/** Words with which a client takes back what they just asked: "actually no", « en fait non », "scratch that". */
const TAKEN_BACK = new RegExp(
  `(?:${[
    ...['actually,? no', 'no,? wait', 'wait,? no', 'oh wait', 'scratch that', 'forget (that|it)', 'never ?mind'],
    ...['sorry,? i meant', 'i meant', 'my bad', 'oops', 'correction ?:'],
    ...[
      'en fait,? non',
      'finalement,? non',
      'non,? (en fait|finalement|pardon)',
      'ah non',
      'oh non',
      'pardon,? je voulais dire',
    ],
    ...[
      'je voulais dire',
      'laisse[zr]? tomber',
      'oubliez (ça|ca)',
      'oublie (ça|ca)',
      'je me suis tromp(é|e)',
      'erreur de ma part',
    ],
  ]
    .map((m) => `\\b(?:${m})(?!\\w)`)
    .join('|')})[\\s,.;:!…-]*`,
  'gi',
);

/** What the client asks after changing their mind inside the message ("a new site… actually no, just the certificate"): the words after the last taking back. */
export function lastMind(text: string): string {
  let end = -1;
  for (const m of text.matchAll(TAKEN_BACK)) end = m.index + m[0].length;
  if (end < 0) return text;
  const rest = text.slice(end);
  return /\p{L}{3}/u.test(rest) ? rest : text;
}

/** Top-level domains a name said aloud ends with ("soldes point exemple point fr"). */
const SPOKEN_TLD = 'fr|com|net|org|be|ch|ca|eu|io|de|uk|lu|info|biz|co';
const SPOKEN = new RegExp(
  `\\b([\\p{L}\\d-]+(?:\\s+(?:point|dot)\\s+[\\p{L}\\d-]+)*\\s+(?:point|dot)\\s+(?:${SPOKEN_TLD}))\\b`,
  'giu',
);

/** A name dictated or spelled out ("nouveau site soldes point exemple point fr", "sale dot exemple dot fr") written as a name. */
export function spokenDots(text: string): string {
  if (!/\s(point|dot)\s/i.test(text)) return text;
  return text.replace(SPOKEN, (whole) => whole.replace(/\s+(?:point|dot)\s+/gi, '.'));
}
