/**
 * A renewal pass in a process of its own, to be SIGKILLed mid-pass (test/multi-daemon-renewal-takeover.test.ts):
 * `node --import tsx renewal-holder.ts <config.json> <ISO time>` opens the store the file names, runs
 * one renewal pass at that time whose renewals never end (each submitted job stays queued), and prints
 * `submitted <certificate> <idempotency key>` for each, so the test kills it holding its claims.
 */
import { readFileSync } from 'node:fs';
import { CertificateMaintenance } from '../../src/certificates/maintain.js';
import { configSchema } from '../../src/config/schema.js';
import { Store } from '../../src/store/store.js';
import { scheduleEngine } from './fleet.js';

const config = configSchema.parse(JSON.parse(readFileSync(process.argv[2], 'utf8')));
const store = await Store.open(config.store);
const engine = scheduleEngine(config, store, async (_caller, req) => {
  process.stdout.write(`submitted ${String(req.inputs?.certificate)} ${req.idempotencyKey}\n`);
  // A job no one runs: the pass waits for it until the process is killed.
  return { job: { id: `held-${String(req.inputs?.certificate)}`, status: 'queued' } as never, created: true };
});
const at = new Date(process.argv[3]);
await new CertificateMaintenance(engine, () => at).tick();
