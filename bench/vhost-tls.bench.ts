// One vhost live on an nginx whose sites all have a certificate (issue 25): nginx loads
// every certificate and key at each parse, so a change costs at least one parse of that
// configuration. A private nginx holding 1,000 sites, each with its own certificate pair
// (self-signed, made by openssl, written where serein's template reads them), recorded in
// serein's store; then vhost.create jobs through the API one at a time, against `nginx -t`
// of the same configuration in the same run (one parse of it): the ratio is the target
// (≤ 1.1×). Beside it, each job's steps as the applier timed them (files written, the check,
// the reload from its signal until the new workers run and the old ones stopped, the probes)
// and serein's own time: the job less its reload, which is nginx's parse. BENCH_TLS_RUNS sets
// the repetitions. The private nginx leaves the lab's shared one alone.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon } from '../test/helpers/daemon.js';
import { labNginxArgv, labWebserver } from '../test/helpers/vhost-lab.js';
import { selfSigned } from '../test/helpers/self-signed.js';
import { startPrivateNginx } from '../test/helpers/vhost-nginx.js';
import { certPaths, certVersion, newVhostData, PROBE_PATH } from '../src/nginx/site.js';
import { mapLimit } from '../src/util/concurrency.js';
import { stat, type Figures } from './stats.js';
import { addFillerSite } from './filler-site.js';
import { until200 } from './until-served.js';

const SMOKE = !!process.env.BENCH_SMOKE;
const SITES = Number(process.env.BENCH_TLS_SITES ?? (SMOKE ? 20 : 1000));
const RUNS = Number(process.env.BENCH_TLS_RUNS ?? (SMOKE ? 3 : 10));

export default async function bench(): Promise<Figures> {
  const nginx = await startPrivateNginx('/usr/sbin/nginx');
  const dir = mkdtempSync(join(tmpdir(), 'serein-vhost-tls-bench-'));
  const d = await startTestDaemon({
    config: {
      targets: { local: { type: 'local' } },
      // No system user per site: the figures are nginx's phase and serein's around it, as in issue 25's baseline
      // (a user per site would also exhaust a machine's system ids at thousands of sites).
      webservers: { web: labWebserver(nginx, dir, 'local', { batchWindowMs: undefined, siteUsers: false }) },
    },
  });
  const figures: Figures = {};
  try {
    await d.tenant('bench', { domains: ['bench.test'] });
    const services = d.daemon.engine.services;
    const ws = services.nginx.webserver('web');
    const argv = labNginxArgv(nginx);
    // The sites, each with its own pair, as serein would have installed them.
    const made = performance.now();
    await mapLimit([...Array(SITES).keys()], 4, async (i) => {
      const primary = `tls${i}.bench.test`;
      const { certPem, keyPem } = await selfSigned(primary, dir);
      const version = certVersion(certPem);
      const pair = certPaths(ws, primary, version);
      mkdirSync(pair.dir, { recursive: true, mode: 0o700 });
      writeFileSync(pair.fullchain, certPem);
      writeFileSync(pair.privkey, keyPem, { mode: 0o600 });
      const data = {
        ...newVhostData(ws, 'web', { primary, aliases: [], tls: true, certVersion: version }),
        // One shared pair of logs for the fillers (see vhost.bench.ts: open files).
        accessLog: join(dir, 'fillers.access.log'),
        errorLog: join(dir, 'fillers.error.log'),
      };
      await addFillerSite(services, data);
    });
    figures[`${SITES} sites with certificates: made (openssl, 4 at once)`] = +(
      (performance.now() - made) /
      1000
    ).toFixed(1);
    execFileSync(argv[0], [...argv.slice(1), '-s', 'reload'], { stdio: 'ignore' });
    await until200(nginx.port, `tls${SITES - 1}.bench.test`, PROBE_PATH);

    const parse: number[] = [];
    const live: number[] = [];
    // The job's reload step (the signal until nginx's new workers run, the old ones stopped): nginx's parse.
    const reload: number[] = [];
    const own: number[] = [];
    const step: Record<string, number[]> = {};
    let n = 0;
    for (let i = 0; i < RUNS; i++) {
      // Alternated, on a settled nginx (its master waits 100 ms after a reload), as in vhost.bench.ts.
      await new Promise((r) => setTimeout(r, 150));
      const t = performance.now();
      execFileSync(argv[0], [...argv.slice(1), '-t'], { stdio: 'ignore' });
      parse.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 150));
      const job = await d.runJob('vhost.create', { webserver: 'web', domain: `new${++n}.bench.test`, aliases: [] });
      if (job.status !== 'succeeded') throw new Error(`vhost.create ${job.status}: ${JSON.stringify(job.error)}`);
      live.push(Date.parse(job.finishedAt) - Date.parse(job.createdAt));
      const steps = services.nginx.applier('web').stats.lastSteps!;
      reload.push(steps.reload);
      own.push(live.at(-1)! - steps.reload);
      for (const k of Object.keys(steps) as (keyof typeof steps)[]) (step[k] ??= []).push(steps[k]);
    }
    const stats = services.nginx.applier('web').stats;
    figures[`${SITES} sites with certificates: one nginx parse (nginx -t)`] = stat(parse, 'ms');
    figures[`${SITES} sites with certificates: one vhost live via serein`] = stat(live, 'ms');
    figures[`${SITES} sites with certificates: serein / one nginx parse, medians of the same run`] = +(
      stat(live, 'ms').median / stat(parse, 'ms').median
    ).toFixed(2);
    // Each job over the nginx -t just before it: a paired ratio, less at the mercy of a shared machine's load
    // changing between the two series than the ratio of their medians.
    figures[`${SITES} sites with certificates: serein / one nginx parse, each job over the parse before it`] = stat(
      live.map((l, i) => +(l / parse[i]).toFixed(2)),
      '×',
    );
    figures[`${SITES} sites with certificates: the reload in it (signal to new workers, old ones stopped)`] = stat(
      reload,
      'ms',
    );
    figures[`${SITES} sites with certificates: reload / one nginx parse, medians of the same run`] = +(
      stat(reload, 'ms').median / stat(parse, 'ms').median
    ).toFixed(2);
    figures[`${SITES} sites with certificates: serein's own (the job less its reload)`] = stat(own, 'ms');
    for (const [k, v] of Object.entries(step))
      if (k !== 'reload') figures[`${SITES} sites with certificates: step ${k}`] = stat(v, 'ms');
    figures[`${SITES} sites with certificates: serein's full nginx -t, cheap checks, reloads`] =
      `${stats.tests}, ${stats.quickChecks}, ${stats.reloads}`;
    return figures;
  } finally {
    await d.daemon.stop().catch(() => undefined);
    await nginx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
