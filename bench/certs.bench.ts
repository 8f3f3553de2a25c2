// Certificates at a provider's scale (issue 12): N certificate.issue jobs at once through
// the API (default config, admin token) against the limit, a bare acme-client loop
// (concurrency 16, 50 ms minimum backoff) writing its tokens into the same nginx's
// challenge folder, and against what a panel runs, certbot and lego (one process per
// name), all against the lab's Pebble (no validation sleep) in the same run.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as acme from 'acme-client';
import { mapLimit } from '../src/util/concurrency.js';
import { startLab, type Lab } from '../test/lab/lab.js';
import { labCertConfig } from '../test/helpers/acme-lab.js';
import { startTestDaemon } from '../test/helpers/daemon.js';
import { stat, type Figures, type Stat } from './stats.js';

const SMOKE = !!process.env.BENCH_SMOKE;
const SIZES = SMOKE ? [2] : [50, 200];
const RUNS = SMOKE ? 1 : 3;
/** Names each reference client gets, one process each (after one untimed process that registers its account). */
const REFERENCE_NAMES = SMOKE ? 1 : 3;
/** The targets, per-certificate throughput against serein's at the largest N. */
const TARGETS: Record<string, number> = { certbot: 45, lego: 100 };

const run = promisify(execFile);

/**
 * certbot's and lego's command lines for one name: webroot mode into the lab nginx's
 * default server (the lab DNS answers 127.0.0.1 for every name), Pebble's CA trusted,
 * every file under `home`, so that nothing outside the lab is read, written or reached.
 */
function referenceClients(
  lab: Lab,
  home: string,
): Record<string, (name: string) => { argv: string[]; env: Record<string, string> }> {
  const { directoryUrl, caCertPath } = lab.pebble!;
  const webroot = lab.nginx!.webRoot;
  const cb = join(home, 'certbot');
  return {
    certbot: (name) => ({
      argv: [
        'certonly',
        '--non-interactive',
        '--agree-tos',
        '--register-unsafely-without-email',
        '--server',
        directoryUrl,
        '--webroot',
        '-w',
        webroot,
        '-d',
        name,
        '--config-dir',
        cb,
        '--work-dir',
        cb,
        '--logs-dir',
        cb,
      ],
      env: { REQUESTS_CA_BUNDLE: caCertPath },
    }),
    lego: (name) => ({
      argv: [
        '--accept-tos',
        '--email',
        'bench@serein.test',
        '--server',
        directoryUrl,
        '--domains',
        name,
        '--http',
        '--http.webroot',
        webroot,
        '--path',
        join(home, 'lego'),
        'run',
      ],
      env: { LEGO_CA_CERTIFICATES: caCertPath },
    }),
  };
}

/**
 * Seconds per certificate of each reference client: one process per name, one after the
 * other, as a panel runs them; the account is registered by a first, untimed process (as a
 * panel's would already be) except in the smoke run. A client that is missing or fails
 * gets a note instead of figures: serein's own figures still count.
 */
async function referenceTimes(lab: Lab, home: string): Promise<Record<string, number[] | string>> {
  const out: Record<string, number[] | string> = {};
  const reg = `${randomBytes(4).toString('hex')}.test`;
  for (const [bin, command] of Object.entries(referenceClients(lab, home))) {
    const times: number[] = [];
    try {
      for (let i = SMOKE ? 1 : 0; i <= REFERENCE_NAMES; i++) {
        const { argv, env } = command(`${bin}${i}.${reg}`);
        const t = performance.now();
        await run(bin, argv, { env: { ...process.env, ...env }, timeout: 120_000 });
        if (i > 0) times.push((performance.now() - t) / 1000);
      }
      out[bin] = times;
    } catch (err) {
      const e = err as { code?: string; stderr?: string; message: string };
      out[bin] =
        e.code === 'ENOENT'
          ? 'not installed (test/lab/setup.sh installs it)'
          : `failed: ${(e.stderr || e.message).slice(-300)}`;
    }
  }
  return out;
}

export default async function bench(): Promise<Figures> {
  const lab = await startLab(['pebble']);
  const dir = mkdtempSync(join(tmpdir(), 'serein-certs-bench-'));
  const figures: Figures = {};
  try {
    // The reference clients first, on a quiet nginx (their names fall to its default server).
    const reference = await referenceTimes(lab, dir);
    const perCert: Record<string, Stat> = {};
    for (const [bin, times] of Object.entries(reference)) {
      if (typeof times === 'string') figures[`${bin}, one process per name (s per certificate)`] = times;
      else figures[`${bin}, one process per name (s per certificate)`] = perCert[bin] = stat(times, 's');
    }
    // The bare loop: acme-client's auto(), tokens written where nginx serves them.
    acme.axios.defaults.httpsAgent = new Agent({ ca: readFileSync(lab.pebble!.caCertPath) });
    const client = new acme.Client({
      directoryUrl: lab.pebble!.directoryUrl,
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
      backoffMin: 50,
      backoffMax: 500,
      backoffAttempts: 30,
    });
    await client.createAccount({ termsOfServiceAgreed: true });
    const challenges = join(lab.nginx!.webRoot, '.well-known', 'acme-challenge');
    mkdirSync(challenges, { recursive: true });
    const bare = async (names: string[]) => {
      const t = performance.now();
      await mapLimit(names, 16, async (name) => {
        const [, csr] = await acme.crypto.createCsr({ commonName: name }, await acme.crypto.createPrivateEcdsaKey());
        await client.auto({
          csr,
          challengePriority: ['http-01'],
          skipChallengeVerification: true,
          termsOfServiceAgreed: true,
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
        for (let r = 0; r < RUNS; r++) {
          const reg = `${randomBytes(4).toString('hex')}.test`;
          await d.tenant(`c${randomBytes(3).toString('hex')}`, { domains: [reg], servers: ['lab'] });
          const sites = Array.from({ length: n }, (_, i) => `s${i}.${reg}`);
          for (let i = 0; i < n; i += 10)
            await Promise.all(
              sites.slice(i, i + 10).map((s) => d.runJob('vhost.create', { webserver: 'lab', domain: s })),
            );
          bareRuns.push(await bare(Array.from({ length: n }, (_, i) => `b${i}.${reg}`)));
          const t = performance.now();
          const jobs = await Promise.all(sites.map((s) => d.runJob('certificate.issue', { domains: [s] })));
          sereinRuns.push(performance.now() - t);
          const failed = jobs.filter((j) => j.status !== 'succeeded');
          if (failed.length) throw new Error(`${failed.length} of ${n} failed: ${JSON.stringify(failed[0].error)}`);
        }
        // serein's seconds per certificate in each run: the wall of N at once, over N.
        const sereinPerCert = sereinRuns.map((ms) => ms / 1000 / n);
        figures[`N = ${n}: bare acme-client loop, concurrency 16 (the limit)`] = stat(bareRuns, 'ms');
        figures[`N = ${n}: certificate.issue jobs through the API, at once`] = stat(sereinRuns, 'ms');
        figures[`N = ${n}: serein / bare loop, each run's own ratio`] = stat(
          sereinRuns.map((s, i) => s / bareRuns[i]),
          '×',
        );
        figures[`N = ${n}: serein, wall / N (s per certificate)`] = stat(sereinPerCert, 's');
        for (const [bin, their] of Object.entries(perCert)) {
          const target = n === SIZES[SIZES.length - 1] ? ` (target ≥ ${TARGETS[bin]}×)` : '';
          figures[`N = ${n}: ${bin}'s median s per certificate / serein's, each run${target}`] = stat(
            sereinPerCert.map((s) => their.median / s),
            '×',
          );
        }
      }
    } finally {
      // Not d.stop(): it deletes every site, one vhost.delete job after the other (seconds
      // each with hundreds of sites, half an hour for 750), on an nginx the lab removes anyway.
      // The daemon's temporary folder goes when the process exits (test/helpers/tmp.ts).
      await d.daemon.stop();
    }
    return figures;
  } finally {
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
