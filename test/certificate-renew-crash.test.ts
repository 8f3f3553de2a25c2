/**
 * certificate.renew survives a crash at any point: a real `serein serve` process issues a
 * certificate against the lab's Pebble and nginx, then renews it and is SIGKILLed at each
 * point of the renewal in turn (after preflight; during and after the order; during and
 * after the install; after verify; before and after activate). The daemon is built by a
 * test entry (test/helpers/halting-serve.ts) with the runner's checkpoint hook, which freezes
 * it at the point the actions name (ctx.reached) so the kill lands exactly there, with no
 * sleeps; `serein serve` itself has no such hook and ignores the SEREIN_TEST_HALT variable
 * the daemon once read (the last test). The restarted daemon
 * compensates the interrupted job; afterwards nginx must serve the certificate the store
 * records as active (the old one, or the new one once a renewal completes; never a mix),
 * no pending record may be left, no private key but the served one may be on disk (no
 * backup of a replaced key, ever), and `nginx -t` must pass.
 */
import { randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedCertificate } from '../src/certificates/install.js';
import { useLab, type LabInfo } from './lab/client.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { freePort, haltingSerein, serein, type SereinChild } from './helpers/process.js';
import { until } from './helpers/until.js';
import { privateKeyFiles, sitePair } from './helpers/key-files.js';
import { keepStoreForScan, notePrivateKeys, noteSecrets } from './helpers/secrets-scan.js';
import { keepServeLog, serveApi, serveReady } from './helpers/serve-process.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest, removeLeftSiteFiles } from './helpers/vhost-lab.js';

/** Where the renewal is killed, in the order the job reaches them (ctx.reached in src/actions/certificate.ts). */
const POINTS = [
  'preflight-done', // preflight passed, nothing asked of the CA yet
  'order-issued', // the CA issued the new certificate; its serial checkpointed, no record yet
  'order-pending', // the pending record written, its id not yet checkpointed
  'order-done', // the order step finished
  'install-started', // the files being replaced checkpointed, nothing written
  'install-reloaded', // the new files written, nginx tested, reloaded and probed, no handshake yet
  'install-served', // the handshake presents the new certificate, the site not yet recorded
  'install-done', // the install step finished
  'verify-done', // the verify step passed
  'activate-start', // activation checkpointed, the store not yet changed
  'activate-done', // the new certificate recorded active, the job not yet finished
] as const;

const TERMINAL = ['succeeded', 'failed', 'needs-attention'];

let lab: LabInfo;
let dir: string;
let configFile: string;
let haltFile: string;
let url: string;
let token = '';
let daemon: SereinChild | undefined;
const reg = `${randomBytes(4).toString('hex')}.test`;
const site = `shop.${reg}`;
const tenant = `t${randomBytes(3).toString('hex')}`;

/** Starts the daemon, halting where haltFile says, on the test's configuration, and waits until it answers. */
async function start(): Promise<void> {
  daemon = haltingSerein(configFile, haltFile);
  token = await serveReady(daemon, url, token);
}

const api = (method: string, path: string, body?: unknown, as = token): Promise<any> =>
  serveApi(url, as, method, path, body);

const submit = async (playbook: string, inputs: Record<string, unknown>, as = token): Promise<string> =>
  (await api('POST', '/v1/jobs', { playbook, inputs }, as)).job.id;

async function waitJob(id: string): Promise<{ job: any; steps: any[] }> {
  return until(
    async () => {
      const res = await api('GET', `/v1/jobs/${id}`);
      return TERMINAL.includes(res.job.status) ? res : undefined;
    },
    60_000,
    `job ${id} to end`,
  );
}

const certificates = async (): Promise<any[]> =>
  (await api('GET', `/v1/certificates?status=all&name=${site}`)).certificates;

const sameSerial = (a: string | undefined, b: string) =>
  a?.replace(/^0+/, '').toLowerCase() === b.replace(/^0+/, '').toLowerCase();

/**
 * The invariant after every crash and recovery: one active certificate; it is the one on
 * disk (chain and matching key) and the one nginx presents over IPv4 and IPv6; nothing
 * pending; nginx's configuration passes its test.
 */
async function expectConsistent(): Promise<any> {
  const all = await certificates();
  const active = all.filter((c) => c.status === 'active');
  expect(active, JSON.stringify(all.map((c) => [c.serial, c.status]))).toHaveLength(1);
  expect(all.filter((c) => c.status === 'pending')).toEqual([]);
  const pair = sitePair(join(dir, 'certs', site));
  const chain = new X509Certificate(readFileSync(pair.chain));
  expect(
    sameSerial(chain.serialNumber, active[0].serial),
    `on disk ${chain.serialNumber}, active ${active[0].serial}`,
  ).toBe(true);
  expect(chain.checkPrivateKey(createPrivateKey(readFileSync(pair.key)))).toBe(true);
  // The served key is the only certificate key on disk: no backup of a replaced one, no temporary file, no other pair.
  expect(privateKeyFiles(join(dir, 'certs'))).toEqual([pair.key]);
  for (const address of ['127.0.0.1', '::1']) {
    const served = await servedCertificate({ address, port: lab.nginx!.tlsPort, servername: site });
    expect(
      sameSerial(served.serial, active[0].serial),
      `${address} serves ${served.serial ?? served.error}, active ${active[0].serial}`,
    ).toBe(true);
  }
  const test = labNginxTest(lab);
  expect(test.ok, test.output).toBe(true);
  return active[0];
}

beforeAll(async () => {
  lab = await useLab('pebble');
  dir = tempDir('serein-renew-crash-');
  configFile = join(dir, 'config.yaml');
  haltFile = join(dir, 'halt-at');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const config = {
    ...labCertConfig(lab, dir),
    server: { host: '127.0.0.1', port },
    store: { driver: 'sqlite', path: join(dir, 'serein.db') },
    playbooks: resolve(import.meta.dirname, '../playbooks'),
    log: { level: 'info' },
    // Renewals are forced by the test, not by the schedule.
    renewal: { enabled: false },
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  await start();
});

afterAll(async () => {
  // The lab's nginx is shared: take the site down before its certificate folder goes, or
  // every later `nginx -t` fails on the missing files.
  if (daemon && daemon.exitCode === null && token) {
    const id = await submit('vhost.delete', { domain: site }).catch(() => undefined);
    if (id) await waitJob(id).catch(() => undefined);
  }
  if (daemon && daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await daemon.exited;
  }
  if (daemon) keepServeLog(daemon);
  // Belt and braces: a site file the daemon could not delete must not outlive its folder.
  if (lab) removeLeftSiteFiles(lab, (f) => f === `${site}.conf`);
  if (dir) {
    notePrivateKeys(join(dir, 'certs'));
    keepStoreForScan(join(dir, 'serein.db'));
  }
});

describe('certificate.renew killed at each step', () => {
  it('a client issues the certificate the renewals start from', async () => {
    await api('POST', '/v1/tenants', { id: tenant, name: `Tenant ${tenant}`, language: 'en' });
    await api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'domain', name: reg });
    await api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'server', name: 'lab' });
    const client = (await api('POST', '/v1/tokens', { kind: 'client', tenantId: tenant })).token;
    noteSecrets('client token', client);
    const vhost = await waitJob(await submit('vhost.create', { webserver: 'lab', domain: site }, client));
    expect(vhost.job.status, JSON.stringify(vhost.job.error)).toBe('succeeded');
    const issued = await waitJob(await submit('certificate.issue', { domains: [site] }, client));
    expect(issued.job.status, JSON.stringify(issued.job.error)).toBe('succeeded');
    const active = await expectConsistent();
    expect(active.serial).toBe(issued.job.result.serial);
    expect(active.tenantId).toBe(tenant);
  });

  it.each(POINTS)(
    'killed at %s: the restarted daemon undoes the renewal, and the old certificate is served and recorded',
    async (point) => {
      const before = await expectConsistent();
      writeFileSync(haltFile, point);
      const id = await submit('certificate.renew', { certificate: before.id, site });
      const killed = daemon!;
      await until(
        async () =>
          killed.output().includes(`halted at ${point} `) ||
          (killed.exitCode !== null ? Promise.reject(new Error('exited')) : undefined),
        60_000,
        `the daemon to halt at ${point}`,
      );
      killed.kill('SIGKILL');
      await killed.exited;
      keepServeLog(killed);
      writeFileSync(haltFile, '');
      await start();
      const { job, steps } = await waitJob(id);
      expect(job.status, JSON.stringify({ error: job.error, steps })).toBe('failed');
      expect(job.error.code).toBe('interrupted');
      // Every step with something to undo that had started (order, install, activate) was undone; no undo failed.
      expect(
        steps.filter((s) => ['issue', 'install', 'record'].includes(s.name) && s.status !== 'compensated'),
      ).toEqual([]);
      expect(steps.filter((s) => s.status === 'compensation-failed')).toEqual([]);
      const after = await expectConsistent();
      expect(after.id).toBe(before.id);
      expect(after.serial).toBe(before.serial);
      // A certificate the CA issued for the interrupted renewal is kept as abandoned history, never pending or active.
      for (const c of await certificates())
        if (c.id !== before.id) expect(['abandoned', 'replaced']).toContain(c.status);
    },
  );

  it('serein serve ignores SEREIN_TEST_HALT: an uninterrupted renewal completes, the new certificate is served and recorded, and SIGTERM stops it', async () => {
    const before = await expectConsistent();
    daemon!.kill('SIGTERM');
    await daemon!.exited;
    keepServeLog(daemon!);
    // What the daemon's old test hook read: this file naming the first point the renewal passes.
    writeFileSync(haltFile, 'preflight-done');
    const production = serein(['serve', '--config', configFile], { SEREIN_TEST_HALT: haltFile });
    daemon = production;
    token = await serveReady(production, url, token);
    const { job } = await waitJob(await submit('certificate.renew', { certificate: before.id, site }));
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(production.output()).not.toMatch(/halted/);
    const after = await expectConsistent();
    expect(after.id).toBe(job.result.certificate);
    expect(after.serial).not.toBe(before.serial);
    expect(after.replacesId).toBe(before.id);
    expect(after.tenantId).toBe(tenant); // renewed by an admin (the schedule), still the client's
    expect((await certificates()).find((c) => c.id === before.id)?.status).toBe('replaced');
    production.kill('SIGTERM');
    expect(
      await until(
        async () => (production.exitCode !== null ? { code: production.exitCode } : undefined),
        10_000,
        'serein serve to stop on SIGTERM',
      ),
    ).toEqual({ code: 0 });
    keepServeLog(production);
    // A daemon again for afterAll to take the site down with.
    writeFileSync(haltFile, '');
    await start();
  });
});
