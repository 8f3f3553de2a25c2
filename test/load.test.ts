import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, serein } from './helpers/process.js';
import { until } from './helpers/until.js';
import { tempDir } from './helpers/tmp.js';

/**
 * Many tenants submitting and polling at once, against a real daemon process on loopback,
 * from this (another) process. CI: 500 jobs; `npm run soak` (SEREIN_SOAK=1): 5,000.
 * Nothing may be lost or done twice; the daemon's memory stays within a bound; /healthz and
 * a job read keep answering (never a 5xx) while the jobs run. Figures are printed for the
 * README's Reliability section.
 */
const SOAK = !!process.env.SEREIN_SOAK;
const TENANTS = SOAK ? 50 : 20;
const JOBS = SOAK ? 5000 : 500;
const CLIENTS_PER_TENANT = 2; // two browsers (or scripts) per tenant, each submitting and polling
const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

const TERMINAL = new Set(['succeeded', 'failed', 'needs-attention']);

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

describe(`load: ${TENANTS} tenants, ${JOBS} jobs`, () => {
  let dir: string;
  let url: string;
  let admin: string;
  let daemon: ReturnType<typeof serein>;
  beforeAll(async () => {
    dir = tempDir('serein-load-');
    mkdirSync(join(dir, 'out'));
    const port = await freePort();
    // The per-token submission limit and the tenant quota stay on (a 429 is retried with backoff,
    // as a client should), sized so that every tenant's whole share can be queued at once.
    writeFileSync(
      join(dir, 'config.yaml'),
      `server:\n  port: ${port}\nstore:\n  driver: sqlite\n  path: serein.db\nstateDir: state\nplaybooks: ${fixtures}\nlog:\n  level: warn\n` +
        `limits:\n  jobs: { max: ${JOBS}, windowSeconds: 60 }\nquotas:\n  runningJobs: ${Math.ceil(JOBS / TENANTS)}\n`,
    );
    url = `http://127.0.0.1:${port}`;
    daemon = serein(['serve', '--config', join(dir, 'config.yaml')]);
    admin = await until(async () => /admin token: (srn_a_\S+)/.exec(daemon.output())?.[1], 30_000, 'the admin token');
  });
  afterAll(async () => {
    daemon?.kill('SIGTERM');
    await daemon?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'serves every submission and poll without an error, loses and duplicates nothing, keeps its memory and answers /healthz',
    { timeout: SOAK ? 1_800_000 : 240_000 },
    async () => {
      const call = async (method: string, path: string, token: string, body?: unknown) => {
        const res = await fetch(url + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        const text = await res.text();
        return {
          status: res.status,
          body: text ? JSON.parse(text) : undefined,
          retryAfter: res.headers.get('retry-after'),
        };
      };

      const tokens: string[] = [];
      for (let t = 0; t < TENANTS; t++) {
        const id = `load${t}`;
        expect((await call('POST', '/v1/tenants', admin, { id, name: `Load ${t}` })).status).toBe(201);
        expect(
          (await call('POST', `/v1/tenants/${id}/resources`, admin, { kind: 'server', name: 'local' })).status,
        ).toBe(201);
        tokens.push((await call('POST', '/v1/tokens', admin, { kind: 'client', tenantId: id })).body.token);
      }

      const out = join(dir, 'out');
      const counts = { requests: 0, submits: 0, resubmits: 0, polls: 0, backpressure: 0, errors: [] as string[] };
      const jobIdByKey = new Map<string, string>();
      const status = new Map<string, string>();

      /** One client of one tenant: submits its whole share at once (backing off on 429), then polls each job to its end. */
      async function client(tenant: number, c: number, share: number[]) {
        const token = tokens[tenant];
        const jobs: any[] = [];
        for (const n of share) {
          const key = `load-${n}`;
          for (let backoff = 20; ; backoff = Math.min(backoff * 2, 1000)) {
            counts.requests++;
            const res = await call('POST', '/v1/jobs', token, {
              playbook: 'sample.write',
              idempotencyKey: key,
              inputs: { server: 'local', dir: out, name: `j${n}`, message: `t${tenant} c${c} n${n}` },
            }).catch((e) => ({ status: 0, body: String(e), retryAfter: null }));
            if (res.status === 202 || res.status === 200) {
              counts.submits++;
              const job = res.body.job;
              if (jobIdByKey.has(key) && jobIdByKey.get(key) !== job.id)
                counts.errors.push(`key ${key} answered two jobs`);
              jobIdByKey.set(key, job.id);
              jobs.push(job);
              if (n % 10 === 0) {
                // A client whose answer was lost sends the same request again: the same job comes back, none is added.
                counts.requests++;
                counts.resubmits++;
                const again = await call('POST', '/v1/jobs', token, {
                  playbook: 'sample.write',
                  idempotencyKey: key,
                  inputs: { server: 'local', dir: out, name: `j${n}`, message: `t${tenant} c${c} n${n}` },
                }).catch((e) => ({ status: 0, body: String(e), retryAfter: null }));
                if (again.status !== 200 || again.body.job.id !== job.id)
                  counts.errors.push(`resubmitted ${key}: ${again.status} ${JSON.stringify(again.body)}`);
              }
              break;
            }
            if (res.status === 429) {
              counts.backpressure++;
              await new Promise((r) => setTimeout(r, res.retryAfter ? Number(res.retryAfter) * 1000 : backoff));
              continue;
            }
            counts.errors.push(`POST /v1/jobs ${res.status} ${JSON.stringify(res.body)}`);
            return;
          }
        }
        for (let job of jobs) {
          for (let delay = 10; !TERMINAL.has(job.status); delay = Math.min(delay * 2, 200)) {
            await new Promise((r) => setTimeout(r, delay));
            counts.requests++;
            counts.polls++;
            const res = await call('GET', `/v1/jobs/${job.id}`, token).catch((e) => ({
              status: 0,
              body: String(e),
              retryAfter: null,
            }));
            if (res.status !== 200) {
              counts.errors.push(`GET /v1/jobs/${job.id} ${res.status} ${JSON.stringify(res.body)}`);
              return;
            }
            job = res.body.job;
          }
          status.set(job.id, job.status);
        }
      }

      const clientsOf = (from: number, to: number) => {
        const shares: Promise<void>[] = [];
        const perClient = new Map<string, number[]>();
        for (let n = from; n < to; n++) {
          const k = `${n % TENANTS}:${Math.floor(n / TENANTS) % CLIENTS_PER_TENANT}`;
          perClient.set(k, [...(perClient.get(k) ?? []), n]);
        }
        for (const [k, share] of perClient) {
          const [t, c] = k.split(':').map(Number);
          shares.push(client(t, c, share));
        }
        return Promise.all(shares);
      };

      // Warm up (JIT, store pages, first connections), then take the memory before.
      await clientsOf(0, 50);
      const pid = daemon.pid!;
      const rssBefore = rssKiB(pid);
      let rssPeak = rssBefore;

      // While the rest runs, an admin probes /healthz and reads a job, and memory is sampled.
      const probes = { healthz: [] as number[], read: [] as number[], queue: [] as number[], bad: [] as string[] };
      let queuedPeak = 0;
      let running = true;
      const firstJob = jobIdByKey.get('load-0')!;
      const prober = (async () => {
        while (running) {
          for (const [name, path] of [
            ['healthz', '/healthz'],
            ['read', `/v1/jobs/${firstJob}`],
            ['queue', '/v1/jobs?status=queued&limit=1000'],
          ] as const) {
            const t0 = performance.now();
            const res = await fetch(url + path, { headers: { authorization: `Bearer ${admin}` } }).catch((e) => ({
              status: 0,
              text: async () => String(e),
            }));
            const text = await res.text();
            probes[name].push(performance.now() - t0);
            if (res.status !== 200) probes.bad.push(`${path} ${res.status}`);
            else if (name === 'queue') queuedPeak = Math.max(queuedPeak, JSON.parse(text).jobs.length);
          }
          rssPeak = Math.max(rssPeak, rssKiB(pid));
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      const t0 = performance.now();
      await clientsOf(50, JOBS);
      const seconds = (performance.now() - t0) / 1000;
      running = false;
      await prober;
      const rssAfter = rssKiB(pid);

      // Nothing lost or done twice: one job per key, each succeeded, one file per job, and the
      // store lists exactly the jobs that were submitted.
      const listed = await call('GET', '/v1/jobs?playbook=sample.write&limit=1000', admin);
      const files = readdirSync(out).filter((f) => /^j\d+\.txt$/.test(f));
      const byStatus: Record<string, number> = {};
      for (const s of status.values()) byStatus[s] = (byStatus[s] ?? 0) + 1;
      const pct = (xs: number[], p: number) =>
        [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]?.toFixed(1);
      const figures = {
        tenants: TENANTS,
        clients: TENANTS * CLIENTS_PER_TENANT,
        jobs: jobIdByKey.size,
        byStatus,
        requests: counts.requests + probes.healthz.length + probes.read.length + probes.queue.length,
        submits: counts.submits,
        resubmits: counts.resubmits,
        polls: counts.polls,
        backpressure429: counts.backpressure,
        errors: counts.errors.length,
        seconds: Number(seconds.toFixed(1)),
        healthz: {
          answered: probes.healthz.length,
          p50ms: pct(probes.healthz, 0.5),
          p99ms: pct(probes.healthz, 0.99),
          maxms: pct(probes.healthz, 1),
        },
        jobRead: {
          answered: probes.read.length,
          p50ms: pct(probes.read, 0.5),
          p99ms: pct(probes.read, 0.99),
          maxms: pct(probes.read, 1),
        },
        jobList: {
          answered: probes.queue.length,
          p50ms: pct(probes.queue, 0.5),
          p99ms: pct(probes.queue, 0.99),
          maxms: pct(probes.queue, 1),
        },
        queuedPeak,
        rssMiB: {
          before: Math.round(rssBefore / 1024),
          peak: Math.round(rssPeak / 1024),
          after: Math.round(rssAfter / 1024),
        },
        files: files.length,
      };
      console.log(`load figures: ${JSON.stringify(figures)}`);

      expect(counts.errors).toEqual([]);
      expect(probes.bad).toEqual([]);
      expect(probes.healthz.length).toBeGreaterThan(0);
      expect(probes.read.length).toBeGreaterThan(0);
      expect(jobIdByKey.size).toBe(JOBS);
      expect(new Set(jobIdByKey.values()).size).toBe(JOBS); // no two keys share a job
      expect(byStatus).toEqual({ succeeded: JOBS });
      expect(files.length).toBe(JOBS); // each job wrote its own file: none lost
      for (const n of [0, Math.floor(JOBS / 2), JOBS - 1])
        expect(readFileSync(join(out, `j${n}.txt`), 'utf8')).toMatch(new RegExp(` n${n}\\n$`));
      if (JOBS <= 1000) expect(listed.body.jobs.length).toBe(JOBS); // the store holds no extra job
      // Memory flat: a bound, not a timing. The store grows with every job kept (outputs, events),
      // so a little growth is expected; a leak per request or per job would pass it quickly.
      expect(rssAfter - rssBefore).toBeLessThan(SOAK ? 128 * 1024 : 96 * 1024);
    },
  );
});
