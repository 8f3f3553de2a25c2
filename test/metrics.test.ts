import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

/** /metrics (prom-client) of a real daemon: API, jobs, renewals, certificates; admins only. */

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

let d: TestDaemon;
let client: string;
let dir: string;

beforeAll(async () => {
  d = await startTestDaemon({ playbooksDir: fixtures });
  client = (await d.tenant('alice', { servers: ['local'] })).token;
  dir = tempDir('serein-metrics-');
});
afterAll(async () => {
  await d?.stop();
});

const scrape = async (token = d.adminToken) => {
  const res = await fetch(`${d.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};

/** The value of the one sample of `name` carrying every label given; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  const line = lines.find((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics', () => {
  it('is for admins only, in the Prometheus text format', async () => {
    expect((await scrape(client)).status).toBe(404);
    expect((await scrape('')).status).toBe(401);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.type).toContain('text/plain');
    expect(ok.text).toContain('# TYPE serein_http_requests_total counter');
    expect(ok.text).toContain('# TYPE serein_process_cpu_seconds_total counter');
  });

  it('counts jobs submitted and finished by playbook, status and dry run, with their durations', async () => {
    const inputs = { server: 'local', dir, name: 'counted', message: 'm' };
    await d.runJob('sample.write', inputs, { token: client });
    await d.runJob('sample.write', { ...inputs, name: 'checked' }, { token: client, dryRun: true });
    await d.runJob('sample.write', { ...inputs, name: 'broken', fail: true }, { token: client });
    // A job is counted once its daemon has recorded its end, just after the store shows it: look until then.
    const text = await until(
      async () => {
        const t = (await scrape()).text;
        return sample(t, 'serein_job_duration_seconds_count', { playbook: 'sample.write', status: 'failed' }) !==
          undefined
          ? t
          : undefined;
      },
      30_000,
      'the failed job counted in /metrics',
    );
    expect(sample(text, 'serein_jobs_submitted_total', { playbook: 'sample.write', dry_run: 'false' })).toBe(2);
    expect(sample(text, 'serein_jobs_submitted_total', { playbook: 'sample.write', dry_run: 'true' })).toBe(1);
    expect(
      sample(text, 'serein_jobs_finished_total', { playbook: 'sample.write', status: 'succeeded', dry_run: 'false' }),
    ).toBe(1);
    expect(
      sample(text, 'serein_jobs_finished_total', { playbook: 'sample.write', status: 'succeeded', dry_run: 'true' }),
    ).toBe(1);
    expect(
      sample(text, 'serein_jobs_finished_total', { playbook: 'sample.write', status: 'failed', dry_run: 'false' }),
    ).toBe(1);
    expect(sample(text, 'serein_job_duration_seconds_count', { playbook: 'sample.write', status: 'succeeded' })).toBe(
      2,
    );
    expect(sample(text, 'serein_job_duration_seconds_count', { playbook: 'sample.write', status: 'failed' })).toBe(1);
    expect(text).toContain('# TYPE serein_certificate_renewals_total counter');
  });

  it('counts API requests by route pattern and status, with their latency, never by the address asked', async () => {
    await d.api('GET', '/v1/jobs/00000000-0000-4000-8000-000000000000', { token: client });
    await d.api('GET', '/v1/jobs?status=bogus');
    await d.api('GET', '/nowhere/at/all');
    const { text } = await scrape();
    expect(sample(text, 'serein_http_requests_total', { route: '/v1/jobs/:id', method: 'GET', status: '404' })).toBe(1);
    expect(sample(text, 'serein_http_requests_total', { route: '/v1/jobs', method: 'GET', status: '400' })).toBe(1);
    expect(sample(text, 'serein_http_requests_total', { route: '/v1/jobs', method: 'POST', status: '202' })).toBe(3);
    expect(sample(text, 'serein_http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'serein_http_request_duration_seconds_count', { route: '/v1/jobs', method: 'POST' })).toBe(3);
    expect(text).not.toContain('nowhere');
    expect(text).not.toContain('00000000-0000');
  });

  it('shows each served certificate: expiry, planned renewal, failures, count', async () => {
    const notAfter = new Date(Date.now() + 90 * 86400_000);
    const renewAfter = new Date(Date.now() + 60 * 86400_000);
    const cert = await d.store.certificates.addPending({
      tenantId: 'alice',
      webserver: 'main',
      name: 'shop.alice.example.com',
      domains: ['shop.alice.example.com'],
      challenge: 'http-01',
      keyType: 'ecdsa-p256',
      ca: 'lab',
      caDirectory: 'https://ca.invalid/directory',
      serial: '0a1b',
      ariCertId: 'x.y',
      notBefore: new Date().toISOString(),
      notAfter: notAfter.toISOString(),
      certPem: 'not read here',
      keyPem: 'not read here',
    });
    await d.store.certificates.activate(cert.id, renewAfter);
    const { text } = await scrape();
    const labels = { name: 'shop.alice.example.com', webserver: 'main', tenant: 'alice', ca: 'lab', serial: '0a1b' };
    expect(sample(text, 'serein_certificate_expiry_timestamp_seconds', labels)).toBe(
      Math.floor(notAfter.getTime() / 1000),
    );
    expect(sample(text, 'serein_certificate_renew_after_timestamp_seconds', labels)).toBe(
      Math.floor(renewAfter.getTime() / 1000),
    );
    expect(sample(text, 'serein_certificate_renewal_failures', labels)).toBe(0);
    expect(sample(text, 'serein_certificates')).toBe(1);
  });
});
