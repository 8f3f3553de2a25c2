/**
 * End to end through the daemon: certificate.issue issues against the lab's Pebble,
 * installs on the lab's nginx and proves it by a TLS handshake; the maintenance renews
 * it; a failing renewal alerts and backs off; a preflight failure never reaches Pebble.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, readFileSync, statSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findVhost, installCertificate, servedCertificate } from '../src/certificates/install.js';
import { issueCertificate } from '../src/certificates/issue.js';
import { solverFor } from '../src/actions/certificate.js';
import { CertificateMaintenance } from '../src/certificates/maintain.js';
import { useLab, type LabInfo } from './lab/client.js';
import { dnsAdmin, labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { serein } from './helpers/process.js';
import { sitePair } from './helpers/key-files.js';

let lab: LabInfo;
let d: TestDaemon;
let dir: string;
let hook: http.Server;
const hooked: any[] = [];
const reg = `${randomBytes(4).toString('hex')}.test`;
let client: { token: string };

/** Orders Pebble holds for serein's account: how we know no order was placed. */
async function pebbleOrders(): Promise<number> {
  const ready = await d.daemon.engine.services.certificates.accounts.account('pebble');
  return (await ready.client.accountOrders()).length;
}

beforeAll(async () => {
  lab = await useLab('pebble');
  dir = mkdtempSync(join(tmpdir(), 'serein-acme-e2e-'));
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooked.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`;
  d = await startTestDaemon({ config: { ...labCertConfig(lab, dir), alerts: { webhooks: [hookUrl] } } });
  client = await d.tenant(`t${randomBytes(3).toString('hex')}`, { domains: [reg], servers: ['lab'], language: 'fr' });
});

afterAll(async () => {
  await d?.stop();
  hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('certificate.issue through the daemon', () => {
  const site = `shop.${reg}`;
  let firstSerial = '';

  it('issues, installs, serves (TLS handshake), and records the certificate', async () => {
    const vhost = await d.runJob('vhost.create', { webserver: 'lab', domain: site }, { token: client.token });
    expect(vhost.status, JSON.stringify(vhost.error)).toBe('succeeded');
    // A dry run diagnoses for real and shows the plan, without asking the CA, in the client's language (French).
    const dry = await d.runJob('certificate.issue', { domains: [site] }, { token: client.token, dryRun: true });
    expect(dry.status, JSON.stringify(dry.error)).toBe('succeeded');
    // The client's plan names where the key goes in words, not its path on the server.
    expect(dry.plan.map((p: any) => p.summary).join('\n')).toMatch(
      /commander un certificat ecdsa-p256[\s\S]*écrire la clé sur le serveur, pour ‹site› \(mode 0600\)[\s\S]*connexion sécurisée \(TLS\)/,
    );
    const asAdmin = await d.api('GET', `/v1/jobs/${dry.id}`);
    expect(asAdmin.body.job.plan.map((p: any) => p.summary).join('\n')).toMatch(
      /order a ecdsa-p256 certificate[\s\S]*‹version›\.key \(mode 0600\)[\s\S]*TLS handshake/,
    );
    expect(await d.store.certificates.list({ name: site, status: undefined })).toEqual([]);
    const started = Date.now();
    const job = await d.runJob('certificate.issue', { domains: [site] }, { token: client.token });
    const took = Date.now() - started;
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    console.log(`certificate.issue job (preflight + order + install + handshake): ${took} ms`);
    expect(job.result.authority).toBe('pebble');
    firstSerial = job.result.serial;
    const served = await servedCertificate({ address: '127.0.0.1', port: lab.nginx!.tlsPort, servername: site });
    expect(served.serial).toBe(firstSerial);
    const served6 = await servedCertificate({ address: '::1', port: lab.nginx!.tlsPort, servername: site });
    expect(served6.serial).toBe(firstSerial);
    const key = sitePair(join(dir, 'certs', site)).key;
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const rec = await d.store.certificates.active('lab', site);
    expect(rec?.serial).toBe(firstSerial);
    expect(rec?.tenantId).toBe((await d.store.tenants.domainOwner(site)) ?? null);
    expect((await d.store.tenants.getResource('vhost', site))?.data).toMatchObject({ tls: true });
    // The key is sealed in the store: a copy of the database gives no private key.
    expect(rec!.keyPem.startsWith('sealed:')).toBe(true);
    expect(rec!.keyPem).not.toContain('PRIVATE KEY');

    // The job log never holds the key.
    const events = await d.store.jobs.events(job.id);
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
    const steps = await d.store.jobs.steps(job.id);
    expect(JSON.stringify(steps)).not.toContain('PRIVATE KEY');

    // The API lists it for its owner, without key; /metrics exposes its expiry.
    const list = await d.api('GET', '/v1/certificates', { token: client.token });
    expect(list.status).toBe(200);
    expect(list.body.certificates.map((c: any) => c.serial)).toContain(firstSerial);
    expect(JSON.stringify(list.body)).not.toContain('PRIVATE KEY');
    const metrics = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.adminToken}` } }).then(
      (r) => r.text(),
    );
    expect(metrics).toMatch(
      new RegExp(`serein_certificate_expiry_timestamp_seconds\\{name="${site.replace(/\./g, '\\.')}".*\\} \\d+`),
    );
  });

  it('renews it when due (1/3 of the lifetime left), and serves the new one', async () => {
    const current = (await d.store.certificates.active('lab', site))!;
    const lifetime = new Date(current.notAfter).getTime() - new Date(current.notBefore).getTime();
    // Just before the renewal time, nothing is due; just after, it is renewed.
    const early = new CertificateMaintenance(
      d.daemon.engine,
      () => new Date(new Date(current.renewAfter!).getTime() - 60_000),
    );
    expect((await early.tick()).due).toBe(0);
    expect(new Date(current.renewAfter!).getTime()).toBeLessThanOrEqual(
      new Date(current.notAfter).getTime() - lifetime / 3,
    );
    const later = new CertificateMaintenance(
      d.daemon.engine,
      () => new Date(new Date(current.renewAfter!).getTime() + 1000),
    );
    const started = Date.now();
    const report = await later.tick();
    console.log(`renewal (preflight + order + install + handshake): ${Date.now() - started} ms`);
    expect(report.failed).toEqual([]);
    expect(report.renewed.map((r) => r.id)).toEqual([current.id]);
    const next = (await d.store.certificates.active('lab', site))!;
    expect(next.id).not.toBe(current.id);
    expect(next.replacesId).toBe(current.id);
    expect((await d.store.certificates.get(current.id))?.status).toBe('replaced');
    const served = await servedCertificate({ address: '127.0.0.1', port: lab.nginx!.tlsPort, servername: site });
    expect(served.serial).toBe(next.serial);
    const audit = await d.store.audit.list({ action: 'certificate.renew' });
    expect(audit.some((a) => a.result === 'succeeded')).toBe(true);
    // The renewal ran as a certificate.renew job, under the site's lock, listed like any other job.
    const jobs = await d.api('GET', '/v1/jobs');
    const renewal = jobs.body.jobs.find(
      (j: any) => j.playbook === 'certificate.renew' && j.inputs?.certificate === current.id,
    );
    expect(renewal).toMatchObject({
      status: 'succeeded',
      resource: `vhost:${site}`,
      inputs: { certificate: current.id, site },
    });
    expect(renewal.result).toMatchObject({ certificate: next.id, serial: next.serial });
    expect((await d.store.jobs.get(renewal.id))?.tokenId).toBe('scheduler');
    await later.stop();
    await early.stop();
  });

  it('puts back what was served before when the new certificate is not the one presented', async () => {
    const services = d.daemon.engine.services;
    const current = (await d.store.certificates.active('lab', site))!;
    const { chain: chainPath, key: keyPath } = sitePair(join(dir, 'certs', site));
    const before = [readFileSync(chainPath, 'utf8'), readFileSync(keyPath, 'utf8')];
    const ctx = services.certificates;
    const fresh = await issueCertificate(
      { config: services.config, accounts: ctx.accounts, pool: ctx.pool },
      { domains: [site], keyType: 'ecdsa-p256', solver: solverFor(services, 'http-01', 'lab') },
    );
    const vhost = (await findVhost(services, [site]))!;
    const ws = services.config.webservers.lab;
    const timeout = ws.probeTimeoutMs;
    ws.probeTimeoutMs = 500;
    try {
      // nginx is made to serve `fresh`, but the handshake expects another serial: it must roll back.
      const err = await installCertificate(services, {
        webserver: 'lab',
        vhost,
        domains: [site],
        fullChainPem: fresh.fullChainPem,
        keyPem: fresh.keyPem,
        serial: 'deadbeef',
      }).catch((e) => e);
      expect(err.code).toBe('certificate_not_served');
      expect(err.userMessage.en).toMatch(/your site is served as before/);
    } finally {
      ws.probeTimeoutMs = timeout;
    }
    expect([readFileSync(chainPath, 'utf8'), readFileSync(keyPath, 'utf8')]).toEqual(before);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    // The refused pair went with the undo: the served pair is the only one left.
    expect(sitePair(join(dir, 'certs', site))).toEqual({ chain: chainPath, key: keyPath });
    expect((await servedCertificate({ address: '127.0.0.1', port: lab.nginx!.tlsPort, servername: site })).serial).toBe(
      current.serial,
    );
  });

  it('a failing renewal alerts the admins and retries after 1 min, then 10 min', async () => {
    const current = (await d.store.certificates.active('lab', site))!;
    await dnsAdmin(lab, 'add-aaaa', { host: `${site}.`, addresses: ['2001:db8::dead'] });
    try {
      const t0 = new Date(new Date(current.renewAfter!).getTime() + 1000);
      let now = t0;
      const m = new CertificateMaintenance(d.daemon.engine, () => now);
      const before = await pebbleOrders();
      const r1 = await m.tick();
      expect(r1.renewed).toEqual([]);
      expect(r1.failed).toHaveLength(1);
      const after1 = (await d.store.certificates.get(current.id))!;
      expect(after1.renewalFailures).toBe(1);
      const wait1 = new Date(after1.nextAttemptAt!).getTime() - t0.getTime();
      expect(wait1).toBeGreaterThanOrEqual(54_000);
      expect(wait1).toBeLessThanOrEqual(66_000);
      expect(after1.lastError).toMatch(/2001:db8::dead/);
      // Not retried before its time...
      now = new Date(t0.getTime() + 30_000);
      expect((await m.tick()).failed).toHaveLength(0);
      // ...then retried, and the next wait is 10 minutes.
      now = new Date(after1.nextAttemptAt!);
      const r2 = await m.tick();
      expect(r2.failed).toHaveLength(1);
      const after2 = (await d.store.certificates.get(current.id))!;
      expect(after2.renewalFailures).toBe(2);
      const wait2 = new Date(after2.nextAttemptAt!).getTime() - now.getTime();
      expect(wait2).toBeGreaterThanOrEqual(540_000);
      expect(wait2).toBeLessThanOrEqual(660_000);
      // Never silent: the admin feed and the webhook got it, with the reason.
      const feed = await d.api('GET', '/v1/alerts?kind=certificate-renewal-failed');
      expect(feed.body.alerts.length).toBeGreaterThanOrEqual(2);
      expect(feed.body.alerts[0].message).toContain(site);
      await expect
        .poll(() => hooked.filter((h) => h.kind === 'certificate-renewal-failed').length)
        .toBeGreaterThanOrEqual(2);
      // The preflight stopped it: Pebble got no order.
      expect(await pebbleOrders()).toBe(before);
      // The certificate being renewed is still the one served.
      expect(
        (await servedCertificate({ address: '127.0.0.1', port: lab.nginx!.tlsPort, servername: site })).serial,
      ).toBe(current.serial);
      await m.stop();
    } finally {
      await dnsAdmin(lab, 'clear-aaaa', { host: `${site}.` });
    }
  });

  it("a preflight failure explains itself in the client's language and places no order", async () => {
    const other = `blog.${reg}`;
    expect((await d.runJob('vhost.create', { webserver: 'lab', domain: other }, { token: client.token })).status).toBe(
      'succeeded',
    );
    await dnsAdmin(lab, 'add-aaaa', { host: `${other}.`, addresses: ['2001:db8::dead'] });
    try {
      const before = await pebbleOrders();
      const job = await d.runJob('certificate.issue', { domains: [other] }, { token: client.token });
      expect(job.status).toBe('failed');
      expect(job.error.code).toBe('preflight_failed');
      expect(job.error.message).toContain('2001:db8::dead');
      expect(job.error.message).toMatch(/adresse IPv6/);
      expect(job.error.hint).toContain(`supprimez l'adresse IPv6 2001:db8::dead de ${other}, ou remplacez-la par ::1.`);
      expect(await pebbleOrders()).toBe(before);
      const steps = await d.store.jobs.steps(job.id);
      expect(steps.map((s) => s.name)).toEqual(['check']);
    } finally {
      await dnsAdmin(lab, 'clear-aaaa', { host: `${other}.` });
    }
  });

  it('POST /v1/doctor diagnoses, in words and one JSON entry per check', async () => {
    const res = await d.api('POST', '/v1/doctor', {
      token: client.token,
      body: { domains: [site, `*.${reg}`] },
      headers: { 'accept-language': 'en' },
    });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    const wild = res.body.checks.find((c: any) => c.id === 'wildcard-challenge');
    expect(wild).toMatchObject({ status: 'failure', domain: `*.${reg}` });
    expect(wild.fix).toMatch(/dns-01/);
    expect(res.body.text).toMatch(/cannot get a certificate yet/);
    const notMine = await d.api('POST', '/v1/doctor', { token: client.token, body: { domains: ['example.com'] } });
    expect(notMine.status).toBe(404);
  });

  it('serein doctor prints a diagnosis, or JSON with one entry per check; exit code 2 on a problem', async () => {
    const other = `v6.${reg}`;
    await dnsAdmin(lab, 'add-aaaa', { host: `${other}.`, addresses: ['2001:db8::dead'] });
    try {
      const human = serein(['doctor', '--url', d.url, '--token', client.token, '--lang', 'en', other]);
      expect(await human.exited).toBe(2);
      expect(human.output()).toContain(`Your domain ${other} has an IPv6 address, 2001:db8::dead`);
      expect(human.output()).toContain(
        `→ At the company that manages your domain (often where you bought it), remove the IPv6 address 2001:db8::dead from ${other}, or replace it with ::1.`,
      );
      const json = serein(['doctor', '--url', d.url, '--token', client.token, '--json', site]);
      expect(await json.exited).toBe(0);
      const out = JSON.parse(json.output());
      expect(out.ok).toBe(true);
      expect(out.checks.length).toBeGreaterThan(5);
      expect(out.checks.every((c: any) => c.id && c.status && c.message)).toBe(true);
    } finally {
      await dnsAdmin(lab, 'clear-aaaa', { host: `${other}.` });
    }
  });
});
