// One vhost live, request to probed: a vhost.create job through the API (preflight, site
// folder, stage, nginx -t, reload, probe on the site's names) on a private nginx already
// holding 0, 1,000 and 5,000 sites (rendered from serein's own template and recorded in
// its store, as a provider's would be), one at a time (p50/p99) and 500 at once; the shell
// loop a panel would run (write the file, nginx -t, reload, poll until the new name
// answers) on the same nginx in the same run as the baseline. The private nginx leaves the
// lab's shared one alone.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon } from '../test/helpers/daemon.js';
import { labNginxArgv, labWebserver } from '../test/helpers/vhost-lab.js';
import { startPrivateNginx } from '../test/helpers/vhost-nginx.js';
import { newVhostData, PROBE_PATH } from '../src/nginx/site.js';
import { sharedLogsSnippet } from '../src/nginx/shared-logs.js';
import { loadRequestClassifier } from '../src/requests/classifier.js';
import { percentile, stat, type Figures } from './stats.js';
import { addFillerSite } from './filler-site.js';
import { until200 } from './until-served.js';

const SMOKE = !!process.env.BENCH_SMOKE;
const ONE_BY_ONE = SMOKE ? 2 : 10;
const AT_ONCE = SMOKE ? 4 : 500;
/**
 * BENCH_AT_ONCE_ONLY=1000: only the 500 at once, on that many sites (no one-at-a-time samples), so a change to
 * the burst can be measured alone, old and new code in turn, in minutes.
 */
const BURST_ONLY = process.env.BENCH_AT_ONCE_ONLY ? Number(process.env.BENCH_AT_ONCE_ONLY) : undefined;
/**
 * The sites already on the nginx at each stage; "at once" runs at the first two only (at 5,000 it would mostly
 * time nginx's own reloads). BENCH_VHOST_SITES=10000 (a comma-separated list) runs other stages, one vhost at a time.
 */
const CHOSEN = process.env.BENCH_VHOST_SITES?.split(',').map(Number);
const STAGES = BURST_ONLY !== undefined ? [BURST_ONLY] : (CHOSEN ?? (SMOKE ? [0, 50] : [0, 1000, 5000]));
/**
 * BENCH_SHARED_LOGS=1: every site (the fillers too) logs through the web server's shared logs (sharedLogs),
 * as a provider with 10,000 sites would; otherwise the fillers share one plain pair of logs and the bench's own
 * sites have their own, so that 10,000 sites stay under this machine's open files.
 */
const SHARED_LOGS = !!process.env.BENCH_SHARED_LOGS;

/** What bench/burst-client.ts prints. */
interface Burst {
  started: number;
  seenAt: number;
  requests: number;
  jobs: { id: string; status: string; createdAt: string; finishedAt: string | null; error?: unknown }[];
}

/** Submits the jobs from another process and waits there until every one has ended (bench/burst-client.ts). */
function burstClient(url: string, token: string, bodies: unknown[]): Promise<Burst> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'burst-client.ts'), url, token, '64'],
      { cwd: join(import.meta.dirname, '..'), maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as Burst)),
    );
    child.stdin!.end(JSON.stringify(bodies));
  });
}

/**
 * BENCH_CPU_PROF=<file>: the daemon's CPU profile during the burst alone (not the fill), for Chrome's DevTools or
 * speedscope; the profiler's own cost is in the figures of that run.
 */
async function profiler(): Promise<{ stop(): Promise<void> }> {
  const file = process.env.BENCH_CPU_PROF;
  if (!file) return { stop: async () => undefined };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

export default async function bench(): Promise<Figures> {
  const nginx = await startPrivateNginx('/usr/sbin/nginx');
  const dir = mkdtempSync(join(tmpdir(), 'serein-vhost-bench-'));
  // BENCH_WORKERS='{"concurrency":64,"perTarget":32}' tries other worker counts than the defaults.
  const workers = process.env.BENCH_WORKERS ? { workers: JSON.parse(process.env.BENCH_WORKERS) } : {};
  const d = await startTestDaemon({
    config: {
      ...workers,
      targets: { local: { type: 'local' } },
      // No system user per site: the figures are nginx's phase and serein's around it, as in issue 25's baseline
      // (a user per site would also exhaust a machine's system ids at thousands of sites).
      webservers: {
        web: labWebserver(nginx, dir, 'local', {
          batchWindowMs: undefined,
          siteUsers: false,
          sharedLogs: SHARED_LOGS,
          probeTimeoutMs: undefined, // the default (10 s): a loaded machine takes seconds to parse 10,000 sites
        }),
      },
    },
  }); // the default batch window
  await d.tenant('bench', { domains: ['bench.test'] });
  const argv = labNginxArgv(nginx);
  let n = 0;
  const name = (tag: string) => `${tag}${++n}.bench.test`;
  // Request to probed, as the daemon timed it: the job's creation (the request) to its end
  // (its probes passed); the client's polling for the outcome is left out.
  // A lone job's timeline, from its own events: what bounds it (BENCH_STEPS=1 prints every job's).
  const phases = { checks: [] as number[], folder: [] as number[], nginx: [] as number[] };
  const viaApi = async (tag: string, lone = false) => {
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: name(tag), aliases: [] });
    if (job.status !== 'succeeded') throw new Error(`vhost.create ${job.status}: ${JSON.stringify(job.error)}`);
    const events = (await d.store.jobs.events(job.id)).map((e) => ({
      ms: Date.parse(e.at) - Date.parse(job.createdAt),
      message: e.message,
    }));
    if (process.env.BENCH_STEPS)
      process.stderr.write(`${events.map((e) => `${e.ms} ${e.message.slice(0, 70)}`).join('\n')}\n\n`);
    const at = (start: string) => events.find((e) => e.message.startsWith(start))?.ms ?? NaN;
    if (lone) {
      phases.checks.push(at('steps: apply started'));
      phases.folder.push(at('created ') - at('steps: apply started'));
      // "nginx tested and reloaded" (a full nginx -t first) or "nginx checked the changed sites and reloaded" (one parse).
      const live = [at('nginx tested'), at('nginx checked')].find(Number.isFinite) ?? NaN;
      phases.nginx.push(live - at('created '));
    }
    return Date.parse(job.finishedAt) - Date.parse(job.createdAt);
  };
  // The shell loop's own parts: `nginx -t`, and the reload until the new name answers
  // (nginx parses everything again), are the floor any tested change of this nginx pays.
  const parts = { test: [] as number[], reload: [] as number[] };
  const shellLoop = async (tag: string) => {
    const host = name(tag);
    const t = performance.now();
    writeFileSync(
      join(nginx.vhostDir, `${host}.conf`),
      `server {\n  listen 127.0.0.1:${nginx.port};\n  server_name ${host};\n  return 200 "${host}\\n";\n}\n`,
    );
    const t1 = performance.now();
    execFileSync(argv[0], [...argv.slice(1), '-t'], { stdio: 'ignore' });
    const t2 = performance.now();
    execFileSync(argv[0], [...argv.slice(1), '-s', 'reload'], { stdio: 'ignore' });
    // Its own text, not any 200: the default server answers `/` for every name, the old configuration too.
    await until200(nginx.port, host, '/', host);
    const t3 = performance.now();
    parts.test.push(t2 - t1);
    parts.reload.push(t3 - t2);
    return t3 - t;
  };
  const measure = async (label: string, figures: Figures, atOnce: boolean) => {
    const api: number[] = [];
    const shell: number[] = [];
    // nginx's master sleeps 100 ms after starting new workers and handles no signal
    // meanwhile, so a reload right after another waits for it: each one-at-a-time sample
    // starts on a settled nginx, as a lone request would (the 500 at once pay it in full).
    const settled = () => new Promise((r) => setTimeout(r, 150));
    for (let i = 0; i < (BURST_ONLY === undefined ? ONE_BY_ONE : 0); i++) {
      await settled();
      api.push(await viaApi(`a${label}`, true));
      await settled();
      shell.push(await shellLoop(`s${label}`));
    }
    if (BURST_ONLY === undefined) {
      figures[`${label} sites: one vhost live via serein, p50 / p99 of ${ONE_BY_ONE}`] =
        `${percentile(api, 50).toFixed(0)} / ${percentile(api, 99).toFixed(0)} ms`;
      figures[`${label} sites: one vhost live via serein`] = stat(api, 'ms');
      figures[`${label} sites: serein's job, request to checks passed`] = stat(phases.checks.splice(0), 'ms');
      figures[`${label} sites: serein's job, the site folder`] = stat(phases.folder.splice(0), 'ms');
      figures[`${label} sites: serein's job, the check, reload and old workers retired`] = stat(
        phases.nginx.splice(0),
        'ms',
      );
      figures[`${label} sites: shell loop (write, nginx -t, reload, probe)`] = stat(shell, 'ms');
      const oneParse = stat(parts.test.splice(0), 'ms');
      figures[`${label} sites: of which nginx -t`] = oneParse;
      figures[`${label} sites: of which the reload until the name answers`] = stat(parts.reload.splice(0), 'ms');
      figures[`${label} sites: serein / shell loop, medians of the same run`] = +(
        stat(api, 'ms').median / stat(shell, 'ms').median
      ).toFixed(2);
      // One parse of the whole configuration: the floor of any change nginx must load (issue 25's target).
      figures[`${label} sites: serein / one nginx -t, medians of the same run`] = +(
        stat(api, 'ms').median / oneParse.median
      ).toFixed(2);
    }
    if (!atOnce) return;
    // A daemon whose words differ from the prepared weights' (a checkout since `npm run prepare`) trains its request
    // model in the background after its start, seconds of CPU: the burst waits for it, as a daemon that ran a while.
    const words = [...d.daemon.engine.playbooks].map(([n, p]) => [n, p.words] as [string, typeof p.words]);
    await loadRequestClassifier(words, d.config.stateDir);
    const loop = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    // The clients are another process (bench/burst-client.ts), as a panel would be: this process is the daemon.
    const bodies = Array.from({ length: AT_ONCE }, () => ({
      playbook: 'vhost.create',
      inputs: { webserver: 'web', domain: name(`m${label}`), aliases: [] },
    }));
    const profile = await profiler();
    const burst = await burstClient(d.url, d.adminToken, bodies);
    await profile.stop();
    // The CPU time the daemon used: what a change of serein's own work moves, little changed by other programs on
    // the machine, which stretch the wall instead.
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (process.env.BENCH_BURST_DUMP) {
      const steps = await Promise.all(burst.jobs.map(async (j) => ({ ...j, steps: await d.store.jobs.steps(j.id) })));
      writeFileSync(process.env.BENCH_BURST_DUMP, JSON.stringify({ ...burst, jobs: steps }));
    }
    const failed = burst.jobs.filter((j) => j.status !== 'succeeded');
    if (failed.length) throw new Error(`${failed.length} vhost.create not succeeded: ${JSON.stringify(failed[0])}`);
    const each = burst.jobs.map((j) => Date.parse(j.finishedAt!) - Date.parse(j.createdAt));
    // From the first request sent to the last job's end (one machine, one clock); the client's polling is left out.
    const wall = Math.max(...burst.jobs.map((j) => Date.parse(j.finishedAt!))) - burst.started;
    figures[`${label} sites: ${AT_ONCE} at once, CPU time of the daemon's process (user + system)`] = +cpuMs.toFixed(0);
    // How busy the daemon's event loop was: near 1, the jobs wait for the loop rather than for nginx.
    figures[`${label} sites: ${AT_ONCE} at once, event loop busy (share of the wall)`] = +performance
      .eventLoopUtilization(loop)
      .utilization.toFixed(2);
    figures[`${label} sites: ${AT_ONCE} at once, the client's requests (submissions and batched reads)`] =
      burst.requests;
    figures[`${label} sites: ${AT_ONCE} at once, until the client saw the last one (polling with backoff)`] =
      burst.seenAt - burst.started;
    const { reloads, batches, largestBatch } = services.nginx.applier('web').stats;
    figures[`${label} sites: ${AT_ONCE} vhost.create at once, wall`] = +wall.toFixed(0);
    figures[`${label} sites: ${AT_ONCE} at once, each request to probed p50 / p99`] =
      `${percentile(each, 50).toFixed(0)} / ${percentile(each, 99).toFixed(0)} ms`;
    figures[`${label} sites: nginx reloads so far (batches, largest batch)`] =
      `${reloads} (${batches}, ${largestBatch})`;
    // Where the wall goes: the submissions' spread, and the last (largest) batch's own steps in nginx's applier.
    const created = burst.jobs.map((j) => Date.parse(j.createdAt) - burst.started);
    figures[`${label} sites: ${AT_ONCE} at once, the client's submissions (until the last job was created)`] = Math.max(
      ...created,
    );
    const last = services.nginx.applier('web').stats.lastSteps;
    if (last)
      figures[`${label} sites: ${AT_ONCE} at once, the last batch's write / check / reload / probe`] =
        `${[last.write, last.check, last.reload, last.probe].map((ms) => ms.toFixed(0)).join(' / ')} ms`;
  };
  const figures: Figures = {};
  // The sites a provider's nginx already carries: rendered like serein's own and recorded in its store.
  const services = d.daemon.engine.services;
  let filled = 0;
  const fill = async (upTo: number) => {
    // The shared logs' format, as serein's first change would put it (the fillers are written directly).
    const snippet = sharedLogsSnippet(services.nginx.webserver('web'));
    if (SHARED_LOGS) writeFileSync(snippet.path, snippet.content!);
    mkdirSync(services.nginx.webserver('web').logDir, { recursive: true }); // made by serein's first vhost.create otherwise
    for (; filled < upTo; filled++) {
      const primary = `filler${filled}.bench.test`;
      // One shared pair of logs for the fillers: with a log pair per site, 5,000 sites hold
      // 10,000 files per configuration and a reload holds two configurations' worth, over
      // this machine's 20,000 open files per process (serein then reports the reload failed).
      const own = newVhostData(services.nginx.webserver('web'), 'web', { primary, aliases: [`www.${primary}`] });
      const data = SHARED_LOGS
        ? own
        : { ...own, accessLog: join(dir, 'fillers.access.log'), errorLog: join(dir, 'fillers.error.log') };
      await addFillerSite(services, data);
    }
    execFileSync(argv[0], [...argv.slice(1), '-s', 'reload'], { stdio: 'ignore' });
    if (upTo) await until200(nginx.port, `filler${upTo - 1}.bench.test`, PROBE_PATH);
  };
  try {
    for (const [i, stage] of STAGES.entries()) {
      await fill(stage);
      await measure(String(stage), figures, BURST_ONLY !== undefined || (!CHOSEN && i < 2));
    }
    return figures;
  } finally {
    await d.daemon.stop().catch(() => undefined); // not d.stop(): it would delete thousands of sites one job at a time, and this nginx goes anyway
    await nginx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
