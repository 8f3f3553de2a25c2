import { is } from './lexicon.js';
import { fold, hostNames, tokens, words } from './text.js';

/** A message cut into its requests: sentences, then "et", "and", "puis", "then", "also"; each piece with its text as written. */
export function clauses(text: string): string[] {
  const out: string[] = [];
  for (const sentence of text.split(/[;!?\n]|[.,:](?=\s)/)) {
    const parts = sentence.split(/(\s+)/);
    let acc = '';
    for (const part of parts) {
      if (/^\s+$/.test(part)) {
        acc += part;
        continue;
      }
      const w = fold(part);
      // "Un site avec une base": "with" joins a second thing asked, when a thing follows it.
      // (« rien à voir avec le SSL », "nothing to do with SSL": one piece, the thing denied.)
      const denied = /(voir|do)\s*$/i.test(acc);
      if (['avec', 'with', 'plus'].includes(w) && acc.trim() && !denied && thingFollows(sentence, part)) {
        out.push(acc.trim());
        acc = '';
        continue;
      }
      // A joining word ends a piece; a second one in a row ("et puis", "and then") starts nothing.
      // « Pis » is Québec's « puis » (« pis tant qu'à y être »), never in « tant pis », « de mal en pis ».
      const pis = w === 'pis' && !/(tant|en)\s*$/i.test(acc);
      if (
        pis ||
        ['et', 'and', 'puis', 'then', 'ensuite', 'also', 'aussi', '&', '+', 'but', 'mais', 'ainsi'].includes(w)
      ) {
        if (acc.trim()) out.push(acc.trim());
        acc = '';
        continue;
      }
      acc += part;
    }
    if (acc.trim()) out.push(acc.trim());
  }
  // A name alone after a colon ("un site en plus : soldes.exemple.fr") is the object of the piece before it.
  const kept: string[] = [];
  for (const c of out) {
    // "…créez-en une nouvelle appelée test_new, en MariaDB": a few words saying where finish the piece before them.
    const ts = tokens(c);
    if (kept.length && ts.length <= 3 && WHERE.has(ts[0]) && !hostNames(c).length) kept[kept.length - 1] += `, ${c}`;
    else if (ts.length > 0) kept.push(c);
    else if (kept.length && hostNames(c).length) kept[kept.length - 1] += `: ${c}`;
  }
  return kept;
}

/** Words that start a piece saying where the piece before it goes ("en MariaDB", "on postgres"). */
const WHERE = new Set(['en', 'in', 'on', 'sur']);

/** Whether a database or a certificate is named within the two words after `joiner` in the sentence. */
function thingFollows(sentence: string, joiner: string): boolean {
  const ws = words(sentence);
  const at = ws.indexOf(fold(joiner));
  return ws.slice(at + 1, at + 4).some((w) => is(w, 'db') || is(w, 'cert'));
}
