import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { safeApplyNginx } from '../src/nginx/apply.js';
import { acceptingWorkers, nginxReload } from '../src/nginx/commands.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { getWithHost, labNginxTest, labWebserver, playbooksCopy, uniq } from './helpers/vhost-lab.js';
import { deleteSitesAndStop, expectNginxTestPasses } from './helpers/vhost-teardown.js';
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { useLab, type LabInfo } from './lab/client.js';

// What nginx (or serein's template) refuses leaves nginx serving as before; split from
// test/vhost.test.ts, whose sites' lifecycle these tests do not need.

// A template whose output nginx refuses (an unknown directive), and one serein itself cannot render.
const BROKEN_NGINX =
  'server {\n    listen 127.0.0.1:{{ httpPort }};\n    server_name {{ names }};\n    serein_bogus_directive on;\n}\n';
const BROKEN_SYNTAX = 'server {\n    server_name {{ names }};\n    root {{ no_such_variable }};\n}\n';

describe('vhost changes nginx refuses, on the lab nginx and a private one', () => {
  let lab: LabInfo;
  // Tests that make nginx refuse a configuration use a private nginx: on the shared lab one,
  // another test file's `nginx -t` could run while the refused file is there.
  let priv: NginxInfo & { stop(): Promise<void> };
  let d: TestDaemon;
  let dir: string;
  let playbooks: string;
  let A: { token: string };
  const tenantA = uniq('ta');
  const domA = `${uniq('a')}.test`;
  const confPath = (name: string, n: NginxInfo = lab.nginx!) => join(n.vhostDir, `${name}.conf`);
  const answers = async (address: string, host: string, expected: string, path = '/', n: NginxInfo = lab.nginx!) =>
    (await getWithHost(address, n.port, host, path)).body.includes(expected);

  beforeAll(async () => {
    lab = await useLab('nginx');
    priv = await startPrivateNginx(lab.nginx!.binary);
    dir = mkdtempSync(join(tmpdir(), 'serein-vhost-refusals-'));
    d = await startTestDaemon({
      playbooksDir: (playbooks = playbooksCopy({
        'broken-nginx.conf.tmpl': BROKEN_NGINX,
        'broken-syntax.conf.tmpl': BROKEN_SYNTAX,
      })),
      config: {
        targets: { local: { type: 'local' } },
        webservers: {
          webtpl: labWebserver(lab.nginx!, dir, 'local', { template: 'broken-syntax.conf.tmpl' }),
          priv: labWebserver(priv, dir),
          webbad: labWebserver(priv, dir, 'local', { template: 'broken-nginx.conf.tmpl' }),
        },
      },
    });
    A = await d.tenant(tenantA, { domains: [domA], servers: ['webbad', 'webtpl', 'priv'] });
  });

  afterEach(() => expectNginxTestPasses(lab.nginx!, priv));

  afterAll(async () => {
    await deleteSitesAndStop(d);
    // files a failed test may have left (only ours: their names carry this file's random labels)
    for (const n of [lab?.nginx, priv]) {
      if (!n) continue;
      for (const f of readdirSync(n.vhostDir)) if (f.includes(domA)) rmSync(join(n.vhostDir, f), { force: true });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (playbooks) rmSync(playbooks, { recursive: true, force: true });
    if (lab?.nginx) expect(labNginxTest(lab.nginx).ok).toBe(true);
    await priv?.stop();
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
    // One parse before the one reload: the changed sites alone (quickCheck) or, when that cannot decide, nginx -t.
    expect(after.tests + after.quickChecks - before.tests - before.quickChecks).toBe(1);
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
});
