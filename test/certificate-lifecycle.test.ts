/**
 * A certificate lives as long as its site (issue 22), through the daemon against the lab's
 * Pebble and nginx: renewals leave no old key on disk; a TLS request for a name nginx does
 * not serve is refused (the default TLS server with ssl_reject_handshake) while a served
 * name gets its own certificate; deleting the site retires its certificate (not renewed,
 * files removed, the store says retired); creating it again secures it with that
 * certificate, and HTTPS answers with it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedCertificate } from '../src/certificates/install.js';
import { CertificateMaintenance } from '../src/certificates/maintain.js';
import { certVersion } from '../src/nginx/site.js';
import { useLab, type LabInfo } from './lab/client.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { privateKeyFiles, sitePair } from './helpers/key-files.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest } from './helpers/vhost-lab.js';

let lab: LabInfo;
let d: TestDaemon;
let dir: string;
let client: { token: string };
const reg = `${randomBytes(4).toString('hex')}.test`;
const site = `shop.${reg}`;

const served = (servername: string, address = '127.0.0.1') =>
  servedCertificate({ address, port: lab.nginx!.tlsPort, servername });

beforeAll(async () => {
  lab = await useLab('pebble');
  dir = tempDir('serein-lifecycle-');
  d = await startTestDaemon({ config: { ...labCertConfig(lab, dir), renewal: { enabled: false } } });
  client = await d.tenant(`t${randomBytes(3).toString('hex')}`, { domains: [reg], servers: ['lab'] });
});

afterAll(async () => {
  await d?.stop();
});

describe('a certificate lives as long as its site', () => {
  let issued: { id: string; serial: string };

  it('a TLS request for a name nginx does not serve is refused; a served name gets its own certificate', async () => {
    expect((await d.runJob('vhost.create', { webserver: 'lab', domain: site }, { token: client.token })).status).toBe(
      'succeeded',
    );
    const first = await d.runJob('certificate.issue', { domains: [site] }, { token: client.token });
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const active = (await d.store.certificates.active('lab', site))!;
    // A real TLS handshake: the site's own name gets its certificate, over IPv4 and IPv6...
    for (const address of ['127.0.0.1', '::1']) expect((await served(site, address)).serial).toBe(active.serial);
    // ...a name nginx does not serve, or no name at all, gets none: the handshake is refused.
    for (const [name, address] of [
      [`nobody.${reg}`, '127.0.0.1'],
      [`nobody.${reg}`, '::1'],
      ['127.0.0.1', '127.0.0.1'],
    ]) {
      const got = await served(name, address);
      expect(got.serial, `${name} on ${address} was given ${got.serial} (${got.subjectAltName})`).toBeUndefined();
      expect(got.error).toMatch(/unrecognized name|alert|handshake/i);
    }
    // One default server per TLS address serein manages.
    const defaults = readdirSync(lab.nginx!.vhostDir)
      .filter((f) => f.startsWith('_serein-default-tls-') && f.endsWith(`-${lab.nginx!.tlsPort}.conf`))
      .sort();
    expect(defaults).toEqual([
      `_serein-default-tls-127.0.0.1-${lab.nginx!.tlsPort}.conf`,
      `_serein-default-tls-::1-${lab.nginx!.tlsPort}.conf`,
    ]);
    for (const f of defaults)
      expect(readFileSync(join(lab.nginx!.vhostDir, f), 'utf8')).toMatch(
        /listen \S+ ssl default_server;\n\s+ssl_reject_handshake on;/,
      );
    expect(labNginxTest(lab).ok).toBe(true);
  });

  it('renewals leave the served key as the only one on disk, and do not write the default server again', async () => {
    for (let i = 0; i < 2; i++) {
      const current = (await d.store.certificates.active('lab', site))!;
      const renewed = await d.runJob('certificate.renew', { certificate: current.id, site });
      expect(renewed.status, JSON.stringify(renewed.error)).toBe('succeeded');
    }
    const active = (await d.store.certificates.active('lab', site))!;
    issued = { id: active.id, serial: active.serial };
    expect((await served(site)).serial).toBe(active.serial);
    // Three keys were issued; the served one is the only file holding a private key (no .serein-bak of the others),
    // and the folder holds the served pair alone, under its version.
    const pair = sitePair(join(dir, 'certs', site));
    expect(privateKeyFiles(join(dir, 'certs'))).toEqual([pair.key]);
    expect(readdirSync(join(dir, 'certs', site)).sort()).toEqual(
      [`${site}.${certVersion(active.certPem)}.crt`, `${site}.${certVersion(active.certPem)}.key`].sort(),
    );
    const file = join(lab.nginx!.vhostDir, `_serein-default-tls-127.0.0.1-${lab.nginx!.tlsPort}.conf`);
    expect(statSync(file).mtimeMs).toBeLessThan(new Date(active.activatedAt!).getTime());
  });

  it('deleting the site retires its certificate: the store says retired, its files are gone, it is not renewed', async () => {
    const job = await d.runJob('vhost.delete', { domain: site, confirm: site }, { token: client.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const cert = (await d.store.certificates.get(issued.id))!;
    expect(cert.status).toBe('retired');
    expect(await d.store.certificates.active('lab', site)).toBeUndefined();
    expect(existsSync(join(dir, 'certs', site))).toBe(false);
    expect(privateKeyFiles(dir)).toEqual(privateKeyFiles(join(dir, 'state'))); // the ACME account's key only
    // Long after its renewal time, the schedule does not renew it.
    const later = new CertificateMaintenance(
      d.daemon.engine,
      () => new Date(new Date(cert.notAfter).getTime() - 60_000),
    );
    const report = await later.tick();
    await later.stop();
    expect(report.renewed.map((r) => r.id)).not.toContain(issued.id);
    expect((await d.store.certificates.get(issued.id))!.status).toBe('retired');
    const listed = await d.api('GET', `/v1/certificates?status=retired`, { token: client.token });
    expect(listed.body.certificates.map((c: any) => c.id)).toContain(issued.id);
    expect(labNginxTest(lab).ok).toBe(true);
  });

  it('creating the site again secures it with its still valid certificate: HTTPS answers with it, the store says active', async () => {
    const job = await d.runJob('vhost.create', { webserver: 'lab', domain: site }, { token: client.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result.url).toBe(`https://${site}/`);
    expect((await d.store.certificates.active('lab', site))?.id).toBe(issued.id);
    expect((await d.store.tenants.getResource('vhost', site))?.data).toMatchObject({ tls: true });
    for (const address of ['127.0.0.1', '::1']) expect((await served(site, address)).serial).toBe(issued.serial);
    expect(privateKeyFiles(join(dir, 'certs'))).toEqual([sitePair(join(dir, 'certs', site)).key]);
    expect(labNginxTest(lab).ok).toBe(true);
  });
});
