import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { safeApplyNginx } from '../src/nginx/apply.js';
import { renderVhostWithTls } from '../src/nginx/site.js';
import { bareActionContext, startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import {
  eventually,
  getWithHost,
  httpsGet,
  labNginxTest,
  labWebserver,
  playbooksCopy,
  uniq,
} from './helpers/vhost-lab.js';
import { deleteSitesAndStop, expectNginxTestPasses } from './helpers/vhost-teardown.js';
import { type NginxInfo } from './helpers/vhost-nginx.js';
import { selfSigned } from './helpers/self-signed.js';
import { useLab, type LabInfo } from './lab/client.js';
import { vhostApply } from '../src/actions/vhost.js';
import { siteUserName } from '../src/actions/site-user.js';

// nginx's refusals are in test/vhost-refusals.test.ts, the template format in test/vhost-template.test.ts.
describe('vhosts on the lab nginx', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let dir: string;
  let playbooks: string;
  let A: { token: string };
  let B: { token: string };
  const tenantA = uniq('ta');
  const tenantB = uniq('tb');
  const domA = `${uniq('a')}.test`;
  const domB = `${uniq('b')}.test`;
  const port = () => lab.nginx!.port;
  const confPath = (name: string, n: NginxInfo = lab.nginx!) => join(n.vhostDir, `${name}.conf`);
  const answers = async (address: string, host: string, expected: string, path = '/', n: NginxInfo = lab.nginx!) =>
    (await getWithHost(address, n.port, host, path)).body.includes(expected);

  beforeAll(async () => {
    lab = await useLab('nginx', 'sshd');
    dir = mkdtempSync(join(tmpdir(), 'serein-vhost-'));
    const s = lab.sshd!;
    d = await startTestDaemon({
      playbooksDir: (playbooks = playbooksCopy()),
      config: {
        targets: {
          local: { type: 'local' },
          labssh: {
            type: 'ssh',
            host: s.host,
            port: s.port,
            username: s.username,
            privateKeyPath: s.privateKeyPath,
            hostKeySha256: s.hostKeySha256,
          },
        },
        webservers: {
          // Clients' upstreams on loopback: the lab's stand-in for a provider's application network.
          web: labWebserver(lab.nginx!, dir, 'local', { clientUpstreams: { networks: ['127.0.0.0/8'] } }),
          webb: labWebserver(lab.nginx!, dir),
          webssh: labWebserver(lab.nginx!, dir, 'labssh'),
        },
      },
    });
    A = await d.tenant(tenantA, { domains: [domA], servers: ['web', 'webssh'] });
    B = await d.tenant(tenantB, { domains: [domB], servers: ['webb'], language: 'fr' });
  });

  afterEach(() => expectNginxTestPasses(lab.nginx!));

  afterAll(async () => {
    await deleteSitesAndStop(d);
    // files a failed test may have left (only ours: their names carry this file's random labels)
    if (lab?.nginx) {
      for (const f of readdirSync(lab.nginx.vhostDir))
        if (f.includes(domA) || f.includes(domB)) rmSync(join(lab.nginx.vhostDir, f), { force: true });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (playbooks) rmSync(playbooks, { recursive: true, force: true });
    if (lab?.nginx) expect(labNginxTest(lab.nginx).ok).toBe(true);
  });

  it('creates a vhost that answers its names on IPv4 and IPv6, then deletes it', async () => {
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: domA }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result.names).toEqual([domA, `www.${domA}`]);
    expect(job.result.url).toBe(`http://${domA}/`);
    // A local target gives each new site its own system user (siteUsers left to its default).
    expect(job.result).toMatchObject({ layout: 'own', user: siteUserName(domA) });
    for (const address of ['127.0.0.1', '::1']) {
      for (const host of [domA, `www.${domA}`]) {
        const res = await getWithHost(address, port(), host);
        expect(res.status, `${address} ${host}`).toBe(200);
        expect(res.body).toContain(`${domA} is ready`);
      }
    }
    expect(existsSync(confPath(domA))).toBe(true);
    const rec = await d.store.tenants.getResource('vhost', domA);
    expect(rec?.tenantId).toBe(tenantA);
    expect(rec?.data).toMatchObject({ primary: domA, aliases: [`www.${domA}`], webserver: 'web', tls: false });
    expect(existsSync(join(dir, 'logs', `${domA}.access.log`))).toBe(true);

    // The certificate engineer's entry point renders the same vhost with its HTTPS block.
    const tls = await renderVhostWithTls(d.daemon.engine.services.nginx, d.daemon.engine.services.store.tenants, domA);
    expect(tls?.file.content).toContain(`ssl_certificate ${join(dir, 'certs', domA, 'fullchain.pem')};`);
    expect(tls?.file.content).toContain(`listen 127.0.0.1:${lab.nginx!.tlsPort} ssl;`);
    expect(tls?.file.content).toMatch(/location \/ \{\s+return 301 https:\/\/\$host:\d+\$request_uri;/);
    expect(tls?.file.content).toContain(`root ${lab.nginx!.webRoot};`);
    expect(tls?.probes.some((p) => p.scheme === 'https')).toBe(true);

    const del = await d.runJob('vhost.delete', { domain: domA, confirm: domA }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    for (const address of ['127.0.0.1', '::1']) {
      const res = await getWithHost(address, port(), domA);
      expect(res.body).not.toContain(`${domA} is ready`);
      expect(res.body).toContain('serein lab nginx'); // the default server answers instead
    }
    expect(existsSync(confPath(domA))).toBe(false);
    expect(await d.store.tenants.getResource('vhost', domA)).toBeUndefined();
    // Site files kept unless asked, and their user with them (a file is never left to a uid a later site may get).
    expect(existsSync(join(dir, 'www', domA, 'public', 'index.html'))).toBe(true);
    expect(spawnSync('getent', ['passwd', siteUserName(domA)]).status).toBe(0);
    rmSync(join(dir, 'www', domA), { recursive: true, force: true });
    spawnSync('userdel', [siteUserName(domA)]);
  });

  it('proxies to an upstream, updates on a re-run, and deletes the site files when asked', async () => {
    const upstream = http.createServer((req, res) => res.end(`from upstream, host ${req.headers.host}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    try {
      const upPort = (upstream.address() as { port: number }).port;
      const name = `api.${domA}`;
      const job = await d.runJob(
        'vhost.create',
        { webserver: 'web', domain: name, upstream: `http://127.0.0.1:${upPort}` },
        { token: A.token },
      );
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      expect(job.result.names).toEqual([name]); // a subdomain gets no www. alias
      expect((await getWithHost('127.0.0.1', port(), name)).body).toBe(`from upstream, host ${name}`);
      expect((await getWithHost('::1', port(), name)).body).toBe(`from upstream, host ${name}`);

      // Same request again, now serving files: an update of the client's own vhost, not a conflict.
      const again = await d.runJob(
        'vhost.create',
        { webserver: 'web', domain: name, aliases: [`api2.${domA}`] },
        { token: A.token },
      );
      expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
      expect(await answers('127.0.0.1', `api2.${domA}`, `${name} is ready`)).toBe(true);

      const del = await d.runJob(
        'vhost.delete',
        { domain: name, confirm: name, removeFiles: true },
        { token: A.token },
      );
      expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
      expect(del.result.filesRemoved).toBe(true);
      expect(existsSync(join(dir, 'www', name))).toBe(false);
    } finally {
      upstream.close();
    }
  });

  it("refuses names used by another site, and names under another tenant's domain", async () => {
    // Tenant B (French) asks for a name under tenant A's domain: refused before any job exists.
    const res = await d.api('POST', '/v1/jobs', {
      token: B.token,
      body: { playbook: 'vhost.create', inputs: { webserver: 'webb', domain: `shop.${domA}` } },
    });
    expect(res.status).toBe(404);
    // An admin cannot bypass it either: the alias belongs to another tenant.
    const admin = await d.runJob('vhost.create', { webserver: 'web', domain: `x.${domA}`, aliases: [`www.${domB}`] });
    expect(admin.status).toBe('failed');
    expect(admin.error.code).toBe('vhost_name_taken');
    // A name already used as another site's alias.
    expect(
      (
        await d.runJob(
          'vhost.create',
          { webserver: 'web', domain: `c1.${domA}`, aliases: [`c2.${domA}`] },
          { token: A.token },
        )
      ).status,
    ).toBe('succeeded');
    const clash = await d.runJob('vhost.create', { webserver: 'web', domain: `c2.${domA}` }, { token: A.token });
    expect(clash.status).toBe('failed');
    expect(clash.error.code).toBe('vhost_name_taken');
    expect(clash.error.message).toMatch(
      new RegExp(`"c2\\.${domA.replace('.', '\\.')}" is already used by another site`),
    );
    // A client cannot point the site's folder outside its own.
    const escape = await d.runJob(
      'vhost.create',
      { webserver: 'web', domain: `esc.${domA}`, root: '/etc' },
      { token: A.token },
    );
    expect(escape.status).toBe('failed');
    expect(escape.error.code).toBe('invalid_input');
    expect(existsSync(confPath(`esc.${domA}`))).toBe(false);
    // Tenant B, in French, on its own domain with a bad folder: the message is in French.
    const fr = await d.runJob('vhost.create', { webserver: 'webb', domain: domB, root: '/etc' }, { token: B.token });
    expect(fr.error.message).toMatch(/n'est pas permis comme dossier du site/);
  });

  it('vhost jobs submitted together are each confirmed by their own probe', async () => {
    const names = [1, 2, 3, 4].map((i) => `j${i}.${domA}`);
    const started = Date.now();
    const jobs = await Promise.all(
      names.map((n) => d.runJob('vhost.create', { webserver: 'web', domain: n }, { token: A.token })),
    );
    const ms = Date.now() - started;
    for (const j of jobs) expect(j.status, JSON.stringify(j.error)).toBe('succeeded');
    for (const n of names) expect(await answers('::1', n, `${n} is ready`)).toBe(true);
    const sizes = await Promise.all(
      jobs.map(
        async (j) => (await d.store.jobs.steps(j.id)).find((s) => s.name === 'apply')?.output as { batchSize: number },
      ),
    );
    console.log(
      `[vhost] 4 concurrent vhost.create jobs: ${ms} ms, batch sizes ${sizes.map((s) => s.batchSize).join(',')}`,
    );
    const dels = await Promise.all(
      names.map((n) => d.runJob('vhost.delete', { domain: n, confirm: n, removeFiles: true }, { token: A.token })),
    );
    for (const j of dels) expect(j.status, JSON.stringify(j.error)).toBe('succeeded');
  });

  it('re-rendered with TLS (the certificate operations entry point): HTTPS answers, HTTP redirects except ACME challenges', async () => {
    const services = d.daemon.engine.services;
    const name = `tls.${domA}`;
    expect((await d.runJob('vhost.create', { webserver: 'web', domain: name }, { token: A.token })).status).toBe(
      'succeeded',
    );
    const pair = await selfSigned(name, dir);
    const r = await renderVhostWithTls(services.nginx, services.store.tenants, name);
    const certs = join(dir, 'certs', name);
    const applied = await safeApplyNginx(
      services.nginx,
      'web',
      [
        { path: join(certs, 'privkey.pem'), content: pair.keyPem }, // no mode given: detected as a key, written 0600
        { path: join(certs, 'fullchain.pem'), content: pair.certPem },
        r!.file,
      ],
      r!.probes,
    );
    expect(applied.previous.map((p) => p.content === null)).toEqual([true, true, false]);
    expect(statSync(join(certs, 'privkey.pem')).mode & 0o777).toBe(0o600);
    await d.store.tenants.putResource({
      kind: 'vhost',
      name,
      tenantId: tenantA,
      data: r!.data as unknown as Record<string, unknown>,
    });

    const https = await httpsGet(name, lab.nginx!.tlsPort, '::1');
    expect(https.body).toContain(`${name} is ready`);
    const redirect = await getWithHost('127.0.0.1', port(), name, '/some/page?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.location).toBe(`https://${name}:${lab.nginx!.tlsPort}/some/page?x=1`);
    const token = uniq('token');
    writeFileSync(join(lab.nginx!.webRoot, '.well-known', 'acme-challenge', token), 'challenge-answer');
    const challenge = await getWithHost('127.0.0.1', port(), name, `/.well-known/acme-challenge/${token}`);
    expect(challenge.status).toBe(200);
    expect(challenge.body).toBe('challenge-answer');
    rmSync(join(lab.nginx!.webRoot, '.well-known', 'acme-challenge', token));

    // An update of a TLS vhost keeps its HTTPS block; deleting it removes the site.
    const again = await d.runJob('vhost.create', { webserver: 'web', domain: name, aliases: [] }, { token: A.token });
    expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
    expect((await httpsGet(name, lab.nginx!.tlsPort, '127.0.0.1')).body).toContain(`${name} is ready`);
    const del = await d.runJob('vhost.delete', { domain: name, confirm: name, removeFiles: true }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    expect(existsSync(confPath(name))).toBe(false);
  });

  it('after a crash, compensation puts the previous files back through nginx and forgets the record', async () => {
    const name = `crash.${domA}`;
    expect(
      (await d.runJob('vhost.create', { webserver: 'web', domain: name, aliases: [] }, { token: A.token })).status,
    ).toBe('succeeded');
    expect(await answers('127.0.0.1', name, `${name} is ready`)).toBe(true);
    const ctx = bareActionContext(d.daemon.engine.services, tenantA);
    // The checkpoint a daemon killed after the reload (before the job finished) would have left.
    const checkpoint = {
      webserver: 'web',
      primary: name,
      user: { name: siteUserName(name), domain: name, existed: false },
      home: join(dir, 'www', name),
      previous: [{ path: confPath(name), content: null }],
      record: { before: null },
    };
    await vhostApply.compensate!(ctx, { webserver: 'web', domain: name }, checkpoint);
    expect(existsSync(confPath(name))).toBe(false);
    expect(await d.store.tenants.getResource('vhost', name)).toBeUndefined();
    expect(existsSync(join(dir, 'www', name))).toBe(false);
    expect(spawnSync('getent', ['passwd', siteUserName(name)]).status).toBe(2); // the user this run made goes too
    expect((await getWithHost('::1', port(), name)).body).toContain('serein lab nginx');
  });

  it('dry run shows the configuration diff and changes nothing', async () => {
    const name = `dry.${domA}`;
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: name }, { token: A.token, dryRun: true });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const file = job.result.plan.find(
      (p: { kind: string; summary: string }) => p.kind === 'file' && p.summary.startsWith('write'),
    );
    expect(file.diff).toContain(`+    server_name ${name};`);
    expect(existsSync(confPath(name))).toBe(false);
    expect(existsSync(join(dir, 'www', name))).toBe(false);
  });

  it('works the same through the SSH target', async () => {
    const name = `ssh.${domA}`;
    const job = await d.runJob('vhost.create', { webserver: 'webssh', domain: name }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result.layout).toBe('own'); // an SSH target makes site users too
    expect(await answers('127.0.0.1', name, `${name} is ready`)).toBe(true);
    expect(await answers('::1', name, `${name} is ready`)).toBe(true);
    expect(statSync(join(dir, 'www', name)).isDirectory()).toBe(true);
    const del = await d.runJob('vhost.delete', { domain: name, confirm: name, removeFiles: true }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    const gone = await eventually(
      () => getWithHost('127.0.0.1', port(), name),
      (r) => !r.body.includes('is ready'),
    );
    expect(gone.body).toContain('serein lab nginx');
    expect(existsSync(join(dir, 'www', name))).toBe(false);
  });
});
