/**
 * Multinomial logistic regression over sparse binary features, trained by AdaGrad with L2.
 * Written here rather than taken from npm: the maintained JavaScript packages
 * (ml-logistic-regression 2.0.0 with ml-matrix) are one-vs-rest over dense matrices, which
 * for ~10,000 features and ~700 phrasings costs seconds and megabytes where this costs a
 * few hundred milliseconds at build time and a few microseconds per request.
 */
export interface LogisticWeights {
  labels: string[];
  /** feature → one weight per label (an array when trained, a view of one float32 array when read from the prepared file). */
  weights: Record<string, ArrayLike<number>>;
  bias: number[];
}

/** Training settings: passes over the data, L2 strength, AdaGrad's step, the shuffling seed. */
export interface TrainOptions {
  epochs?: number;
  l2?: number;
  rate?: number;
  seed?: number;
}

/** Trains on (features, label) pairs; the same data and options always give the same weights. */
export function trainLogistic(docs: { features: string[]; label: string }[], o: TrainOptions = {}): LogisticWeights {
  const steps = training(docs, o);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same training, giving the event loop back every few hundred phrasings: a daemon
 * training a provider's model at start keeps answering meanwhile.
 */
export async function trainLogisticInTurns(
  docs: { features: string[]; label: string }[],
  o: TrainOptions = {},
): Promise<LogisticWeights> {
  const steps = training(docs, o);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The training as steps: it yields after every 200 phrasings and returns the weights. */
function* training(
  docs: { features: string[]; label: string }[],
  o: TrainOptions,
): Generator<void, LogisticWeights, void> {
  const { epochs = 20, l2 = 1e-2, rate = 0.3, seed = 20 } = o;
  const labels = [...new Set(docs.map((d) => d.label))].sort();
  const k = labels.length;
  const w = new Map<string, Float64Array>();
  const g2 = new Map<string, Float64Array>();
  const bias = new Float64Array(k);
  const biasG2 = new Float64Array(k).fill(1e-8);
  const row = (m: Map<string, Float64Array>, f: string, init = 0) => {
    let r = m.get(f);
    if (!r) m.set(f, (r = new Float64Array(k).fill(init)));
    return r;
  };
  const order = docs.map((_, i) => i);
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let n = 0; n < order.length; n++) {
      if (n % 200 === 199) yield;
      const { features, label } = docs[order[n]];
      // Each feature's rows looked up once per phrasing, not once per label.
      const ws = features.map((f) => row(w, f));
      const gs = features.map((f) => row(g2, f, 1e-8));
      const p = probabilities(features, (_, i) => ws[i], bias, k);
      const y = labels.indexOf(label);
      for (let c = 0; c < k; c++) {
        const grad = p[c] - (c === y ? 1 : 0);
        biasG2[c] += grad * grad;
        bias[c] -= (rate * grad) / Math.sqrt(biasG2[c]);
        for (let i = 0; i < ws.length; i++) {
          const wr = ws[i];
          const gr = gs[i];
          const gf = grad + l2 * wr[c];
          gr[c] += gf * gf;
          wr[c] -= (rate * gf) / Math.sqrt(gr[c]);
        }
      }
    }
  }
  const weights: Record<string, number[]> = {};
  for (const [f, r] of w) weights[f] = [...r].map((x) => Math.round(x * 1e5) / 1e5);
  return { labels, weights, bias: [...bias].map((x) => Math.round(x * 1e5) / 1e5) };
}

/** Each label's probability for a set of features, in the order of `labels`. */
export function predictLogistic(m: LogisticWeights, features: string[]): { label: string; value: number }[] {
  const p = probabilities([...new Set(features)], (f) => m.weights[f], m.bias, m.labels.length);
  return m.labels.map((label, i) => ({ label, value: p[i] })).sort((a, b) => b.value - a.value);
}

function probabilities(
  features: string[],
  weight: (f: string, i: number) => ArrayLike<number> | undefined,
  bias: ArrayLike<number>,
  k: number,
): Float64Array {
  const z = Float64Array.from(bias);
  for (let i = 0; i < features.length; i++) {
    const r = weight(features[i], i);
    if (r) for (let c = 0; c < k; c++) z[c] += r[c];
  }
  const max = Math.max(...z);
  let sum = 0;
  for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c] - max);
  for (let c = 0; c < k; c++) z[c] /= sum;
  return z;
}
