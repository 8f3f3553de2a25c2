// Certificates at a provider's scale (issue 12): N certificate.issue jobs at once through
// the API (default config, admin token) against the limit, a bare acme-client loop
// (concurrency 16, 50 ms minimum backoff) writing its tokens into the same nginx's
// challenge folder, both against the lab's Pebble (no validation sleep) in the same run.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { mapLimit } from '../src/util/concurrency.js';
import { startLab } from '../test/lab/lab.js';
import { labCertConfig } from '../test/helpers/acme-lab.js';
import { startTestDaemon } from '../test/helpers/daemon.js';
import { stat, type Figures } from './stats.js';

const SIZES = process.env.BENCH_SMOKE ? [2] : [20, 50];
const RUNS = process.env.BENCH_SMOKE ? 1 : 3;

export default async function bench(): Promise<Figures> {
  const lab = await startLab(['pebble']);
  const dir = mkdtempSync(join(tmpdir(), 'serein-certs-bench-'));
  const figures: Figures = {};
  try {
    // The bare loop: acme-client's auto(), tokens written where nginx serves them.
    acme.axios.defaults.httpsAgent = new Agent({ ca: readFileSync(lab.pebble!.caCertPath) });
    const client = new acme.Client({ directoryUrl: lab.pebble!.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey(), backoffMin: 50, backoffMax: 500, backoffAttempts: 30 });
    await client.createAccount({ termsOfServiceAgreed: true });
    const challenges = join(lab.nginx!.webRoot, '.well-known', 'acme-challenge');
    mkdirSync(challenges, { recursive: true });
    const bare = async (names: string[]) => {
      const t = performance.now();
      await mapLimit(names, 16, async (name) => {
        const [, csr] = await acme.crypto.createCsr({ commonName: name }, await acme.crypto.createPrivateEcdsaKey());
        await client.auto({
          csr, challengePriority: ['http-01'], skipChallengeVerification: true, termsOfServiceAgreed: true,
          challengeCreateFn: async (_a, c, key) => writeFileSync(join(challenges, c.token), key),
          challengeRemoveFn: async (_a, c) => rmSync(join(challenges, c.token), { force: true }),
        });
      });
      return performance.now() - t;
    };
    // serein: the sites exist (vhost.create, not timed), then N certificate.issue at once.
    const d = await startTestDaemon({ config: labCertConfig(lab, dir) });
    try {
      for (const n of SIZES) {
        const bareRuns: number[] = [];
        const sereinRuns: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          const reg = `${randomBytes(4).toString('hex')}.test`;
          await d.tenant(`c${randomBytes(3).toString('hex')}`, { domains: [reg], servers: ['lab'] });
          const sites = Array.from({ length: n }, (_, i) => `s${i}.${reg}`);
          for (let i = 0; i < n; i += 10) await Promise.all(sites.slice(i, i + 10).map((s) => d.runJob('vhost.create', { webserver: 'lab', domain: s })));
          bareRuns.push(await bare(Array.from({ length: n }, (_, i) => `b${i}.${reg}`)));
          const t = performance.now();
          const jobs = await Promise.all(sites.map((s) => d.runJob('certificate.issue', { domains: [s] })));
          sereinRuns.push(performance.now() - t);
          const failed = jobs.filter((j) => j.status !== 'succeeded');
          if (failed.length) throw new Error(`${failed.length} of ${n} failed: ${JSON.stringify(failed[0].error)}`);
        }
        figures[`N = ${n}: bare acme-client loop, concurrency 16 (the limit)`] = stat(bareRuns, 'ms');
        figures[`N = ${n}: certificate.issue jobs through the API, at once`] = stat(sereinRuns, 'ms');
        figures[`N = ${n}: serein / bare loop, each run's own ratio`] = stat(sereinRuns.map((s, i) => s / bareRuns[i]), '×');
      }
    } finally {
      await d.stop();
    }
    return figures;
  } finally {
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
