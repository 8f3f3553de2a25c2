/**
 * CA profiles and short lifetimes (issue 22), through the API against the lab's DNS and nginx
 * and a CA following the ACME profiles draft (the scripted CA in front of Pebble: Debian's
 * Pebble 2.4 has no profiles): classic 90 days, tlsserver 45, shortlived 6. A client secures
 * its site with a 6-day certificate, due at half its lifetime; the schedule (the default one,
 * clock injected) renews it with the same profile before it is 4 days old even when the CA
 * fails the first tries; a profile the CA does not offer, or one the admin does not let
 * clients choose, is refused before any order in plain words; a CA without profiles keeps
 * issuing its only kind of certificate.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedCertificate } from '../src/certificates/install.js';
import { CertificateMaintenance, type MaintenanceReport } from '../src/certificates/maintain.js';
import { retryDelayMs } from '../src/certificates/renew.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { startFaultyCa, type FaultyCa } from './helpers/faulty-ca.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

const DAY = 86_400_000;
const PROFILES = {
  classic: { description: '90-day certificates', days: 90 },
  tlsserver: { description: '45-day certificates for TLS servers', days: 45 },
  shortlived: { description: '6-day certificates', days: 6 },
};

let lab: LabInfo;
let ca: FaultyCa;
let d: TestDaemon;
let client: { token: string };
const reg = `${randomBytes(4).toString('hex')}.test`;
const site = `shop.${reg}`;

const served = async (name: string) =>
  (await servedCertificate({ address: '127.0.0.1', port: lab.nginx!.tlsPort, servername: name })).serial;
const lifetime = (c: { notBefore: string; notAfter: string }) =>
  new Date(c.notAfter).getTime() - new Date(c.notBefore).getTime();
const orderRequests = () => ca.seen.filter((s) => s.path === '/order-plz').length;

beforeAll(async () => {
  lab = await useLab('pebble');
  ca = await startFaultyCa(lab.pebble!, { profiles: PROFILES });
  const pebble = {
    directoryUrl: lab.pebble!.directoryUrl,
    caBundle: lab.pebble!.caCertPath,
    caaIdentities: ['pebble.letsencrypt.org'],
  };
  const config = labCertConfig(lab, tempDir('serein-profiles-'), {
    cas: [
      { ...pebble, name: 'profiled', directoryUrl: ca.directoryUrl },
      { ...pebble, name: 'plain' },
    ],
  });
  // The default renewal schedule ("17 */6 * * *"), as a provider would run it; clients may choose shortlived only.
  d = await startTestDaemon({
    config: { ...config, acme: { ...(config.acme as object), clientProfiles: ['shortlived'] } },
  });
  client = await d.tenant(`t${randomBytes(3).toString('hex')}`, { domains: [reg], servers: ['lab'] });
  const vhost = await d.runJob('vhost.create', { webserver: 'lab', domain: site }, { token: client.token });
  expect(vhost.status, JSON.stringify(vhost.error)).toBe('succeeded');
});

afterAll(async () => {
  await d?.stop();
  await ca?.close();
  expect(labNginxTest(lab).ok).toBe(true);
});

describe('CA profiles', () => {
  it('a client secures its site with shortlived: a 6-day certificate served by nginx, due at half its lifetime, its profile kept', async () => {
    const job = await d.runJob(
      'certificate.issue',
      { domains: [site], profile: 'shortlived' },
      { token: client.token },
    );
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(ca.orders.at(-1)).toBe('shortlived');
    const active = (await d.store.certificates.active('lab', site))!;
    expect(active.ca).toBe('profiled');
    expect(active.profile).toBe('shortlived');
    expect(lifetime(active)).toBe(6 * DAY);
    expect(await served(site)).toBe(active.serial);
    // Renewed once half of its life is gone (Let's Encrypt's advice under 10 days), made earlier by at most the jitter.
    const half = new Date(active.notBefore).getTime() + 3 * DAY;
    expect(new Date(active.renewAfter!).getTime()).toBeLessThanOrEqual(half);
    expect(new Date(active.renewAfter!).getTime()).toBeGreaterThanOrEqual(
      half - d.config.renewal.jitterMinutes * 60_000,
    );
  });

  it('the default schedule renews it with the same profile before it is 4 days old, though the CA fails the first four tries', async () => {
    const current = (await d.store.certificates.active('lab', site))!;
    const born = new Date(current.notBefore).getTime();
    const fail500 = { kind: 'status', status: 500, type: 'serverInternal', detail: 'database is on fire' } as const;
    ca.inject('/order-plz', fail500, fail500, fail500, fail500);
    let now = new Date(born);
    const m = new CertificateMaintenance(d.daemon.engine, () => now);
    const passes: { at: string; report: MaintenanceReport }[] = [];
    // Pass after pass, each when the schedule would run it: its cron times, or sooner a retry or a renewal falling due.
    while (!passes.some((p) => p.report.renewed.length) && now.getTime() < born + 6 * DAY && passes.length < 60) {
      now = (await m.nextPass(now))!;
      passes.push({ at: now.toISOString(), report: await m.tick() });
    }
    await m.stop();
    const tries = passes.filter((p) => p.report.failed.length || p.report.renewed.length);
    expect(tries.map((t) => t.report.failed.length)).toEqual([1, 1, 1, 1, 0]);
    // The first try comes when it falls due, not at the next scheduled pass.
    expect(tries[0].at).toBe(new Date(current.renewAfter!).toISOString());
    // After 1, 10 and 100 minutes, the fourth retry waits 12 hours (±10 %), not a day.
    const renewedAt = new Date(tries[4].at).getTime();
    expect(renewedAt - new Date(tries[3].at).getTime()).toBeLessThanOrEqual((1.1 * DAY) / 2);
    expect(renewedAt - born).toBeLessThan(4 * DAY);
    const renewed = (await d.store.certificates.active('lab', site))!;
    expect(renewed.id).toBe(tries[4].report.renewed[0].newId);
    expect(renewed.profile).toBe('shortlived');
    expect(lifetime(renewed)).toBe(6 * DAY);
    expect(ca.orders.at(-1)).toBe('shortlived');
    expect(await served(site)).toBe(renewed.serial);
  });

  it('a retry waits at most 1/12 of the lifetime: 12 hours for a 6-day certificate, daily for 90 days', () => {
    const steps = [1, 10, 100, 1440];
    expect(retryDelayMs(4, steps, () => 0.5, 6 * DAY)).toBe(DAY / 2);
    expect(retryDelayMs(4, steps, () => 0.5, 90 * DAY)).toBe(DAY);
    expect(retryDelayMs(1, steps, () => 0.5, 6 * DAY)).toBe(60_000);
  });

  it('a profile the CA does not offer is refused before any order, naming those it offers, in English and French', async () => {
    const other = `blog.${reg}`;
    const vhost = await d.runJob('vhost.create', { webserver: 'lab', domain: other });
    expect(vhost.status, JSON.stringify(vhost.error)).toBe('succeeded');
    const before = orderRequests();
    const job = await d.runJob('certificate.issue', { domains: [other], profile: 'sixmonths' });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('invalid_profile');
    expect(job.error.message).toBe(
      'Choose one of these kinds of certificate: classic, tlsserver, shortlived. "sixmonths" cannot be used: the certificate authority does not offer it.',
    );
    expect(job.error.hint).toContain('Nothing was asked of the certificate authority');
    const fr = await d.api('GET', `/v1/jobs/${job.id}`, { headers: { 'accept-language': 'fr' } });
    expect(fr.body.job.error.message).toBe(
      "Choisissez l'un de ces types de certificat\u00a0: classic, tlsserver, shortlived. «\u00a0sixmonths\u00a0» ne peut pas être utilisé\u00a0: l'autorité de certification ne le propose pas.",
    );
    expect(orderRequests()).toBe(before);
    expect(JSON.stringify(await d.store.jobs.events(job.id))).not.toContain('order placed');
    expect(await d.store.certificates.active('lab', other)).toBeUndefined();
    const removed = await d.runJob('vhost.delete', { domain: other });
    expect(removed.status, JSON.stringify(removed.error)).toBe('succeeded');
  });

  it('a client names only a profile the admin allows: tlsserver is offered by the CA, not by the provider', async () => {
    const before = orderRequests();
    const job = await d.runJob('certificate.issue', { domains: [site], profile: 'tlsserver' }, { token: client.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('profile_not_allowed');
    expect(job.error.message).toBe(
      'Choose one of these kinds of certificate: shortlived. "tlsserver" cannot be used: your provider does not offer it.',
    );
    expect(orderRequests()).toBe(before);
  });

  it('a new certificate for a shortlived site stays shortlived; the admin moves it back to classic by naming it', async () => {
    const job = await d.runJob('certificate.issue', { domains: [site] }, { token: client.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(ca.orders.at(-1)).toBe('shortlived');
    expect((await d.store.certificates.active('lab', site))!.profile).toBe('shortlived');
    // The admin moves the site back to the CA's default kind by naming it.
    const back = await d.runJob('certificate.issue', { domains: [site], profile: 'classic' });
    expect(back.status, JSON.stringify(back.error)).toBe('succeeded');
    const active = (await d.store.certificates.active('lab', site))!;
    expect(active.profile).toBe('classic');
    expect(lifetime(active)).toBe(90 * DAY);
    const twoThirds = new Date(active.notBefore).getTime() + 60 * DAY;
    expect(new Date(active.renewAfter!).getTime()).toBeLessThanOrEqual(twoThirds);
    expect(new Date(active.renewAfter!).getTime()).toBeGreaterThanOrEqual(
      twoThirds - d.config.renewal.jitterMinutes * 60_000,
    );
  });
});

describe('a CA without profiles', () => {
  let plain: TestDaemon;
  let owner: { token: string };
  const other = `${randomBytes(4).toString('hex')}.test`;
  const name = `plain.${other}`;

  beforeAll(async () => {
    const pebble = {
      name: 'plain',
      directoryUrl: lab.pebble!.directoryUrl,
      caBundle: lab.pebble!.caCertPath,
      caaIdentities: ['pebble.letsencrypt.org'],
      profile: 'shortlived',
    };
    plain = await startTestDaemon({
      config: { ...labCertConfig(lab, tempDir('serein-plain-'), { cas: [pebble] }), renewal: { enabled: false } },
    });
    owner = await plain.tenant(`t${randomBytes(3).toString('hex')}`, { domains: [other], servers: ['lab'] });
    const vhost = await plain.runJob('vhost.create', { webserver: 'lab', domain: name }, { token: owner.token });
    expect(vhost.status, JSON.stringify(vhost.error)).toBe('succeeded');
  });
  afterAll(async () => {
    await plain?.stop();
  });

  it('its configured profile is not sent: it issues its only kind, and the job log says so', async () => {
    const job = await plain.runJob('certificate.issue', { domains: [name] }, { token: owner.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const active = (await plain.store.certificates.active('lab', name))!;
    expect(active.profile).toBeNull();
    expect(await served(name)).toBe(active.serial);
    const log = JSON.stringify(await plain.store.jobs.events(job.id));
    expect(log).toContain(
      'warning: plain advertises no profiles; ordering its default kind of certificate instead of shortlived',
    );
  });

  it('a site naming a profile is refused before any order: the CA offers only one kind', async () => {
    const job = await plain.runJob('certificate.issue', { domains: [name], profile: 'shortlived' });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('invalid_profile');
    expect(job.error.message).toBe(
      'Leave the kind of certificate empty: the certificate authority offers only one kind, so "shortlived" cannot be used.',
    );
    expect((await plain.store.certificates.active('lab', name))!.profile).toBeNull();
  });
});
