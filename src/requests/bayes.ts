/**
 * A naive Bayes classifier over sets of features, computed as `natural` 8 computed it
 * (apparatus's BayesClassifier with smoothing 1, binary features over the training
 * vocabulary), so the scores stay what `npm run eval:requests` measured: serein used
 * nothing else of natural, whose package pulled MongoDB, Redis and WordNet (49 MB).
 */
export class NaiveBayes {
  private readonly docs: { features: readonly string[]; label: string }[] = [];
  /** Per label: how many training documents hold each feature, plus the smoothing. */
  private readonly counts = new Map<string, Map<string, number>>();
  /** Per label: its documents, plus one for smoothing. */
  private readonly totals = new Map<string, number>();
  /** Every feature seen in training: an observation's others say nothing. */
  private readonly vocabulary = new Set<string>();
  private examples = 1;

  constructor(private readonly smoothing = 1) {}

  addDocument(features: readonly string[], label: string): void {
    if (features.length === 0) return;
    this.docs.push({ features, label });
    for (const f of features) this.vocabulary.add(f);
  }

  train(): void {
    for (const { features, label } of this.docs.splice(0)) {
      const counts = this.counts.get(label) ?? new Map<string, number>();
      this.counts.set(label, counts);
      this.totals.set(label, (this.totals.get(label) ?? 1) + 1);
      this.examples++;
      for (const f of new Set(features)) counts.set(f, (counts.get(f) ?? this.smoothing) + 1);
    }
  }

  /** Each label with its score (prior × likelihood, not normalised), best first. */
  getClassifications(observation: readonly string[]): { label: string; value: number }[] {
    const seen = [...new Set(observation)].filter((f) => this.vocabulary.has(f));
    const scored = [...this.counts].map(([label, counts]) => {
      const total = this.totals.get(label)!;
      const log = seen.reduce((sum, f) => sum + Math.log((counts.get(f) ?? this.smoothing) / total), 0);
      return { label, value: (total / this.examples) * Math.exp(log) };
    });
    return scored.sort((a, b) => b.value - a.value);
  }
}
