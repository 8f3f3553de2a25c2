/**
 * dns-01 through the official Cloudflare SDK, pointed at a local server speaking the v4
 * DNS records API; its records are published to the lab DNS, so Pebble validates for
 * real. Also dns.fix: repairs run only on confirmation, are audited, and undone on failure.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solverFor } from '../src/actions/certificate.js';
import { issueCertificate } from '../src/certificates/issue.js';
import { CloudflareDns } from '../src/dns/cloudflare.js';
import { DnsClient } from '../src/dns/resolver.js';
import { useLab, type LabInfo } from './lab/client.js';
import { labCertConfig, labServices } from './helpers/acme-lab.js';
import { startTestDaemon } from './helpers/daemon.js';
import { FakeCloudflare } from './helpers/fake-cloudflare.js';
import { tempDir } from './helpers/tmp.js';

let lab: LabInfo;
let cf: FakeCloudflare;
const token = `cf-${randomBytes(8).toString('hex')}`;
const zoneName = `${randomBytes(4).toString('hex')}.test`;

beforeAll(async () => {
  lab = await useLab('pebble');
  cf = await new FakeCloudflare({
    token,
    scopedTokens: { 'narrow-token': ['other.test'] },
    challtestsrv: lab.dns!.managementUrl,
  }).start();
  cf.addZone(zoneName);
  cf.addZone('other.test');
});
afterAll(async () => {
  await cf?.stop();
});

describe('the official SDK against the fake v4 API', () => {
  it('finds zones, pages through records, creates, updates and deletes', async () => {
    const sdk = new CloudflareDns({ apiToken: token, baseUrl: cf.baseUrl });
    const zone = await sdk.findZone(`a.b.${zoneName}`);
    expect(zone?.name).toBe(zoneName);
    for (let i = 0; i < 130; i++)
      await cf.addRecord(zoneName, { type: 'TXT', name: `bulk${i}.${zoneName}`, content: `v${i}` });
    const all = await sdk.records(zone!.id, { type: 'TXT' });
    expect(all.length).toBe(130); // two pages of 100, then an empty one
    expect(cf.requests.filter((r) => r.includes('/dns_records?')).some((r) => r.includes('page=2'))).toBe(true);
    const one = await sdk.records(zone!.id, { type: 'TXT', name: `bulk7.${zoneName}` });
    expect(one.map((r) => r.content)).toEqual(['v7']);
    const caa = await sdk.create(zone!.id, {
      type: 'CAA',
      name: zoneName,
      content: '0 issue "pebble.letsencrypt.org"',
    });
    expect(caa.content).toBe('0 issue "pebble.letsencrypt.org"');
    const a = await sdk.create(zone!.id, { type: 'A', name: `www.${zoneName}`, content: '192.0.2.10' });
    const dns = new DnsClient([`127.0.0.1:${lab.dns!.port}`]);
    expect((await dns.a(`www.${zoneName}`)).records).toEqual(['192.0.2.10']);
    await sdk.update(zone!.id, a.id, { type: 'A', name: `www.${zoneName}`, content: '127.0.0.1' });
    expect((await dns.a(`www.${zoneName}`)).records).toEqual(['127.0.0.1']);
    await sdk.delete(zone!.id, a.id);
    await sdk.delete(zone!.id, caa.id);
    await sdk.delete(zone!.id, caa.id); // already gone: not an error
    for (const r of cf.recordsOf(`bulk7.${zoneName}`)) expect(r.content).toBe('v7');
  });

  it('a token without access to the zone finds nothing; a wrong token is refused', async () => {
    expect(
      await new CloudflareDns({ apiToken: 'narrow-token', baseUrl: cf.baseUrl }).findZone(`x.${zoneName}`),
    ).toBeNull();
    await expect(
      new CloudflareDns({ apiToken: 'wrong', baseUrl: cf.baseUrl }).findZone(`x.${zoneName}`),
    ).rejects.toThrow(/Invalid access token/);
  });
});

describe('dns-01 issuance', () => {
  it('issues a wildcard certificate: TXT records through the SDK, seen on every nameserver, validated by Pebble', async () => {
    const env = await labServices(lab, { cloudflare: { apiToken: token, baseUrl: cf.baseUrl } });
    try {
      const ctx = env.services.certificates;
      const names = [`*.${zoneName}`, zoneName];
      const started = Date.now();
      const cert = await issueCertificate(
        { config: env.config, accounts: ctx.accounts, pool: ctx.pool, certificates: env.store.certificates },
        { domains: names, keyType: 'ecdsa-p256', solver: solverFor(env.services, 'dns-01', null) },
      );
      console.log(`dns-01 wildcard issued in ${Date.now() - started} ms`, cert.timings);
      const san = new X509Certificate(cert.fullChainPem).subjectAltName;
      expect(san).toContain(`DNS:*.${zoneName}`);
      expect(san).toContain(`DNS:${zoneName}`);
      // The proof records were created through the API, then cleaned up.
      expect(cf.requests.some((r) => r.startsWith('POST') && r.includes('/dns_records'))).toBe(true);
      expect(cf.recordsOf(`_acme-challenge.${zoneName}`, 'TXT')).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('through the daemon: certificate.issue with dns-01 for a wildcard', async () => {
    const dir = tempDir('serein-cf-');
    const d = await startTestDaemon({
      config: labCertConfig(lab, dir, { cloudflare: { apiToken: token, baseUrl: cf.baseUrl } }),
    });
    try {
      const t = await d.tenant(`w${randomBytes(3).toString('hex')}`, { domains: [zoneName], servers: ['lab'] });
      const site = `app.${zoneName}`;
      const vhost = await d.runJob('vhost.create', { webserver: 'lab', domain: site }, { token: t.token });
      expect(vhost.status, JSON.stringify(vhost.error)).toBe('succeeded');
      const job = await d.runJob(
        'certificate.issue',
        { domains: [site, `*.${zoneName}`], challenge: 'dns-01' },
        { token: t.token },
      );
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      const rec = await d.store.certificates.get(job.result.certificate);
      expect(rec?.challenge).toBe('dns-01');
      expect(rec?.domains).toEqual([site, `*.${zoneName}`]);
    } finally {
      await d.stop();
    }
  });
});

describe('dns.fix', () => {
  it('repairs a stale AAAA and a CAA without our CA, only when confirmed, audited', async () => {
    const zone = `${randomBytes(4).toString('hex')}.test`;
    cf.addZone(zone);
    const name = `shop.${zone}`;
    await cf.addRecord(zone, { type: 'AAAA', name, content: '2001:db8::dead' });
    await cf.addRecord(zone, { type: 'CAA', name: zone, content: '0 issue "otherca.example"' });
    const dir = tempDir('serein-fix-');
    const d = await startTestDaemon({
      config: labCertConfig(lab, dir, { cloudflare: { apiToken: token, baseUrl: cf.baseUrl } }),
    });
    try {
      const t = await d.tenant(`f${randomBytes(3).toString('hex')}`, { domains: [zone], servers: ['lab'] });
      const doctor = await d.api('POST', '/v1/doctor', { token: t.token, body: { domains: [name], webserver: 'lab' } });
      const repairs = doctor.body.checks.filter((c: any) => c.repair).map((c: any) => c.repair);
      expect(repairs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ op: 'update', type: 'AAAA', from: '2001:db8::dead', to: '::1' }),
          expect.objectContaining({ op: 'create', type: 'CAA', name: zone, to: '0 issue "pebble.letsencrypt.org"' }),
        ]),
      );
      expect(doctor.body.text).toMatch(/serein can do it for you \(dns\.fix\)/);

      // A dry run shows the changes and makes none.
      const dry = await d.runJob('dns.fix', { domain: name, webserver: 'lab' }, { token: t.token, dryRun: true });
      expect(dry.status).toBe('succeeded');
      expect(dry.plan.map((p: any) => p.summary)).toEqual(
        expect.arrayContaining([`Point the AAAA record of ${name} from 2001:db8::dead to ::1`]),
      );
      expect(cf.recordsOf(name, 'AAAA').map((r) => r.content)).toEqual(['2001:db8::dead']);
      // Without confirmation, nothing either.
      const unconfirmed = await d.runJob('dns.fix', { domain: name, webserver: 'lab' }, { token: t.token });
      expect(unconfirmed.status).toBe('failed');
      expect(unconfirmed.error.code).toBe('confirmation_required');
      expect(cf.recordsOf(name, 'AAAA').map((r) => r.content)).toEqual(['2001:db8::dead']);

      const job = await d.runJob('dns.fix', { domain: name, webserver: 'lab', confirm: true }, { token: t.token });
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      expect(cf.recordsOf(name, 'AAAA').map((r) => r.content)).toEqual(['::1']);
      expect(cf.recordsOf(zone, 'CAA').map((r) => r.content)).toEqual(
        expect.arrayContaining(['0 issue "pebble.letsencrypt.org"']),
      );
      const audit = await d.api('GET', '/v1/audit?action=dns.update');
      expect(audit.body.entries.some((e: any) => e.subject === `dns:${name}`)).toBe(true);
      // And now the name is ready for a certificate.
      const again = await d.api('POST', '/v1/doctor', { token: t.token, body: { domains: [name], webserver: 'lab' } });
      expect(again.body.checks.filter((c: any) => c.status === 'failure')).toEqual([]);
    } finally {
      await d.stop();
    }
  });
});
