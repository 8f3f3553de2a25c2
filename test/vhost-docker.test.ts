import { existsSync, rmSync } from 'node:fs';
import { posix } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acceptingWorkers } from '../src/nginx/commands.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { startContainerNginx, type ContainerNginx } from './helpers/vhost-container.js';
import { eventually, getWithHost, labWebserver, playbooksCopy, uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

// A template whose output nginx refuses (an unknown directive).
const BROKEN_NGINX =
  'server {\n    listen 127.0.0.1:{{ httpPort }};\n    server_name {{ names }};\n    serein_bogus_directive on;\n}\n';

describe('vhosts through the Docker target (nginx inside the lab container)', () => {
  let lab: LabInfo;
  let cn: ContainerNginx;
  let d: TestDaemon;
  let playbooks: string;
  let A: { token: string };
  const tenantA = uniq('td');
  const domA = `${uniq('c')}.test`;
  /** Site folders, logs and certificates of the web server: inside the container, next to its nginx. */
  const siteDir = () => posix.join(cn.prefix, 'site');
  const confPath = (name: string) => posix.join(cn.vhostDir, `${name}.conf`);
  const inContainer = async (path: string) => (await cn.target.readFile(path))?.toString('utf8');
  const answers = async (address: string, host: string, expected: string) =>
    (await getWithHost(address, cn.port, host)).body.includes(expected);

  beforeAll(async () => {
    lab = await useLab('podman');
    cn = await startContainerNginx(lab.podman!);
    const dockerTarget = { type: 'docker', socketPath: lab.podman!.socketPath, container: lab.podman!.container };
    d = await startTestDaemon({
      playbooksDir: (playbooks = playbooksCopy({ 'broken-nginx.conf.tmpl': BROKEN_NGINX })),
      config: {
        targets: { local: { type: 'local' }, labdocker: dockerTarget },
        webservers: {
          // PHP configured, yet not offered: a container target gives sites no user of their own to run it as.
          webdocker: labWebserver(cn, siteDir(), 'labdocker', { php: {} }),
          webdockerbad: labWebserver(cn, siteDir(), 'labdocker', { template: 'broken-nginx.conf.tmpl' }),
        },
      },
    });
    A = await d.tenant(tenantA, { domains: [domA], servers: ['webdocker', 'webdockerbad'] });
  });

  afterEach(async () => {
    const t = await cn.test();
    expect(t.ok, t.output).toBe(true);
  });

  afterAll(async () => {
    try {
      if (d) {
        for (const r of await d.store.tenants.listResources({ kind: 'vhost' }))
          await d.runJob('vhost.delete', { domain: r.name, removeFiles: true });
        await d.stop();
      }
    } finally {
      if (playbooks) rmSync(playbooks, { recursive: true, force: true });
      if (cn) {
        const prefix = cn.prefix;
        const target = cn.target;
        await cn.stop();
        // nothing left in the container: no nginx process (not even a zombie), no folder
        expect(await cn.processes()).toEqual([]);
        expect((await target.run(['test', '-e', prefix])).code).not.toBe(0);
        await target.close();
      }
    }
  });

  it('vhost.create answers its names on IPv4 and IPv6 from the host; vhost.delete makes it stop answering', async () => {
    // A container target has no useradd: its sites share the web server's user, and admins read so before and after.
    const dry = await d.runJob('vhost.create', { webserver: 'webdocker', domain: domA }, { dryRun: true });
    expect(dry.status, JSON.stringify(dry.error)).toBe('succeeded');
    expect(JSON.stringify(dry.result.plan)).toContain('no system user of its own: this server gives sites none');
    const php = await d.runJob('vhost.create', { webserver: 'webdocker', domain: domA, php: true }, { token: A.token });
    expect(php.error?.code).toBe('invalid_input'); // PHP runs only as a site's own user
    const job = await d.runJob('vhost.create', { webserver: 'webdocker', domain: domA }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result.layout).toBe('shared');
    expect(job.result.names).toEqual([domA, `www.${domA}`]);
    for (const address of ['127.0.0.1', '::1']) {
      for (const host of [domA, `www.${domA}`]) {
        const res = await getWithHost(address, cn.port, host);
        expect(res.status, `${address} ${host}`).toBe(200);
        expect(res.body).toContain(`${domA} is ready`);
      }
    }
    // The files are in the container, not on the daemon's machine.
    expect(await inContainer(confPath(domA))).toContain(`server_name ${domA} www.${domA};`);
    expect(await inContainer(posix.join(siteDir(), 'www', domA, 'index.html'))).toContain(`${domA} is ready`);
    expect(await inContainer(posix.join(siteDir(), 'logs', `${domA}.access.log`))).toBeDefined();
    expect(existsSync(cn.prefix)).toBe(false);
    expect((await d.store.tenants.getResource('vhost', domA))?.data).toMatchObject({
      primary: domA,
      webserver: 'webdocker',
    });

    const del = await d.runJob('vhost.delete', { domain: domA, confirm: domA, removeFiles: true }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    expect(del.result.filesRemoved).toBe(true);
    for (const address of ['127.0.0.1', '::1']) {
      const res = await getWithHost(address, cn.port, domA);
      expect(res.body).not.toContain(`${domA} is ready`);
      expect(res.body).toBe(cn.defaultBody); // the default server answers instead
    }
    expect(await inContainer(confPath(domA))).toBeUndefined();
    expect(await inContainer(posix.join(siteDir(), 'www', domA, 'index.html'))).toBeUndefined();
    expect(await d.store.tenants.getResource('vhost', domA)).toBeUndefined();
  });

  it("reads the master's workers through the target: reloads wait for the old workers inside the container", async () => {
    const services = d.daemon.engine.services;
    const workers = await acceptingWorkers(services.target('labdocker'), services.config.webservers.webdocker);
    expect(workers.length).toBeGreaterThan(0);
    const name = `w.${domA}`;
    const job = await d.runJob(
      'vhost.create',
      { webserver: 'webdocker', domain: name, aliases: [] },
      { token: A.token },
    );
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    // the reload replaced the workers: none of the old ones still accepts connections
    const after = await acceptingWorkers(services.target('labdocker'), services.config.webservers.webdocker);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((p) => workers.includes(p))).toEqual([]);
    const del = await d.runJob('vhost.delete', { domain: name, confirm: name, removeFiles: true }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    const gone = await eventually(
      () => getWithHost('::1', cn.port, name),
      (r) => r.body === cn.defaultBody,
    );
    expect(gone.body).toBe(cn.defaultBody);
  });

  it('refuses a site folder that is, or goes through, a symbolic link inside the container', async () => {
    const name = `lnk.${domA}`;
    const link = posix.join(siteDir(), 'www', name);
    const outside = posix.join(cn.prefix, 'outside');
    await cn.target.mkdir(posix.dirname(link));
    await cn.target.mkdir(outside);
    expect((await cn.target.run(['ln', '-s', '--', outside, link])).code).toBe(0);
    try {
      for (const root of [undefined, posix.join(link, 'sub')]) {
        const job = await d.runJob(
          'vhost.create',
          { webserver: 'webdocker', domain: name, ...(root ? { root } : {}) },
          { token: A.token },
        );
        expect(job.status, root).toBe('failed');
        expect(job.error.code).toBe('site_folder_link');
        expect(job.error.message).toMatch(/^Replace the symbolic link in your site's folder with a real folder/);
      }
      expect(await inContainer(posix.join(outside, 'index.html'))).toBeUndefined();
      expect(await inContainer(posix.join(outside, 'sub'))).toBeUndefined();
      expect(await inContainer(confPath(name))).toBeUndefined();
    } finally {
      await cn.target.remove(link);
      await cn.target.remove(outside, { recursive: true });
    }
  });

  it('a name nginx rejects (too long for its server_names_hash) is reported in plain words; the container nginx keeps serving', async () => {
    const keep = `keep.${domA}`;
    const kept = await d.runJob('vhost.create', { webserver: 'webdocker', domain: keep }, { token: A.token });
    expect(kept.status, JSON.stringify(kept.error)).toBe('succeeded');
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${domA}`;
    const job = await d.runJob('vhost.create', { webserver: 'webdocker', domain: long }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('nginx_rejected');
    expect(job.error.message).toMatch(/one of the site names is too long for this web server/);
    expect(job.error.hint).toMatch(/shorter name/);
    const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`);
    expect(asAdmin.body.job.error.detail).toMatch(/server_names_hash/);

    expect(await inContainer(confPath(long))).toBeUndefined();
    expect(await inContainer(`${confPath(long)}.rejected`)).toContain(long); // kept for diagnosis, outside the *.conf include
    expect(await inContainer(posix.join(siteDir(), 'www', long))).toBeUndefined(); // the folder it had created was removed again
    expect(await d.store.tenants.getResource('vhost', long)).toBeUndefined();
    for (const address of ['127.0.0.1', '::1']) expect(await answers(address, keep, `${keep} is ready`)).toBe(true);
    await cn.target.remove(`${confPath(long)}.rejected`);
  });

  it('a template nginx rejects leaves the container nginx unchanged, serving the others, and says why', async () => {
    const keep = `keep2.${domA}`;
    const kept = await d.runJob(
      'vhost.create',
      { webserver: 'webdocker', domain: keep, aliases: [] },
      { token: A.token },
    );
    expect(kept.status, JSON.stringify(kept.error)).toBe('succeeded');
    const bad = `bad.${domA}`;
    const job = await d.runJob('vhost.create', { webserver: 'webdockerbad', domain: bad }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('nginx_rejected');
    expect(job.error.message).toMatch(/instruction nginx does not know: "serein_bogus_directive"/);
    expect(job.error.detail).toBeUndefined(); // the client does not get nginx's raw output...
    const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`);
    expect(asAdmin.body.job.error.detail).toMatch(/unknown directive "serein_bogus_directive" in .*bad\./); // ...the admin does

    expect(await inContainer(confPath(bad))).toBeUndefined();
    expect(await inContainer(`${confPath(bad)}.rejected`)).toContain('serein_bogus_directive');
    expect(await d.store.tenants.getResource('vhost', bad)).toBeUndefined();
    for (const address of ['127.0.0.1', '::1']) expect(await answers(address, keep, `${keep} is ready`)).toBe(true);
    await cn.target.remove(`${confPath(bad)}.rejected`);
  });
});
