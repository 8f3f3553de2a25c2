/**
 * `npm run prepare` (node --import tsx src/requests/train.ts): computes the request
 * model's weights from the playbooks' phrasings (playbooks/*.words.yaml) and src/requests/corpus/intents.yaml into src/requests/generated/
 * (gitignored), so the daemon never trains while a client waits.
 */
import { loadCorpus } from './classifier.js';
import { writeIntentModel } from './model.js';

const started = performance.now();
const model = writeIntentModel(loadCorpus());
process.stdout.write(
  `request model: ${Object.keys(model.weights).length} features, ${model.labels.length} intents, trained in ${(performance.now() - started).toFixed(0)} ms\n`,
);
