/**
 * A site's certificate and its key never disagree on disk, whoever reads them: an `nginx -t`
 * run from outside (an admin, another daemon with its own store on the same nginx) while
 * serein installs certificate after certificate on a site must always pass. serein writes
 * each new pair under its own version beside the served one and switches the site's
 * configuration to it as one change; the pair served before goes once the new one is
 * served, and a refused install takes its new pair away again. A site secured by an older
 * serein (the fixed names `fullchain.pem` and `privkey.pem`) keeps working, and its next
 * install moves it to a versioned pair.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findVhost, installCertificate, recordVhost, servedCertificate } from '../src/certificates/install.js';
import { safeApplyNginx } from '../src/nginx/apply.js';
import { renderVhostWithTls } from '../src/nginx/site.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { privateKeyFiles, sitePair } from './helpers/key-files.js';
import { selfSigned } from './helpers/self-signed.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxArgv, labNginxTest, labWebserver, uniq } from './helpers/vhost-lab.js';
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { useLab } from './lab/client.js';

let priv: NginxInfo & { stop(): Promise<void> };
let d: TestDaemon;
let dir: string;
const site = `${uniq('pair')}.test`;
const legacy = `${uniq('old')}.test`;

/** A self-signed pair for `name` (test/helpers/self-signed.ts), with the serial a served certificate is matched by. */
async function pairFor(name: string): Promise<{ certPem: string; keyPem: string; serial: string }> {
  const pair = await selfSigned(name, dir);
  return { ...pair, serial: new X509Certificate(pair.certPem).serialNumber };
}

/** One `nginx -t` of the private nginx, as an admin would run it, without blocking the daemon in this process. */
function outsideTest(): Promise<{ ok: boolean; output: string }> {
  const [bin, ...args] = labNginxArgv(priv);
  return new Promise((resolve) => {
    const child = spawn(bin, [...args, '-t'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

async function install(name: string, cert: { certPem: string; keyPem: string; serial: string }) {
  const services = d.daemon.engine.services;
  const installed = await installCertificate(services, {
    webserver: 'priv',
    vhost: (await findVhost(services, [name]))!,
    domains: [name],
    fullChainPem: cert.certPem,
    keyPem: cert.keyPem,
    serial: cert.serial,
  });
  await recordVhost(services, installed.vhost);
}

const served = async (name: string) =>
  (await servedCertificate({ address: '127.0.0.1', port: priv.tlsPort, servername: name })).serial;
const sameSerial = (a: string | undefined, b: string) =>
  a?.replace(/^0+/, '').toLowerCase() === b.replace(/^0+/, '').toLowerCase();

beforeAll(async () => {
  const lab = await useLab('nginx');
  priv = await startPrivateNginx(lab.nginx!.binary);
  dir = tempDir('serein-pair-');
  d = await startTestDaemon({
    config: {
      targets: { local: { type: 'local' } },
      webservers: { priv: labWebserver(priv, dir, 'local', { batchWindowMs: 0 }) },
    },
  });
  const client = await d.tenant(uniq('tp'), { domains: [site, legacy], servers: ['priv'] });
  for (const name of [site, legacy]) {
    const job = await d.runJob('vhost.create', { webserver: 'priv', domain: name }, { token: client.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
  }
});

afterAll(async () => {
  if (d) {
    for (const name of [site, legacy]) await d.runJob('vhost.delete', { domain: name, confirm: name });
    await d.stop();
  }
  if (priv) {
    expect(labNginxTest(priv).ok).toBe(true);
    await priv.stop();
  }
});

describe('the certificate and key pair of a site', () => {
  it('an nginx -t run from outside during many installs never sees a certificate with another key', async () => {
    const certs = await Promise.all(Array.from({ length: 20 }, () => pairFor(site)));
    let done = false;
    const seen = { runs: 0, failures: [] as string[] };
    const loop = async () => {
      while (!done) {
        const r = await outsideTest();
        seen.runs++;
        if (!r.ok) seen.failures.push(r.output);
      }
    };
    const loops = [loop(), loop()];
    try {
      for (const c of certs) await install(site, c);
    } finally {
      done = true;
      await Promise.all(loops);
    }
    expect(seen.failures.slice(0, 3)).toEqual([]);
    expect(seen.runs).toBeGreaterThanOrEqual(certs.length);
    const last = certs[certs.length - 1];
    expect(sameSerial(await served(site), last.serial)).toBe(true);
    // The served pair alone is left, its key readable by its owner only.
    const pair = sitePair(join(dir, 'certs', site));
    expect(pair.chain).toMatch(/\.crt$/);
    expect(readFileSync(pair.chain, 'utf8')).toBe(last.certPem);
    expect(statSync(pair.key).mode & 0o777).toBe(0o600);
    expect(privateKeyFiles(join(dir, 'certs', site))).toEqual([pair.key]);
  });

  it('a pair the handshake does not confirm is taken away again, and the served one stays', async () => {
    const before = sitePair(join(dir, 'certs', site));
    const beforeSerial = await served(site);
    const ws = d.daemon.engine.services.config.webservers.priv;
    const timeout = ws.probeTimeoutMs;
    ws.probeTimeoutMs = 300;
    try {
      const err = await install(site, { ...(await pairFor(site)), serial: 'deadbeef' }).catch((e) => e);
      expect(err?.code).toBe('certificate_not_served');
    } finally {
      ws.probeTimeoutMs = timeout;
    }
    expect(sitePair(join(dir, 'certs', site))).toEqual(before);
    expect(await served(site)).toBe(beforeSerial);
    expect(labNginxTest(priv).ok).toBe(true);
  });

  it('a site secured under the fixed names of an older serein keeps being served, and its next install moves it to a versioned pair', async () => {
    const services = d.daemon.engine.services;
    const first = await pairFor(legacy);
    // What an older serein did: the key and chain under fixed names, the site's configuration naming them.
    const r = (await renderVhostWithTls(services.nginx, services.store.tenants, legacy))!;
    const folder = join(dir, 'certs', legacy);
    await safeApplyNginx(
      services.nginx,
      'priv',
      [
        { path: join(folder, 'privkey.pem'), content: first.keyPem, mode: 0o600 },
        { path: join(folder, 'fullchain.pem'), content: first.certPem, mode: 0o644 },
        { path: join(folder, 'fullchain.pem.serein-bak'), content: first.certPem, mode: 0o644 },
        r.file,
      ],
      r.probes,
    );
    await recordVhost(services, r.data);
    expect(sameSerial(await served(legacy), first.serial)).toBe(true);

    const next = await pairFor(legacy);
    await install(legacy, next);
    expect(sameSerial(await served(legacy), next.serial)).toBe(true);
    const files = readdirSync(folder).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.startsWith(`${legacy}.`) && /\.(crt|key)$/.test(f))).toBe(true);
    for (const gone of ['privkey.pem', 'fullchain.pem', 'fullchain.pem.serein-bak'])
      expect(existsSync(join(folder, gone))).toBe(false);
    expect(labNginxTest(priv).ok).toBe(true);
  });
});
