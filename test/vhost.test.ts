import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { safeApplyNginx } from '../src/nginx/apply.js';
import { acceptingWorkers, nginxReload } from '../src/nginx/commands.js';
import { nginxRejected } from '../src/nginx/messages.js';
import { renderVhostWithTls } from '../src/nginx/site.js';
import { renderTemplate, TemplateError } from '../src/nginx/template.js';
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
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { useLab, type LabInfo } from './lab/client.js';
import { vhostApply } from '../src/actions/vhost.js';

// A template whose output nginx refuses (an unknown directive), and one serein itself cannot render.
const BROKEN_NGINX =
  'server {\n    listen 127.0.0.1:{{ httpPort }};\n    server_name {{ names }};\n    serein_bogus_directive on;\n}\n';
const BROKEN_SYNTAX = 'server {\n    server_name {{ names }};\n    root {{ no_such_variable }};\n}\n';

describe('template format', () => {
  it('inserts values, blocks and lists, and refuses values that could become nginx syntax', () => {
    const tpl =
      '{{#each listen as a}}\nlisten {{ a }}:{{ port }};\n{{/each}}\n{{#if tls}}\nssl on;\n{{/if}}\n{{#unless tls}}\nplain;\n{{/unless}}\nserver_name {{ names }};\n';
    expect(
      renderTemplate(tpl, { listen: ['127.0.0.1', '[::1]'], port: 80, tls: false, names: ['a.test', 'www.a.test'] }),
    ).toBe('listen 127.0.0.1:80;\nlisten [::1]:80;\nplain;\nserver_name a.test www.a.test;\n');
    for (const bad of ['a;b', 'a b', 'a{', 'a}', "a'", 'a"', 'a\\b', '$host', 'a#b', 'a\nb', '']) {
      expect(() => renderTemplate('root {{ v }};', { v: bad }), JSON.stringify(bad)).toThrow(TemplateError);
    }
    expect(() => renderTemplate('{{ nope }}', {})).toThrow(/unknown variable "nope"/);
    expect(() => renderTemplate('{{#if a}}x', { a: true })).toThrow(/never closed/);
    expect(() => renderTemplate('{{#if a}}x{{/unless}}', { a: true })).toThrow(/closes the/);
  });

  it("explains nginx's own messages in plain words, keeping the raw output for admins", () => {
    const raw =
      'nginx: [emerg] unknown directive "serein_bogus" in /etc/nginx/sites/x.conf:4\nnginx: configuration file /etc/nginx/nginx.conf test failed';
    const e = nginxRejected(raw, ['/etc/nginx/sites/x.conf.rejected']);
    expect(e.code).toBe('nginx_rejected');
    expect(e.userMessage.en).toMatch(/instruction nginx does not know: "serein_bogus"/);
    expect(e.userMessage.fr).toMatch(/instruction inconnue de nginx/);
    expect(e.detail).toContain('/etc/nginx/sites/x.conf:4');
    expect(e.detail).toContain('x.conf.rejected');
    expect(
      nginxRejected(
        'nginx: [emerg] could not build server_names_hash, you should increase server_names_hash_bucket_size: 64',
      ).userMessage.en,
    ).toMatch(/too long/);
  });
});

describe('vhosts on the lab nginx', () => {
  let lab: LabInfo;
  // Tests that make nginx refuse a configuration use a private nginx: on the shared lab one,
  // another test file's `nginx -t` could run while the refused file is there.
  let priv: NginxInfo & { stop(): Promise<void> };
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
    priv = await startPrivateNginx(lab.nginx!.binary);
    dir = mkdtempSync(join(tmpdir(), 'serein-vhost-'));
    const s = lab.sshd!;
    d = await startTestDaemon({
      playbooksDir: (playbooks = playbooksCopy({
        'broken-nginx.conf.tmpl': BROKEN_NGINX,
        'broken-syntax.conf.tmpl': BROKEN_SYNTAX,
      })),
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
          webtpl: labWebserver(lab.nginx!, dir, 'local', { template: 'broken-syntax.conf.tmpl' }),
          priv: labWebserver(priv, dir),
          webbad: labWebserver(priv, dir, 'local', { template: 'broken-nginx.conf.tmpl' }),
        },
      },
    });
    A = await d.tenant(tenantA, { domains: [domA], servers: ['web', 'webssh', 'webbad', 'webtpl', 'priv'] });
    B = await d.tenant(tenantB, { domains: [domB], servers: ['webb'], language: 'fr' });
  });

  afterEach(() => {
    for (const n of [lab.nginx!, priv]) {
      const t = labNginxTest(n);
      expect(t.ok, t.output).toBe(true);
    }
  });

  afterAll(async () => {
    if (d) {
      for (const r of await d.store.tenants.listResources({ kind: 'vhost' }))
        await d.runJob('vhost.delete', { domain: r.name, removeFiles: true });
      await d.stop();
    }
    // files a failed test may have left (only ours: their names carry this file's random labels)
    if (lab?.nginx) {
      for (const f of readdirSync(lab.nginx.vhostDir))
        if (f.includes(domA) || f.includes(domB)) rmSync(join(lab.nginx.vhostDir, f), { force: true });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (playbooks) rmSync(playbooks, { recursive: true, force: true });
    if (lab?.nginx) expect(labNginxTest(lab.nginx).ok).toBe(true);
    await priv?.stop();
  });

  it('creates a vhost that answers its names on IPv4 and IPv6, then deletes it', async () => {
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: domA }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result.names).toEqual([domA, `www.${domA}`]);
    expect(job.result.url).toBe(`http://${domA}/`);
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
    expect(existsSync(join(dir, 'www', domA, 'index.html'))).toBe(true); // site files kept unless asked
    rmSync(join(dir, 'www', domA), { recursive: true, force: true });
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

  it('a template nginx rejects leaves the running nginx unchanged, serving the others, and says why', async () => {
    const keep = `keep.${domA}`;
    expect((await d.runJob('vhost.create', { webserver: 'priv', domain: keep }, { token: A.token })).status).toBe(
      'succeeded',
    );
    const bad = `bad.${domA}`;
    const job = await d.runJob('vhost.create', { webserver: 'webbad', domain: bad }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('nginx_rejected');
    expect(job.error.message).toMatch(
      /refused the new configuration: the configuration uses an instruction nginx does not know: "serein_bogus_directive"/,
    );
    expect(job.error.hint).toMatch(/Nothing was changed/);
    expect(job.error.detail).toBeUndefined(); // the client does not get nginx's raw output...
    const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`, { headers: { 'accept-language': 'fr' } });
    expect(asAdmin.body.job.error.detail).toMatch(/unknown directive "serein_bogus_directive" in .*bad\./); // ...the admin does
    expect(asAdmin.body.job.error.message).toMatch(/Le serveur web a refusé la nouvelle configuration/);

    expect(existsSync(confPath(bad, priv))).toBe(false);
    expect(existsSync(`${confPath(bad, priv)}.rejected`)).toBe(true); // kept for diagnosis, outside the *.conf include
    expect(await d.store.tenants.getResource('vhost', bad)).toBeUndefined();
    expect(existsSync(join(dir, 'www', bad))).toBe(false); // the folder it had created was removed again
    expect(await answers('127.0.0.1', keep, `${keep} is ready`, '/', priv)).toBe(true);
    expect(await answers('::1', keep, `${keep} is ready`, '/', priv)).toBe(true);
    rmSync(`${confPath(bad, priv)}.rejected`);
  });

  it('a template serein cannot render fails before anything is written', async () => {
    const name = `tpl.${domA}`;
    const job = await d.runJob('vhost.create', { webserver: 'webtpl', domain: name }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('template_error');
    expect(job.error.message).toMatch(/web server template has an error/);
    const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`);
    expect(asAdmin.body.job.error.detail).toMatch(/broken-syntax\.conf\.tmpl:3: unknown variable "no_such_variable"/);
    expect(existsSync(confPath(name))).toBe(false);
    expect(existsSync(`${confPath(name)}.rejected`)).toBe(false);
  });

  it('a name nginx rejects (too long for its server_names_hash) is reported in plain words; nginx keeps serving', async () => {
    const keep = `keep2.${domA}`;
    expect((await d.runJob('vhost.create', { webserver: 'priv', domain: keep }, { token: A.token })).status).toBe(
      'succeeded',
    );
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${domA}`;
    const job = await d.runJob('vhost.create', { webserver: 'priv', domain: long }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('nginx_rejected');
    expect(job.error.message).toMatch(/one of the site names is too long for this web server/);
    expect(job.error.hint).toMatch(/shorter name/);
    expect(existsSync(confPath(long, priv))).toBe(false);
    expect(await answers('127.0.0.1', keep, `${keep} is ready`, '/', priv)).toBe(true);
    rmSync(`${confPath(long, priv)}.rejected`, { force: true });
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

  it('batches concurrent changes into one nginx -t and one reload; a bad change does not fail the others', async () => {
    const services = d.daemon.engine.services;
    const vhost = (n: string, body: string) => ({
      path: confPath(n, priv),
      content: `server {\n    listen 127.0.0.1:${priv.port};\n    server_name ${n};\n${body}\n}\n`,
    });
    const ok = (n: string) => vhost(n, `    location = /p { return 200 "ok ${n}"; }`);
    const names = [1, 2, 3].map((i) => `batch${i}.${domA}`);
    // With the pid file configured, reloads wait for the old workers: check the mechanism sees them at all.
    expect((await acceptingWorkers(services.target('local'), services.config.webservers.priv)).length).toBeGreaterThan(
      0,
    );
    const before = { ...services.nginx.applier('priv').stats };
    const results = await Promise.all(
      names.map((n) =>
        safeApplyNginx(services.nginx, 'priv', [ok(n)], [{ host: n, path: '/p', expectBody: `ok ${n}` }]),
      ),
    );
    const after = { ...services.nginx.applier('priv').stats };
    expect(results.map((r) => r.batchSize)).toEqual([3, 3, 3]);
    expect(after.tests - before.tests).toBe(1);
    expect(after.reloads - before.reloads).toBe(1);

    const [g1, g2, bad] = [`batch4.${domA}`, `batch5.${domA}`, `batch6.${domA}`];
    const mixed = await Promise.allSettled([
      safeApplyNginx(services.nginx, 'priv', [ok(g1)], [{ host: g1, path: '/p', expectBody: `ok ${g1}` }]),
      safeApplyNginx(services.nginx, 'priv', [vhost(bad, '    serein_bogus on;')], [{ host: bad, path: '/p' }]),
      safeApplyNginx(services.nginx, 'priv', [ok(g2)], [{ host: g2, path: '/p', expectBody: `ok ${g2}` }]),
    ]);
    expect(mixed.map((m) => m.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((mixed[1] as PromiseRejectedResult).reason.code).toBe('nginx_rejected');
    expect(services.nginx.applier('priv').stats.fallbacks - after.fallbacks).toBe(1);
    expect(await answers('127.0.0.1', g1, `ok ${g1}`, '/p', priv)).toBe(true);
    expect(await answers('127.0.0.1', g2, `ok ${g2}`, '/p', priv)).toBe(true);
    expect(existsSync(confPath(bad, priv))).toBe(false);

    // A probe that fails undoes only its own change.
    const wrong = `batch7.${domA}`;
    await expect(
      safeApplyNginx(services.nginx, 'priv', [ok(wrong)], [{ host: wrong, path: '/p', expectBody: 'something else' }]),
    ).rejects.toMatchObject({ code: 'vhost_probe_failed' });
    expect(existsSync(confPath(wrong, priv))).toBe(false);

    const all = [...names, g1, g2];
    await Promise.all(
      all.map((n) =>
        safeApplyNginx(
          services.nginx,
          'priv',
          [{ path: confPath(n, priv), content: null }],
          [{ host: n, path: '/p', absentBody: `ok ${n}` }],
        ),
      ),
    );
    for (const n of all) expect(existsSync(confPath(n, priv))).toBe(false);
    rmSync(`${confPath(bad, priv)}.rejected`, { force: true });
    for (const f of readdirSync(priv.vhostDir))
      if (f.includes('batch') && f.includes(domA)) rmSync(join(priv.vhostDir, f), { force: true });
  });

  it('signals only an nginx master: a stale pid file naming another process gets it no signal, and nginx reloads the usual way', async () => {
    const services = d.daemon.engine.services;
    const other = spawn('sleep', ['30'], { stdio: 'ignore' }); // SIGHUP would end it
    const ended = new Promise<string | null>((r) => other.once('exit', (_code, signal) => r(signal)));
    try {
      const stale = join(dir, 'stale.pid');
      writeFileSync(stale, `${other.pid}\n`);
      const ws = { ...services.config.webservers.priv, pidFile: stale };
      expect(await acceptingWorkers(services.target('local'), ws)).toEqual([]);
      expect((await nginxReload(services.target('local'), ws)).ok).toBe(true); // nginx -s reload, through nginx's own pid file
      // Still running a request later: a signal would have ended it at once.
      expect((await getWithHost('127.0.0.1', priv.port, 'localhost')).status).toBeGreaterThan(0);
      expect(other.exitCode).toBeNull();
      expect(other.signalCode).toBeNull();
    } finally {
      other.kill('SIGTERM');
      expect(await ended).toBe('SIGTERM');
    }
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
    const keyFile = join(dir, 'tls.key');
    const certFile = join(dir, 'tls.crt');
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=DNS:${name}`,
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    const r = await renderVhostWithTls(services.nginx, services.store.tenants, name);
    const certs = join(dir, 'certs', name);
    const applied = await safeApplyNginx(
      services.nginx,
      'web',
      [
        { path: join(certs, 'privkey.pem'), content: readFileSync(keyFile, 'utf8') }, // no mode given: detected as a key, written 0600
        { path: join(certs, 'fullchain.pem'), content: readFileSync(certFile, 'utf8') },
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
      createdRoot: join(dir, 'www', name),
      previous: [{ path: confPath(name), content: null }],
      record: { before: null },
    };
    await vhostApply.compensate!(ctx, { webserver: 'web', domain: name }, checkpoint);
    expect(existsSync(confPath(name))).toBe(false);
    expect(await d.store.tenants.getResource('vhost', name)).toBeUndefined();
    expect(existsSync(join(dir, 'www', name))).toBe(false);
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
