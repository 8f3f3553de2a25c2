import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { FEATURES_VERSION, intentFeatures } from './features.js';
import { GENERATOR_FILES, generatedDocs, TABLES } from './generator/index.js';
import { predictLogistic, trainLogistic, type LogisticWeights } from './logistic.js';

/** Where `npm run prepare` (node src/requests/train.ts) writes the weights: generated, gitignored, rebuilt when the corpus changes. */
const WEIGHTS = new URL('./generated/intent-weights.json', import.meta.url);
const CORPUS = new URL('./corpus/intents.yaml', import.meta.url);
/** The files a phrasing's features are made by: a word added to the lexicon changes the weights. */
const FEATURE_FILES = ['features.ts', 'concepts-acts.ts', 'concepts-topics.ts', 'text.ts'].map(
  (f) => new URL(`./${f}`, import.meta.url),
);

/** The hand corpus's phrasings as training pairs (the corpus shape is ./classifier.ts's Corpus). */
export function handDocs(corpus: {
  intents: Record<string, Record<string, string[]>>;
}): { text: string; label: string }[] {
  return Object.keys(corpus.intents).flatMap((intent) =>
    Object.values(corpus.intents[intent] ?? {})
      .flat()
      .map((text) => ({ text, label: intent })),
  );
}

/** What the model learns from: the hand corpus's phrasings and the generated ones (./generator/). */
export function trainingDocs(corpus: {
  intents: Record<string, Record<string, string[]>>;
}): { text: string; label: string }[] {
  return [
    ...handDocs(corpus),
    ...generatedDocs(Object.keys(corpus.intents)).map(({ text, label }) => ({ text, label })),
  ];
}

/** What the weights were computed from: the corpus's bytes, the generator's, the tables it keeps away from, the features' version. */
function fingerprint(corpus: { intents: Record<string, Record<string, string[]>> }): string {
  const hash = createHash('sha256').update(readFileSync(CORPUS)).update(JSON.stringify(corpus.intents));
  for (const file of [...GENERATOR_FILES, ...FEATURE_FILES]) hash.update(readFileSync(file));
  // The tables' bytes, not their lines: parsing them cost a start a tenth of a second.
  if (existsSync(TABLES))
    for (const f of readdirSync(TABLES)
      .filter((x) => /^requests-.*\.yaml$/.test(x))
      .sort())
      hash.update(readFileSync(new URL(f, TABLES)));
  return hash.update(`features ${FEATURES_VERSION}`).digest('hex');
}

/** Trains the intent model on the corpus (a few seconds: run by `npm run prepare`, not while a client waits). */
export function trainIntentModel(corpus: { intents: Record<string, Record<string, string[]>> }): LogisticWeights {
  return trainLogistic(trainingDocs(corpus).map((d) => ({ features: intentFeatures(d.text), label: d.label })));
}

/** Computes and writes the weights for the corpus as it is: run by `npm run prepare`. */
export function writeIntentModel(corpus: { intents: Record<string, Record<string, string[]>> }): LogisticWeights {
  const model = trainIntentModel(corpus);
  mkdirSync(new URL('./generated/', import.meta.url), { recursive: true });
  writeFileSync(WEIGHTS, JSON.stringify({ fingerprint: fingerprint(corpus), ...packed(model) }));
  return model;
}

/** The weights as written: the features one per line and their weights as one float32 array in base64 (read in milliseconds, where 18,000 JSON arrays took hundreds). */
interface Packed {
  labels: string[];
  bias: number[];
  features: string;
  weights: string;
}

function packed(model: LogisticWeights): Packed {
  const features = Object.keys(model.weights);
  const k = model.labels.length;
  const matrix = new Float32Array(features.length * k);
  features.forEach((f, i) => matrix.set(model.weights[f], i * k));
  return {
    labels: model.labels,
    bias: model.bias,
    features: features.join('\n'),
    weights: Buffer.from(matrix.buffer).toString('base64'),
  };
}

function unpacked(p: Packed): LogisticWeights {
  const k = p.labels.length;
  const bytes = Buffer.from(p.weights, 'base64');
  const matrix = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const weights: Record<string, ArrayLike<number>> = {};
  p.features.split('\n').forEach((f, i) => (weights[f] = matrix.subarray(i * k, (i + 1) * k)));
  return { labels: p.labels, bias: p.bias, weights };
}

/**
 * The intent model: the prepared weights when they were computed from this corpus, else
 * trained now and written for the next start (a checkout whose corpus changed since
 * `npm run prepare`). The daemon loads it in the background at start (src/api/routes/requests.ts).
 */
export function loadIntentModel(corpus: {
  intents: Record<string, Record<string, string[]>>;
  source?: 'repository' | 'playbooks';
}): LogisticWeights {
  if (existsSync(WEIGHTS)) {
    try {
      const saved = JSON.parse(readFileSync(WEIGHTS, 'utf8')) as Packed & { fingerprint: string };
      if (saved.fingerprint === fingerprint(corpus)) return unpacked(saved);
    } catch {
      // An unreadable file is computed again below.
    }
  }
  // A provider's own playbooks (another folder, its own operations) are trained in memory: the file is serein's own.
  if (corpus.source === 'playbooks') return trainIntentModel(corpus);
  try {
    return writeIntentModel(corpus);
  } catch {
    return trainIntentModel(corpus); // a read-only install: trained in memory only
  }
}

/** Each intent's probability for a text, best first. */
export function predictIntent(model: LogisticWeights, text: string): { label: string; value: number }[] {
  return predictLogistic(model, intentFeatures(text));
}
