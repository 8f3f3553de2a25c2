import { NEGATORS_BEFORE } from './lexicon.js';

/**
 * Whether a negation anywhere in a removal verb's clause governs it: "I don't want anything
 * deleted", « je ne veux, bien sûr, rien supprimer », "I'm not asking you to remove the
 * site", "nobody wants the site deleted". A removal proposed for a request that removes
 * nothing is the worst mistake this engine can make (a calm report of a blank page that
 * said, in passing, "nothing deleted" was once read as deleting the site), so a negation
 * reaches the verb from anywhere before it in its clause, not only from the three words
 * next to it; ./removal.ts reads the near words, this the clause.
 */

/** Words that negate what follows them in their clause, beside {@link NEGATORS_BEFORE}: a negative object or subject. */
const NEGATING = new Set([
  ...NEGATORS_BEFORE,
  'rien',
  'nothing',
  'anything',
  'nobody',
  'noone',
  'none',
  'aucun',
  'aucune',
  'nul',
  'nulle',
  'jamais',
  'hardly',
  'cannot',
  'refuse',
]);
/** Words after a removal verb that say nothing is to be removed ("supprimer quoi que ce soit", "delete anything"). */
const NEGATING_AFTER = new Set(['rien', 'nothing', 'anything', 'aucun', 'aucune', 'none', 'quoi', 'nobody']);
/**
 * Words a negation does not reach past, since a new request starts with them: "I no longer
 * use the blog so please delete it", "je n'utilise plus test_old donc supprimez-la", "I don't
 * know how to delete it". A wish negated before them still reaches the verb (see {@link negatedInClause}).
 */
const SCOPE_ENDS = new Set([
  'so',
  'donc',
  'alors',
  'please',
  'pls',
  'plz',
  'svp',
  'stp',
  'merci',
  'because',
  'car',
  'parce',
  'since',
  'but',
  'mais',
  'then',
  'puis',
  'ensuite',
  'instead',
  'plutot',
  'and',
  'et',
  'how',
  'comment',
  'just',
  'juste',
  'only',
  'seulement',
  'anymore',
]);
/** Verbs through which a negation passes to the removal they ask for: "I'm not asking you to delete", « je n'ai pas besoin de supprimer ». */
const PASSING = [
  'want',
  'wish',
  'veu',
  'voudr',
  'souhait',
  'aimer',
  'like',
  'need',
  'besoin',
  'ask',
  'demand',
  'request',
  'expect',
  'mean',
  'intend',
  'plan',
  'faut',
  'doi',
  'devez',
  'should',
  'must',
  'prefer',
];
/** Things a clause names between a negation and an order that follows it ("plus besoin de test_old supprimez-la"): the negation was about needing the thing. */
export interface Named {
  isThing: (w: string) => boolean;
}

/** Whether the verb at `i` is an order given in its own right (delete, supprimez, vire-la), not a participle, infinitive or noun a negation can govern. */
export function isOrder(ts: string[], i: number): boolean {
  // "supprimez-le": the verb before its joined pronoun.
  const w = ts[i].split('-')[0];
  const prev = ts[i - 1] ?? '';
  if (['to', 'be', 'been', 'being', 'get', 'got', 'soit', 'soient', 'etre', 'sera', 'de', 'd', 'a'].includes(prev))
    return false;
  if (/(ed|ing|ion|ions|al)$/.test(w)) return false;
  // French: supprimez, virons, or a bare form followed by its pronoun ("supprime la", "vire le").
  if (/(ez|ons)$/.test(w) && !/iez$/.test(w)) return true;
  if (/(er|e|es|ee|ees)$/.test(w))
    return ['le', 'la', 'les', 'l', 'moi', 'tout', 'ca'].includes(ts[i + 1] ?? '') && /e$/.test(w);
  return true;
}

/**
 * Whether the piece before `from` ends with a negated wish that the next piece completes:
 * « ce que je ne veux surtout pas, c'est qu'on supprime le site », "what I do not want, really, is…".
 */
function wishNegatedBefore(ts: string[], from: number): boolean {
  // "…is no longer needed. Please delete it": the piece begins a request of its own.
  if (SCOPE_ENDS.has(ts[from] ?? '') || ['longer', 'plus'].includes(ts[from - 2] ?? '')) return false;
  // "The blog we don't need anymore. Can you remove it?": a piece that opens by asking is a request of its own.
  if (ts.slice(from, from + 2).some((w) => MODALS.has(w) || ASKING.has(w))) return false;
  const tail = ts.slice(Math.max(0, from - 3), from);
  const at = tail.findIndex((w) => PASSING.some((p) => w.startsWith(p)));
  if (at < 0) return false;
  const wish = from - tail.length + at;
  // "On n'a plus besoin du blog. Vous pouvez le retirer": a thing no longer needed is a reason to remove it, not a refusal.
  if (['plus', 'longer'].includes(ts[wish - 1] ?? '')) return false;
  // "…we don't need anymore", « on en a pu besoin » (Québec): no longer needed, said after the wish.
  if (ts.slice(wish + 1, from).some((w) => NO_MORE.has(w))) return false;
  return (
    ts.slice(Math.max(0, wish - 3), wish).some((w) => NEGATING.has(w)) ||
    tail.slice(at + 1).some((w) => NEGATING.has(w))
  );
}

/** Words that open a piece by asking: "please delete it", « merci de le supprimer ». */
const ASKING = new Set(['please', 'pls', 'plz', 'merci', 'svp', 'would']);
/** Words after a wish that make it "no longer": "need anymore", « besoin pu » (Québec). */
const NO_MORE = new Set(['anymore', 'pu', 'plus', 'longer']);

/** Modal verbs a client asks with: "you can delete it", « vous pouvez le supprimer ». */
const MODALS = new Set(['can', 'could', 'may', 'pouvez', 'pourriez', 'peux', 'pourrais', 'pouvons']);

/** Whether the verb follows a modal ("you can", « vous pouvez le ») that follows a thing named after the negation. */
function modalAfterThing(ts: string[], from: number, i: number, named: Named): boolean {
  if (/(ed|e|es|ee|ees|ion|ions)$/.test(ts[i]) && !/er$/.test(ts[i])) return false;
  const near = ts.slice(Math.max(from, i - 3), i);
  const m = near.findIndex((w) => MODALS.has(w));
  if (m < 0 || !near.slice(m + 1).every((w) => ['le', 'la', 'les', 'l', 'it', 'them', 'just', 'now'].includes(w)))
    return false;
  return ts.slice(from, i - near.length + m).some(named.isThing);
}

/** The idioms that negate without a negating word: "the last thing I want", « hors de question », "out of the question". */
function idiom(ts: string[], from: number, end: number): boolean {
  for (let k = from; k < end; k++) {
    if (ts[k] === 'last' && ts[k + 1] === 'thing') return true;
    if (ts[k] === 'hors' && ts[k + 2] === 'question') return true;
    if (ts[k] === 'out' && ts[k + 1] === 'of' && (ts[k + 2] === 'question' || ts[k + 3] === 'question')) return true;
  }
  return false;
}

/**
 * Whether a negation in the clause from `from` to `end` governs the removal verb at `i`: a
 * negating word before it with no new request started between (a wish negated passes
 * through to it whatever lies between), a negative object after it, or an idiom; an order
 * given after a negation about a thing itself ("plus besoin de test_old supprimez-la") is not governed.
 */
export function negatedInClause(ts: string[], from: number, i: number, end: number, named: Named): boolean {
  if (wishNegatedBefore(ts, from)) return true;
  if (ts.slice(i + 1, Math.min(end, i + 4)).some((w) => NEGATING_AFTER.has(w))) return true;
  if (idiom(ts, from, end)) return true;
  // An order starts its own clause ("le blog ne sert plus à rien supprimez-le"): only the words next to it
  // (./removal.ts) or a wish negated before it ("I don't want the blog... delete") govern it.
  if (isOrder(ts, i)) return false;
  // "Je n'utilise plus le blog vous pouvez le supprimer": a thing, then "you can" and the verb, is a request of its own.
  if (modalAfterThing(ts, from, i, named)) return false;
  for (let k = i - 1; k >= from; k--) {
    if (!NEGATING.has(ts[k])) continue;
    const between = ts.slice(k + 1, i);
    const cut = between.some((w) => SCOPE_ENDS.has(w));
    const passing = between.some((w) => PASSING.some((p) => w.startsWith(p)));
    if (cut && !passing) continue;
    if (cut && passing) {
      // The wish must come before the cut: "I don't need it so delete it" asks; "I don't want the blog and the shop deleted" does not.
      const wishAt = between.findIndex((w) => PASSING.some((p) => w.startsWith(p)));
      const cutAt = between.findIndex((w) => SCOPE_ENDS.has(w));
      if (cutAt < wishAt || isOrder(ts, i)) continue;
    }
    if (isOrder(ts, i) && between.some(named.isThing)) continue;
    return true;
  }
  return false;
}
