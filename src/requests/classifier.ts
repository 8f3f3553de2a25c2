import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { distance } from 'fastest-levenshtein';
import { NaiveBayes } from './bayes.js';
import { cachedIntentModel, loadIntentModel, predictIntent, preparedIntentModel } from './model.js';
import type { LogisticWeights } from './logistic.js';
import { features, fold, words } from './text.js';

import { loadAllOperationWords, type OperationWords } from '../operation-words.js';
import { requestable, type Intent, type Language, type Operations } from './intents.js';

export { type Intent, type Language };

/** The corpus: phrasings per intent and language, the operations' words, and the vocabularies slot filling uses. */
export interface Corpus {
  /** Every intent's phrasings: the operations' from their words files, `diagnose` and `human` from ./corpus/intents.yaml. */
  intents: Record<Intent, Record<Language, string[]>>;
  /** The operations a request may ask for, with their words (proposal sentences, how inputs are filled). */
  operations: Operations;
  /** `repository`: the phrasings of serein's own playbooks, whose weights `npm run prepare` computes and keeps. */
  source: 'repository' | 'playbooks';
  frustration: string[];
  apps: string[];
  aliases: string[][];
  generic: string[];
  markers: string[];
}

/** serein's own playbooks, whose words `npm run prepare` trains on. */
const PLAYBOOKS = new URL('../../playbooks/', import.meta.url);

/**
 * The corpus for a set of playbooks' words (the daemon's: the engine loaded them with its
 * playbooks), or, without, for serein's own playbooks folder (training, the evaluation).
 * The intents the model learns are the operations that declare phrasings, then `diagnose`
 * and `human`, whose phrasings are kept in ./corpus/intents.yaml with the vocabularies.
 */
export function loadCorpus(words?: Iterable<[string, OperationWords | undefined]>): Corpus {
  const own = parse(readFileSync(new URL('./corpus/intents.yaml', import.meta.url), 'utf8')) as Omit<
    Corpus,
    'operations' | 'source'
  >;
  const operations = requestable(words ?? loadAllOperationWords(fileURLToPath(PLAYBOOKS)));
  const intents: Corpus['intents'] = {};
  for (const [name, w] of operations) intents[name] = w.request.phrasings;
  // A phrasing an operation declares is that operation's: a provider's mailbox.create takes
  // "create a mailbox" from `human`, where it waited for a person while serein could not do it.
  const declared = new Set(Object.values(intents).flatMap((p) => [...p.en, ...p.fr].map(fold)));
  const rest = Object.fromEntries(
    Object.entries(own.intents).map(([intent, byLang]) => [
      intent,
      { en: byLang.en.filter((p) => !declared.has(fold(p))), fr: byLang.fr.filter((p) => !declared.has(fold(p))) },
    ]),
  );
  return {
    ...own,
    intents: { ...intents, ...rest },
    operations,
    source: words ? 'playbooks' : 'repository',
  };
}

/** What the classifiers make of a text: the intent with a confidence in [0, 1], the runner-up, the language. */
export interface Classified {
  /** Every intent with its probability, best first. */
  ranked: { intent: Intent; confidence: number }[];
  intent: Intent;
  confidence: number;
  second: { intent: Intent; confidence: number };
  language: Language;
  languageConfidence: number;
}

/** Which model reads the intent: the logistic regression (the daemon's), or the former naive Bayes (kept for the evaluation's comparison). */
export type ModelKind = 'logistic' | 'bayes';

/**
 * The trained classifiers: a multinomial logistic regression (./model.ts, weights computed
 * by `npm run prepare`) for the intent, and naive Bayes (./bayes.ts) over words and
 * trigrams for the language, trained in a few milliseconds. The former naive Bayes intent
 * model fitted 87 % of its own corpus; it stays for `npm run eval:requests` to compare.
 */
export class RequestClassifier {
  private readonly intent = new NaiveBayes();
  private readonly logistic?: LogisticWeights;
  private readonly language = new NaiveBayes();
  /** Every word of the corpus, to read a misspelt word as the known word it is closest to. */
  private readonly vocabulary = new Set<string>();

  constructor(
    readonly corpus: Corpus,
    readonly kind: ModelKind = 'logistic',
    weights?: LogisticWeights,
  ) {
    if (kind === 'logistic') this.logistic = weights ?? loadIntentModel(corpus);
    for (const intent of Object.keys(corpus.intents)) {
      for (const lang of ['en', 'fr'] as const) {
        for (const text of corpus.intents[intent]?.[lang] ?? []) {
          for (const w of words(text)) this.vocabulary.add(w);
          if (kind === 'bayes') this.intent.addDocument(features(text), intent);
          this.language.addDocument(languageFeatures(text), lang);
        }
      }
    }
    this.intent.train();
    this.language.train();
  }

  classify(text: string): Classified {
    const ranked = this.logistic
      ? predictIntent(this.logistic, text)
      : normalise(this.intent.getClassifications(features(this.spelled(text))));
    // The language is read only when asked: a message's pieces are classified for their operation alone.
    let langs: { label: string; value: number }[] | undefined;
    const language = () => (langs ??= normalise(this.language.getClassifications(languageFeatures(text))));
    return {
      ranked: ranked.map((r) => ({ intent: r.label as Intent, confidence: r.value })),
      intent: ranked[0].label as Intent,
      confidence: ranked[0].value,
      second: { intent: ranked[1].label as Intent, confidence: ranked[1].value },
      get language() {
        return language()[0].label as Language;
      },
      get languageConfidence() {
        return language()[0].value;
      },
    };
  }

  /** The text with each unknown word replaced by the corpus word one or two letters away ("databse", "certifcat"). */
  spelled(text: string): string {
    return words(text)
      .map((w) => {
        if (w.length < 5 || this.vocabulary.has(w)) return w;
        let best = w;
        let bestDistance = w.length >= 8 ? 3 : 2;
        for (const known of this.vocabulary) {
          if (Math.abs(known.length - w.length) >= bestDistance) continue;
          const d = distance(w, known);
          if (d < bestDistance) [best, bestDistance] = [known, d];
        }
        return best;
      })
      .join(' ');
  }

  /** Whether the text shows the client losing patience (the corpus's frustration phrases). */
  frustrated(text: string): boolean {
    const folded = ` ${fold(text).replace(/\s+/g, ' ')} `;
    return this.frustration.some((p) => folded.includes(p));
  }

  /** The corpus's frustrated phrases, folded once. */
  private get frustration(): string[] {
    return (this.foldedFrustration ??= this.corpus.frustration.map(fold));
  }
  private foldedFrustration?: string[];
}

/** Words as they are written (French and English differ in their small words) and their trigrams. */
function languageFeatures(text: string): string[] {
  const out = new Set<string>();
  for (const w of words(text)) {
    out.add(`w:${w}`);
    const padded = `<${w}>`;
    for (let i = 0; i + 3 <= padded.length; i++) out.add(`c:${padded.slice(i, i + 3)}`);
  }
  return [...out];
}

/** Bayes scores as shares of their sum, so a confidence reads as a probability; all zero reads as no idea. */
function normalise(scores: { label: string; value: number }[]): { label: string; value: number }[] {
  const total = scores.reduce((s, c) => s + (Number.isFinite(c.value) ? c.value : 0), 0);
  return scores.map((c) => ({ label: c.label, value: total > 0 ? c.value / total : 1 / scores.length }));
}

/** The classifier of serein's own playbooks, and those of each set of playbooks' words asked for. */
let own: RequestClassifier | undefined;
const byWords = new WeakMap<object, RequestClassifier>();
/** By the words themselves: daemons of one process with the same playbooks share one model. */
const byContent = new Map<string, RequestClassifier>();

/**
 * The daemon's classifier for its playbooks' words, built once (the route loads it in the
 * background at start); without words, for serein's own playbooks.
 */
export function requestClassifier(words?: readonly [string, OperationWords | undefined][]): RequestClassifier {
  if (!words) return (own ??= new RequestClassifier(loadCorpus()));
  let classifier = byWords.get(words);
  if (!classifier) {
    const corpus = loadCorpus(words);
    const key = JSON.stringify([...corpus.operations]);
    classifier = byContent.get(key) ?? new RequestClassifier(corpus);
    byContent.set(key, classifier);
    byWords.set(words, classifier);
  }
  return classifier;
}

/** The models being loaded or trained, by their words: two daemons with the same words wait for one training. */
const loading = new Map<string, Promise<{ classifier: RequestClassifier; trained: boolean }>>();

/**
 * The daemon's classifier for its playbooks' words, loaded at start without blocking: the
 * repository's prepared weights when the words are serein's own, else the weights kept in
 * the state folder for these words, else trained in turns and kept there (the first start
 * after the words changed). `trained` says whether this call trained.
 */
export async function loadRequestClassifier(
  words: readonly [string, OperationWords | undefined][],
  stateDir: string,
): Promise<{ classifier: RequestClassifier; trained: boolean }> {
  const corpus = loadCorpus(words);
  const key = JSON.stringify([...corpus.operations]);
  const known = byContent.get(key);
  if (known) {
    byWords.set(words, known);
    return { classifier: known, trained: false };
  }
  let pending = loading.get(key);
  if (!pending) {
    pending = (async () => {
      const prepared = preparedIntentModel(corpus);
      const { model, trained } = prepared
        ? { model: prepared, trained: false }
        : await cachedIntentModel(corpus, stateDir);
      const classifier = new RequestClassifier(corpus, 'logistic', model);
      byContent.set(key, classifier);
      return { classifier, trained };
    })().finally(() => loading.delete(key));
    loading.set(key, pending);
  }
  const done = await pending;
  byWords.set(words, done.classifier);
  return done;
}

/** The classifier for these words if it is loaded (see {@link loadRequestClassifier}), else nothing. */
export function readyClassifier(words: readonly [string, OperationWords | undefined][]): RequestClassifier | undefined {
  return byWords.get(words);
}

/**
 * serein's own classifier when its prepared weights match its playbooks (nothing to
 * train): what a daemon whose words differ answers with while its own model trains.
 */
export function preparedClassifier(): RequestClassifier | undefined {
  if (own || ownUnprepared) return own;
  const corpus = loadCorpus();
  const weights = preparedIntentModel(corpus);
  ownUnprepared = !weights;
  return weights ? (own = new RequestClassifier(corpus, 'logistic', weights)) : undefined;
}
/** serein's own weights were not prepared for its words (a checkout changed since npm run prepare): not looked for again. */
let ownUnprepared = false;

/** Forgets the classifiers kept in memory: a test starts a daemon again in the same process as a new process would. */
export function forgetClassifiers(): void {
  own = undefined;
  ownUnprepared = false;
  byContent.clear();
}
