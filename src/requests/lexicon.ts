import { ACTS } from './concepts-acts.js';
import { TOPIC_WORDS } from './concepts-topics.js';
import type { Topic } from './intents.js';

/**
 * The small lexicon of hosting jargon as clients write it, in both languages: each word
 * (folded, by its start) says which thing or act it is about. The classifier gets these
 * concepts as features beside the words, so "cadenas", "ssl" and "cryptage" weigh alike
 * with few phrasings; the rules of ./reading.ts use them to anchor an operation in words.
 * The concepts are the things and acts (./concepts-acts.ts) and the topics for a person
 * (./concepts-topics.ts).
 */
const CONCEPTS: Record<string, string[]> = { ...ACTS, ...TOPIC_WORDS };

/** The concepts of a folded word (see {@link is}). */
export function concepts(word: string): string[] {
  return Object.keys(CONCEPTS).filter((c) => is(word, c));
}

/** Whether a folded word is about the concept: it begins with one of its starts; a start of 3 letters or fewer, or ending in `$`, is the whole word. */
export function is(word: string, concept: string): boolean {
  return (CONCEPTS[concept] ?? []).some((s) =>
    s.endsWith('$') ? word === s.slice(0, -1) : s.length <= 3 ? word === s || word === `${s}s` : word.startsWith(s),
  );
}

/** Words that say a removal is not asked ("ne supprimez pas", "don't delete", "sans effacer"), when within three words before it. */
export const NEGATORS_BEFORE = new Set([
  'ne',
  'n',
  'pas',
  'not',
  'don',
  'dont',
  'never',
  'jamais',
  'sans',
  'without',
  'no',
  'nor',
  'ni',
  'aucun',
  'aucune',
  'shouldn',
  'mustn',
  'won',
  'wont',
  'avoid',
  'eviter',
  'evitez',
  'surtout',
]);
/** Words that say a removal is not asked when right after it: "supprimez pas", "delete nothing". */
export const NEGATORS_AFTER = new Set(['pas', 'jamais', 'rien', 'nothing', 'not', 'surtout']);
/** Words before a removal verb that make it something that happened, not a request: "mon site a été supprimé", "my db was deleted". */
export const PAST = new Set([
  'ete',
  'was',
  'were',
  'been',
  'got',
  'gets',
  'est',
  'sont',
  'is',
  'are',
  'has',
  'have',
  'had',
  'fut',
  'etait',
  'avez',
  'avait',
  // French perfect tense: « nous avons retiré WordPress » tells what was done (never `a`, which « à » folds to).
  'avons',
  'ont',
  'ai',
  'avions',
  'avaient',
  'accidentally',
  'accidentellement',
  'deja',
  'already',
]);

/** Words that are a removal only once the rest says so ("plus besoin de", "no longer need"): counted when the classifier reads a removal too. */
export const NO_LONGER = [
  ['plus', 'besoin'],
  ['no', 'longer'],
  ['not', 'needed'],
  ['plus', 'utilise'],
  ['plus', 'utilisee'],
  ['anymore'],
];

/** Two words that name a topic together, counted twice: "back up", "broke into", "compte client" (the account, not the mail in it). */
const TOPIC_PAIRS: Record<string, [string, string][]> = {
  backup: [
    ['back', 'up'],
    ['backed', 'up'],
    ['backing', 'up'],
  ],
  hacked: [
    ['broke', 'into'],
    ['break', 'into'],
    ['broken', 'into'],
    ['broke', 'in'],
    ['got', 'into'],
    ['gotten', 'into'],
  ],
  account: [
    ['compte', 'client'],
    ['espace', 'client'],
    ['customer', 'account'],
    ['client', 'area'],
    ['customer', 'area'],
  ],
};

/** "Pouvez-vous me conseiller un thème" is to advise, « personne ne répond » is nobody: no person asked for. */
function notAPerson(ws: string[], i: number): boolean {
  return (
    (ws[i] === 'conseiller' && ['me', 'nous', 'm'].includes(ws[i - 1])) ||
    (ws[i] === 'personne' && ['ne', 'n'].includes(ws[i + 1]))
  );
}

/** The topic of a request serein cannot act on, from its words; `other` when none is named. */
export function topicOf(ws: string[], frustrated: boolean): Topic {
  const count = (c: string) =>
    ws.filter((w, i) => is(w, c) && !(c === 'human' && notAPerson(ws, i))).length +
    (TOPIC_PAIRS[c] ?? []).filter(([a, b]) => ws.some((w, i) => w === a && ws[i + 1] === b)).length * 2;
  const order: [Topic, string][] = [
    ['hacked', 'hacked'],
    ['billing', 'billing'],
    ['mail', 'mail'],
    ['backup', 'backup'],
    ['password', 'password'],
    ['storage', 'storage'],
    ['account', 'account'],
    ['human', 'human'],
  ];
  // A break-in is the topic whatever else is said ("hacked, I want a human"); a lost password is, over the account it opens.
  if (count('hacked')) return 'hacked';
  if (count('password') && !count('billing') && !count('mail')) return 'password';
  let best: Topic | undefined;
  let most = 0;
  for (const [topic, concept] of order) {
    const n = count(concept);
    if (n > most) [best, most] = [topic, n];
  }
  if (best) return best;
  return frustrated || count('anger') ? 'anger' : 'other';
}
