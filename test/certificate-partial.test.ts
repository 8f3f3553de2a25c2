/**
 * Partial coverage (issue 22), through the API against the lab's Pebble, DNS and nginx:
 * when some names of a request fail the preflight, the failure explains each of them and
 * carries a ready request for the names that work, which secures them when sent as it is;
 * a renewal never drops a name by itself: it fails and alerts, the current certificate
 * keeps covering every name, and the same offer is how the client agrees to drop one.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedCertificate } from '../src/certificates/install.js';
import { CertificateMaintenance } from '../src/certificates/maintain.js';
import { useLab, type LabInfo } from './lab/client.js';
import { dnsAdmin, labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';

let lab: LabInfo;
let d: TestDaemon;
let client: { token: string };
const reg = `${randomBytes(4).toString('hex')}.test`;
const site = `shop.${reg}`;
const www = `www.shop.${reg}`;
const BAD = '2001:db8::dead';

const served = async (name: string) =>
  (await servedCertificate({ address: '127.0.0.1', port: lab.nginx!.tlsPort, servername: name })).serial;

beforeAll(async () => {
  lab = await useLab('pebble');
  d = await startTestDaemon({
    config: { ...labCertConfig(lab, tempDir('serein-partial-')), renewal: { enabled: false } },
  });
  client = await d.tenant(`t${randomBytes(3).toString('hex')}`, { domains: [reg], servers: ['lab'] });
  const vhost = await d.runJob(
    'vhost.create',
    { webserver: 'lab', domain: site, aliases: [www] },
    { token: client.token },
  );
  expect(vhost.status, JSON.stringify(vhost.error)).toBe('succeeded');
});

afterAll(async () => {
  await dnsAdmin(lab, 'clear-aaaa', { host: `${www}.` }).catch(() => undefined);
  await d?.stop();
});

describe('partial coverage', () => {
  it('a request with a failing name explains it and offers the names that work, in one click', async () => {
    await dnsAdmin(lab, 'add-aaaa', { host: `${www}.`, addresses: [BAD] });
    const job = await d.runJob('certificate.issue', { domains: [site, www] }, { token: client.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('preflight_failed');
    // The failing name, why, and its fix; then what can be done now.
    expect(job.error.message).toContain(www);
    expect(job.error.message).toContain(BAD);
    expect(job.error.hint).toContain(`Or secure now the name that works (${site}), and add ${www} once fixed.`);
    expect(job.error.offer).toEqual({
      playbook: 'certificate.issue',
      inputs: { domains: [site], challenge: 'http-01' },
      names: [site],
      without: [www],
    });
    // In French for a French reader.
    const fr = await d.api('GET', `/v1/jobs/${job.id}`, { token: client.token, headers: { 'accept-language': 'fr' } });
    expect(fr.body.job.error.offer).toEqual(job.error.offer);
    expect(fr.body.job.error.hint).toContain(
      `Ou sécurisez dès maintenant le nom qui fonctionne (${site}), et ajoutez ${www} une fois corrigé.`,
    );

    // One click: the offer sent as it is secures the working name.
    const accepted = await d.runJob(job.error.offer.playbook, job.error.offer.inputs, { token: client.token });
    expect(accepted.status, JSON.stringify(accepted.error)).toBe('succeeded');
    const active = (await d.store.certificates.active('lab', site))!;
    expect(active.domains).toEqual([site]);
    expect(await served(site)).toBe(active.serial);
  });

  it('once fixed, the left-out name is added; a renewal that finds it broken again fails and alerts, and never drops it', async () => {
    await dnsAdmin(lab, 'clear-aaaa', { host: `${www}.` });
    const both = await d.runJob('certificate.issue', { domains: [site, www] }, { token: client.token });
    expect(both.status, JSON.stringify(both.error)).toBe('succeeded');
    const current = (await d.store.certificates.active('lab', site))!;
    expect(current.domains).toEqual([site, www]);

    await dnsAdmin(lab, 'add-aaaa', { host: `${www}.`, addresses: [BAD] });
    const m = new CertificateMaintenance(
      d.daemon.engine,
      () => new Date(new Date(current.renewAfter!).getTime() + 1000),
    );
    const report = await m.tick();
    await m.stop();
    expect(report.renewed).toEqual([]);
    expect(report.failed).toHaveLength(1);
    // The certificate served still covers both names; nothing narrower was issued or activated.
    expect((await d.store.certificates.active('lab', site))?.id).toBe(current.id);
    expect(await served(site)).toBe(current.serial);
    expect(await served(www)).toBe(current.serial);
    expect(await d.store.certificates.list({ name: site, status: 'pending' })).toEqual([]);
    const feed = await d.api('GET', '/v1/alerts?kind=certificate-renewal-failed');
    expect(feed.body.alerts.some((a: any) => a.message.includes(site))).toBe(true);
    // The renewal's failure says the coverage is kept, and offers dropping the name only as the client's choice.
    const jobs = (await d.api('GET', '/v1/jobs?playbook=certificate.renew', { token: client.token })).body.jobs;
    const renewal = jobs.find((j: any) => j.inputs?.certificate === current.id);
    expect(renewal.status).toBe('failed');
    expect(renewal.error.hint).toContain(
      `Your current certificate keeps covering every name, ${www} included, until it expires; we do not renew it without it unless you ask.`,
    );
    expect(renewal.error.offer).toEqual({
      playbook: 'certificate.issue',
      inputs: { domains: [site], challenge: 'http-01', keyType: 'ecdsa-p256' },
      names: [site],
      without: [www],
    });
  });
});
