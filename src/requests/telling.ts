import { is } from './lexicon.js';

/**
 * What a client's words tell rather than ask, read as words (no pattern): a site that does not open, a question
 * about what the provider offers, a person's topic. ./reading.ts reads them beside the model.
 */

/**
 * Where the words say a site does not open ("won't open", "can't open it", « ne s'ouvre pas », « ne s'ouvre plus »):
 * a symptom, not a site to open.
 */
export function notOpening(ws: string[]): Set<number> {
  const out = new Set<number>();
  ws.forEach((w, i) => {
    if (!OPENING.some((o) => w.startsWith(o))) return;
    const before = ws.slice(Math.max(0, i - 3), i);
    if (before.some((x) => NOT_OPEN.has(x)) || ['pas', 'plus', 'jamais'].includes(ws[i + 1] ?? '')) out.add(i);
  });
  return out;
}
// "Won't load on phones", « ne se charge plus », « ne s'affiche pas »: not opening, whatever the verb.
const OPENING = ['open', 'ouvr', 'ouvre', 'load', 'charg', 'affich'];
const NOT_OPEN = new Set(['won', 'wont', 'doesn', 'don', 'didn', 'can', 'cant', 'cannot', 'not', 'never', 'ne', 'n']);

/** Whether the words name what a person takes (the account, a bill, the storage, mail): no site is made of them alone. */
export function personTopic(ws: string[]): boolean {
  return ws.some((w) => ['account', 'billing', 'storage', 'mail'].some((t) => is(w, t)));
}

/**
 * Whether the words ask what the provider offers ("do you also host Minecraft servers?", « est-ce que vous
 * hébergez… », « hébergez-vous… »): a question for a person, not a site to make.
 */
export function asksWhatWeOffer(ws: string[]): boolean {
  const offer = (w: string | undefined) => !!w && OFFER.some((o) => w.startsWith(o));
  return ws.some(
    (w, i) =>
      (w === 'you' &&
        ['do', 'does'].includes(ws[i - 1] ?? '') &&
        (offer(ws[i + 1]) || (ws[i + 1] === 'also' && offer(ws[i + 2])))) ||
      (w === 'vous' && ws[i - 1] === 'que' && ws[i - 2] === 'ce' && (offer(ws[i + 1]) || offer(ws[i + 2]))) ||
      (w === 'vous' && offer(ws[i - 1]) && (ws[i - 1] ?? '').endsWith('ez')),
  );
}
const OFFER = ['host', 'heberg', 'offer', 'propos', 'support', 'sell', 'vend', 'provid', 'fourn', 'gere', 'manag'];
