import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import type { Job } from '../store/jobs.js';
import { requireAdmin } from './auth.js';
import type { ApiContext } from './context.js';

/** The playbook the renewal schedule runs: its outcomes are counted apart as renewals. */
const RENEW = 'certificate.renew';

/** Seconds between two stored timestamps, undefined when one is missing. */
const seconds = (from: string | null, to: string | null) =>
  from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : undefined;

/**
 * /metrics for Prometheus, through prom-client: the API (requests by route and status,
 * latency), jobs (submitted and finished by playbook and status, durations), renewals and
 * served certificates (expiry, planned renewal, consecutive failures), and the process.
 * One registry per daemon, so two daemons in one process (tests) never mix their figures.
 * Admins only, like the rest of the operator's view.
 */
export async function installMetrics(app: FastifyInstance, { engine, store }: ApiContext): Promise<Registry> {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'serein_' });

  // Every counter and histogram goes to this daemon's registry, with its label names typed.
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new Histogram({ name, help, labelNames, buckets, registers });

  const requests = counter(
    'serein_http_requests_total',
    'API requests answered, by route pattern, method and status.',
    ['route', 'method', 'status'],
  );
  const latency = histogram(
    'serein_http_request_duration_seconds',
    'Time to answer an API request, by route pattern and method.',
    ['route', 'method'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  app.addHook('onResponse', async (req, reply) => {
    // The route's pattern (/v1/jobs/:id), never the address asked: a bounded set of labels whatever is sent.
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    latency.observe({ route, method: req.method }, reply.elapsedTime / 1000);
  });

  const submitted = counter(
    'serein_jobs_submitted_total',
    'Jobs queued, by playbook and whether it was a check only (dry run).',
    ['playbook', 'dry_run'],
  );
  const finished = counter(
    'serein_jobs_finished_total',
    'Jobs finished by this daemon, by playbook, status and dry run.',
    ['playbook', 'status', 'dry_run'],
  );
  const duration = histogram(
    'serein_job_duration_seconds',
    'Time from a job starting to its end, by playbook and status.',
    ['playbook', 'status'],
    [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  );
  const renewals = counter(
    'serein_certificate_renewals_total',
    'Certificate renewals finished by this daemon, by status.',
    ['status'],
  );
  const onSubmitted = (job: Job) => submitted.inc({ playbook: job.playbook, dry_run: String(job.dryRun) });
  const onFinished = (job: Job) => {
    finished.inc({ playbook: job.playbook, status: job.status, dry_run: String(job.dryRun) });
    const took = seconds(job.startedAt, job.finishedAt);
    if (took !== undefined) duration.observe({ playbook: job.playbook, status: job.status }, took);
    if (job.playbook === RENEW && !job.dryRun) renewals.inc({ status: job.status });
  };
  engine.events.on('submitted', onSubmitted);
  engine.events.on('finished', onFinished);
  app.addHook('onClose', async () => {
    engine.events.off('submitted', onSubmitted);
    engine.events.off('finished', onFinished);
  });

  // Certificates are read from the store at each scrape: every daemon sharing a store tells the same.
  const labelNames = ['name', 'webserver', 'tenant', 'ca', 'serial'] as const;
  const expiry = new Gauge({
    name: 'serein_certificate_expiry_timestamp_seconds',
    help: 'When each served certificate expires (Unix time).',
    labelNames,
    registers,
  });
  const renewAfter = new Gauge({
    name: 'serein_certificate_renew_after_timestamp_seconds',
    help: 'When serein plans to renew each served certificate (Unix time).',
    labelNames,
    registers,
  });
  const failures = new Gauge({
    name: 'serein_certificate_renewal_failures',
    help: 'Consecutive failed renewals of each served certificate.',
    labelNames,
    registers,
  });
  const count = new Gauge({ name: 'serein_certificates', help: 'Served certificates.', registers });
  const readCertificates = async () => {
    // Every served certificate, page by page (no cut-off at a page size).
    const active = [];
    let cursor: string | undefined;
    do {
      const page = await store.certificates.page({ status: 'active', cursor, limit: 1000 });
      active.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor);
    for (const g of [expiry, renewAfter, failures]) g.reset(); // a replaced certificate leaves no stale series
    for (const c of active) {
      const labels = {
        name: c.name,
        webserver: c.webserver ?? '',
        tenant: c.tenantId ?? '',
        ca: c.ca,
        serial: c.serial,
      };
      expiry.set(labels, Math.floor(Date.parse(c.notAfter) / 1000));
      if (c.renewAfter) renewAfter.set(labels, Math.floor(Date.parse(c.renewAfter) / 1000));
      failures.set(labels, c.renewalFailures);
    }
    count.set(active.length);
  };

  app.get(
    '/metrics',
    {
      config: {
        doc: {
          summary: 'Prometheus metrics: API, jobs, renewals, certificates, process',
          tag: 'admin',
          auth: 'admin',
          response: { 200: z.string() },
          produces: 'text/plain',
        },
      },
    },
    async (req, reply) => {
      requireAdmin(req);
      await readCertificates();
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
  return registry;
}
