// Seconds per certificate against the lab's Pebble (PEBBLE_VA_NOSLEEP=1): the ACME
// exchange alone, then the whole certificate.issue job (preflight, order, nginx install,
// TLS handshake), one at a time and in a batch; certbot and lego for comparison when
// they are installed (they take about 3 s per certificate, almost all of it waiting).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateContext } from '../src/certificates/context.js';
import { issueCertificate } from '../src/certificates/issue.js';
import { HttpSolver } from '../src/certificates/solvers.js';
import { startLab } from '../test/lab/lab.js';
import { labCertConfig, labServices } from '../test/helpers/acme-lab.js';
import { startTestDaemon } from '../test/helpers/daemon.js';

const SINGLE = 5;
const BATCH = 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export default async function bench() {
  const lab = await startLab(['pebble']);
  const figures: Record<string, string | number> = {};
  const dir = mkdtempSync(join(tmpdir(), 'serein-acme-bench-'));
  try {
    // 1. The ACME exchange alone (order, http-01 validation, finalize, download).
    const env = await labServices(lab);
    const ctx = certificateContext(env.services);
    const ws = env.config.webservers.lab;
    const solver = new HttpSolver(env.services.target('local'), ws.challengeRoot);
    const deps = { config: env.config, accounts: ctx.accounts, pool: ctx.pool, certificates: env.store.certificates };
    const name = () => `b${randomBytes(5).toString('hex')}.bench.test`;
    await issueCertificate(deps, { domains: [name()], keyType: 'ecdsa-p256', solver }); // account + connections
    const singles: number[] = [];
    for (let i = 0; i < SINGLE; i++) {
      const t = performance.now();
      await issueCertificate(deps, { domains: [name()], keyType: 'ecdsa-p256', solver });
      singles.push((performance.now() - t) / 1000);
    }
    figures['ACME only, one certificate (s, median)'] = median(singles);
    let t = performance.now();
    await Promise.all(Array.from({ length: BATCH }, () => issueCertificate(deps, { domains: [name()], keyType: 'ecdsa-p256', solver })));
    const batch = (performance.now() - t) / 1000;
    figures[`ACME only, batch of ${BATCH}, pool ${env.config.acme.concurrency} (s total)`] = batch;
    figures[`ACME only, batch of ${BATCH} (s per certificate)`] = batch / BATCH;
    t = performance.now();
    await issueCertificate(deps, { domains: [name()], keyType: 'rsa-2048', solver });
    figures['ACME only, one RSA-2048 certificate (s)'] = (performance.now() - t) / 1000;
    await env.close();

    // 2. The whole job through the daemon: preflight + order + install + TLS handshake.
    const d = await startTestDaemon({ config: labCertConfig(lab, dir) });
    const reg = `${randomBytes(4).toString('hex')}.test`;
    const tenant = await d.tenant(`b${randomBytes(3).toString('hex')}`, { domains: [reg], servers: ['lab'] });
    const sites = Array.from({ length: SINGLE + BATCH }, (_, i) => `s${i}.${reg}`);
    // The sites first, 10 at a time: a client account runs at most 10 requests at once (quotas).
    for (let i = 0; i < sites.length; i += 10) await Promise.all(sites.slice(i, i + 10).map((s) => d.runJob('vhost.create', { webserver: 'lab', domain: s }, { token: tenant.token })));
    const jobTimes: number[] = [];
    for (const s of sites.slice(0, SINGLE)) {
      const t0 = performance.now();
      const job = await d.runJob('certificate.issue', { domains: [s] }, { token: tenant.token });
      if (job.status !== 'succeeded') throw new Error(`certificate.issue ${s}: ${JSON.stringify(job.error)}`);
      jobTimes.push((performance.now() - t0) / 1000);
    }
    figures['certificate.issue job, one (s, median)'] = median(jobTimes);
    t = performance.now();
    // The batch as the provider submits it (admin token: a client's account runs at most 10 at once).
    const jobs = await Promise.all(sites.slice(SINGLE).map((s) => d.runJob('certificate.issue', { domains: [s] })));
    const jobBatch = (performance.now() - t) / 1000;
    const failed = jobs.filter((j) => j.status !== 'succeeded');
    if (failed.length) throw new Error(`batch: ${failed.length} failed: ${JSON.stringify(failed[0].error)}`);
    figures[`certificate.issue jobs, batch of ${BATCH} (s total)`] = jobBatch;
    figures[`certificate.issue jobs, batch of ${BATCH} (s per certificate)`] = jobBatch / BATCH;
    await d.stop();

    // 3. The reference clients, when installed, on the same Pebble through the same nginx
    // (webroot mode: they put the token where nginx serves it, as serein does).
    const webroot = lab.nginx!.webRoot;
    const reference: Record<string, (domain: string, home: string) => { argv: string[]; env: Record<string, string> }> = {
      certbot: (domain, home) => ({
        argv: ['certonly', '--non-interactive', '--agree-tos', '-m', 'bench@serein.test', '--server', lab.pebble!.directoryUrl, '--webroot', '-w', webroot, '-d', domain, '--config-dir', home, '--work-dir', home, '--logs-dir', home],
        env: { REQUESTS_CA_BUNDLE: lab.pebble!.caCertPath },
      }),
      lego: (domain, home) => ({
        argv: ['--accept-tos', '--email', 'bench@serein.test', '--server', lab.pebble!.directoryUrl, '--domains', domain, '--http', '--http.webroot', webroot, '--path', home, 'run'],
        env: { LEGO_CA_CERTIFICATES: lab.pebble!.caCertPath },
      }),
    };
    for (const [bin, command] of Object.entries(reference)) {
      if (!which(bin)) {
        figures[`${bin} (s per certificate)`] = 'not installed (apt-get install certbot lego to compare)';
        continue;
      }
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const home = mkdtempSync(join(dir, `${bin}-`));
        const { argv, env } = command(name(), home);
        const t0 = performance.now();
        const r = spawnSync(bin, argv, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
        if (r.status !== 0) throw new Error(`${bin} failed: ${(r.stderr || r.stdout).slice(-800)}`);
        times.push((performance.now() - t0) / 1000);
      }
      figures[`${bin} (s per certificate, median of 3)`] = median(times);
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.stop();
  }
}
