// Seconds per certificate against the lab's Pebble (PEBBLE_VA_NOSLEEP=1): the ACME
// exchange alone, then the whole certificate.issue job (preflight, order, nginx install,
// TLS handshake), one at a time and in a batch. certbot and lego are compared in
// certs.bench.ts, at the scale the issue asks for.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate } from '../src/certificates/issue.js';
import { HttpSolver } from '../src/certificates/solvers.js';
import { startLab } from '../test/lab/lab.js';
import { labCertConfig, labServices } from '../test/helpers/acme-lab.js';
import { startTestDaemon } from '../test/helpers/daemon.js';

const SINGLE = 5;
const BATCH = 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function bench() {
  const lab = await startLab(['pebble']);
  const figures: Record<string, string | number> = {};
  const dir = mkdtempSync(join(tmpdir(), 'serein-acme-bench-'));
  try {
    // 1. The ACME exchange alone (order, http-01 validation, finalize, download).
    const env = await labServices(lab);
    const ctx = env.services.certificates;
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
    await Promise.all(
      Array.from({ length: BATCH }, () => issueCertificate(deps, { domains: [name()], keyType: 'ecdsa-p256', solver })),
    );
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
    for (let i = 0; i < sites.length; i += 10)
      await Promise.all(
        sites
          .slice(i, i + 10)
          .map((s) => d.runJob('vhost.create', { webserver: 'lab', domain: s }, { token: tenant.token })),
      );
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
    await d.daemon.stop(); // not d.stop(): its deletes of every site are slow, and the lab's nginx goes anyway

    figures['certbot, lego'] = 'see the certs scenario (one process per name, against serein at N = 200)';
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.stop();
  }
}
