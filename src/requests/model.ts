import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURES_VERSION, intentFeatures } from './features.js';
import { GENERATOR_FILES, generatedDocs, TABLES } from './generator/index.js';
import { predictLogistic, trainLogistic, trainLogisticInTurns, type LogisticWeights } from './logistic.js';

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

/** The prepared weights (`npm run prepare`) when they were computed from this very corpus; else nothing, and nothing trained. */
export function preparedIntentModel(corpus: {
  intents: Record<string, Record<string, string[]>>;
}): LogisticWeights | undefined {
  return readWeights(WEIGHTS, fingerprint(corpus));
}

function readWeights(file: URL | string, wanted: string): LogisticWeights | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Packed & { fingerprint: string };
    // Weights computed from other words are never used: another corpus, other operations.
    return saved.fingerprint === wanted ? unpacked(saved) : undefined;
  } catch {
    return undefined; // unreadable: trained again
  }
}

/** The file in a daemon's state folder that keeps the weights of its own playbooks' words. */
export function cachedModelFile(stateDir: string): string {
  return join(stateDir, 'requests', 'intent-weights.json');
}

/**
 * A daemon's model for its own playbooks' words (a provider's): the weights kept in its
 * state folder when their fingerprint is this corpus's, else trained in turns (the daemon
 * keeps answering) and written atomically for the next start, so only the first start
 * after a change of words trains. `trained` says which it was.
 */
export async function cachedIntentModel(
  corpus: { intents: Record<string, Record<string, string[]>> },
  stateDir: string,
): Promise<{ model: LogisticWeights; trained: boolean }> {
  const file = cachedModelFile(stateDir);
  const print = fingerprint(corpus);
  const kept = readWeights(file, print);
  if (kept) return { model: kept, trained: false };
  const docs: { features: string[]; label: string }[] = [];
  for (const [i, d] of trainingDocs(corpus).entries()) {
    if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
    docs.push({ features: intentFeatures(d.text), label: d.label });
  }
  const model = await trainLogisticInTurns(docs);
  try {
    mkdirSync(join(stateDir, 'requests'), { recursive: true, mode: 0o700 });
    // A file half written by a crash is never read: written beside, then renamed over.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ fingerprint: print, ...packed(model) }), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A state folder that cannot be written: trained again at the next start.
  }
  return { model, trained: true };
}

/** Each intent's probability for a text, best first. */
export function predictIntent(model: LogisticWeights, text: string): { label: string; value: number }[] {
  return predictLogistic(model, intentFeatures(text));
}
