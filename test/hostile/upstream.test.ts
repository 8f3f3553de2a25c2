/**
 * Hole 3 of issue 8, played by a hostile client: their site's reverse proxy (vhost.create
 * `upstream`) aimed at serein's own API on loopback, cloud metadata, private networks, an
 * nginx `upstream` block name, names whose DNS answer is internal, and URL tricks. Each must
 * be refused in plain words with nothing written; an admin-opened network works for
 * clients, and admins still proxy anywhere.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { eventually, getWithHost, labNginxTest, labWebserver, uniq } from '../helpers/vhost-lab.js';
import { useLab, type LabInfo } from '../lab/client.js';

// Public addresses nothing connects to: the tests never request a proxied path on them.
const PUBLIC_IP = '93.184.216.34';
const OWN_PUBLIC_IP = '93.184.215.14';

let lab: LabInfo;
let d: TestDaemon;
let dir: string;
let A: { token: string };
let B: { token: string };
let backend: http.Server;
let backendPort: number;
let apiPort: number;
const dom = `${uniq('up')}.test`;
const domFr = `${uniq('upfr')}.test`;
const dnsNames: string[] = [];

async function addA(name: string, addresses: string[]): Promise<void> {
  const res = await fetch(`${lab.dns!.managementUrl}/add-a`, {
    method: 'POST',
    body: JSON.stringify({ host: `${name}.`, addresses }),
  });
  if (!res.ok) throw new Error(`challtestsrv add-a: HTTP ${res.status}`);
  dnsNames.push(name);
}

const confPath = (name: string) => join(lab.nginx!.vhostDir, `${name}.conf`);

/** Runs vhost.create as tenant A and expects a refusal that changed nothing. */
async function refused(
  webserver: string,
  name: string,
  upstream: string,
  code: string,
  message: RegExp,
  token = A.token,
) {
  const job = await d.runJob('vhost.create', { webserver, domain: name, upstream }, { token });
  expect(job.status, `${upstream}: ${JSON.stringify(job.error)}`).toBe('failed');
  expect(job.error.code, upstream).toBe(code);
  expect(job.error.message, upstream).toMatch(message);
  expect(job.error.detail, 'a client never gets the admin detail').toBeUndefined();
  // Client words: no ranges, no nginx vocabulary, no paths.
  expect(`${job.error.message} ${job.error.hint}`).not.toMatch(/\/\d{1,3}\b|upstream|nginx|CIDR|RFC|\.conf/i);
  expect(existsSync(confPath(name)), `${upstream}: no vhost file`).toBe(false);
  expect(await d.store.tenants.getResource('vhost', name), `${upstream}: no record`).toBeUndefined();
  expect(existsSync(join(dir, 'www', name)), `${upstream}: no site folder`).toBe(false);
  return job;
}

beforeAll(async () => {
  lab = await useLab('nginx', 'dns');
  dir = tempDir('serein-upstream-');
  backend = http.createServer((req, res) => res.end(`backend says hello to ${req.headers.host}`));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as { port: number }).port;
  d = await startTestDaemon({
    config: {
      dns: { resolvers: [`${lab.dns!.host}:${lab.dns!.port}`], timeoutMs: 1500 },
      webservers: {
        // Defaults: what a provider gets without writing anything.
        web: labWebserver(lab.nginx!, dir, 'local', { publicAddresses: [OWN_PUBLIC_IP] }),
        // The provider's application network (loopback stands in for it in the lab).
        webopen: labWebserver(lab.nginx!, dir, 'local', { clientUpstreams: { networks: ['127.0.0.0/8'] } }),
      },
    },
  });
  apiPort = Number(new URL(d.url).port);
  A = await d.tenant(uniq('ta'), { domains: [dom], servers: ['web', 'webopen'] });
  B = await d.tenant(uniq('tb'), { domains: [domFr], servers: ['web'], language: 'fr' });
});

afterEach(() => {
  const t = labNginxTest(lab);
  expect(t.ok, t.output).toBe(true);
});

afterAll(async () => {
  await d?.stop();
  for (const name of dnsNames)
    await fetch(`${lab.dns!.managementUrl}/clear-a`, {
      method: 'POST',
      body: JSON.stringify({ host: `${name}.` }),
    }).catch(() => undefined);
  await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a client cannot aim its site at internal services', () => {
  it("refuses serein's own API, loopback in every spelling, metadata and private networks", async () => {
    const itself = /cannot forward visitors to .*: this address is the server itself/;
    await refused('web', `api4.${dom}`, `http://127.0.0.1:${apiPort}`, 'upstream_not_allowed', itself);
    await refused('web', `api6.${dom}`, `http://[::1]:${apiPort}`, 'upstream_not_allowed', itself);
    await refused('web', `short.${dom}`, `http://127.1:${apiPort}`, 'upstream_not_allowed', itself);
    await refused('web', `decimal.${dom}`, `http://2130706433:${apiPort}`, 'upstream_not_allowed', itself);
    await refused('web', `zero.${dom}`, `http://0.0.0.0:${apiPort}`, 'upstream_not_allowed', itself);
    await refused(
      'web',
      `mapped.${dom}`,
      `http://[::ffff:127.0.0.1]:${apiPort}`,
      'upstream_not_allowed',
      /cannot forward visitors to/,
    );
    await refused('web', `meta.${dom}`, 'http://169.254.169.254/', 'upstream_not_allowed', /internal services/);
    await refused('web', `ten.${dom}`, 'http://10.0.0.5:8080', 'upstream_not_allowed', /private network/);
    await refused('web', `home.${dom}`, 'http://192.168.1.1', 'upstream_not_allowed', /private network/);
    await refused('web', `ula.${dom}`, 'http://[fd00::5]:8080', 'upstream_not_allowed', /private network/);
    await refused('web', `nat64.${dom}`, 'http://[64:ff9b::a00:5]:8080', 'upstream_not_allowed', /private network/);
    // This very web server, seen from outside.
    await refused(
      'web',
      `own.${dom}`,
      `http://${OWN_PUBLIC_IP}:8080`,
      'upstream_not_allowed',
      /one of our own web servers/,
    );
  });

  it('refuses names that are not DNS names, user info and other URL tricks', async () => {
    const form = /not the address of a web application/;
    await refused('web', `block.${dom}`, 'http://backend', 'upstream_invalid', form);
    await refused('web', `localhost.${dom}`, `http://localhost:${apiPort}`, 'upstream_invalid', form);
    await refused('web', `user.${dom}`, `http://user@app.${dom}:8080`, 'upstream_invalid', form);
    const withPassword = await refused(
      'web',
      `pass.${dom}`,
      `http://admin:hunter2@${PUBLIC_IP}:8080`,
      'upstream_invalid',
      form,
    );
    const asAdmin = await d.api('GET', `/v1/jobs/${withPassword.id}`);
    expect(asAdmin.body.job.error.detail).toMatch(/user info/);
    expect(JSON.stringify(asAdmin.body.job.error)).not.toContain('hunter2');
    await refused('web', `query.${dom}`, `http://${PUBLIC_IP}:8080/?next=http://127.0.0.1`, 'upstream_invalid', form);
    await refused(
      'web',
      `port.${dom}`,
      `http://${PUBLIC_IP}:22`,
      'upstream_not_allowed',
      /port 22: applications on this web server may use port 80, 443 or 1024 to 65535/,
    );
  });

  it('checks every address a name resolves to', async () => {
    const loop = `loop-${uniq()}.test`;
    const priv = `priv-${uniq()}.test`;
    const mixed = `mixed-${uniq()}.test`;
    await addA(loop, ['127.0.0.1']);
    await addA(priv, ['10.9.8.7']);
    await addA(mixed, [PUBLIC_IP, '10.0.0.7']);
    await refused(
      'web',
      `dnsloop.${dom}`,
      `http://${loop}:${apiPort}`,
      'upstream_not_allowed',
      new RegExp(`to ${loop}: this address is the server itself`),
    );
    await refused('web', `dnspriv.${dom}`, `http://${priv}:8080`, 'upstream_not_allowed', /private network/);
    const job = await refused(
      'web',
      `dnsmixed.${dom}`,
      `http://${mixed}:8080`,
      'upstream_not_allowed',
      /private network/,
    );
    const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`);
    expect(asAdmin.body.job.error.detail).toMatch(
      new RegExp(`10\\.0\\.0\\.7 \\(${mixed} resolves to it\\).*10\\.0\\.0\\.0/8`),
    );
  });

  it('speaks French to a French client and gives the admin the range', async () => {
    const job = await refused(
      'web',
      `meta.${domFr}`,
      'http://169.254.169.254/latest/meta-data/',
      'upstream_not_allowed',
      /Votre site ne peut pas transférer les visiteurs vers 169\.254\.169\.254/,
      B.token,
    );
    expect(job.error.hint).toMatch(/l'adresse publique de votre application/);
    const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`);
    expect(asAdmin.body.job.error.detail).toMatch(/169\.254\.0\.0\/16/);
  });
});

describe('what stays possible', () => {
  it('a network the admin opened is usable by clients, and the config gets the checked address, not the name', async () => {
    const name = `open.${dom}`;
    const job = await d.runJob(
      'vhost.create',
      { webserver: 'webopen', domain: name, upstream: `http://127.0.0.1:${backendPort}` },
      { token: A.token },
    );
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const res = await eventually(
      () => getWithHost('127.0.0.1', lab.nginx!.port, name),
      (r) => r.body.startsWith('backend says'),
    );
    expect(res.body).toBe(`backend says hello to ${name}`);

    // A name on the opened network: pinned to the address that was checked (no DNS rebinding at reload).
    const app = `app-${uniq()}.test`;
    await addA(app, ['127.0.0.1']);
    const byName = `named.${dom}`;
    const job2 = await d.runJob(
      'vhost.create',
      { webserver: 'webopen', domain: byName, upstream: `http://${app}:${backendPort}` },
      { token: A.token },
    );
    expect(job2.status, JSON.stringify(job2.error)).toBe('succeeded');
    const conf = readFileSync(confPath(byName), 'utf8');
    expect(conf).toContain(`proxy_pass http://127.0.0.1:${backendPort};`);
    expect(conf).not.toContain(app);
    expect(
      (
        await eventually(
          () => getWithHost('127.0.0.1', lab.nginx!.port, byName),
          (r) => r.body.startsWith('backend says'),
        )
      ).body,
    ).toBe(`backend says hello to ${byName}`);

    // Opening one network opens nothing else, and the port rule still holds.
    await refused('webopen', `other.${dom}`, 'http://10.0.0.5:8080', 'upstream_not_allowed', /private network/);
    await refused('webopen', `ssh.${dom}`, 'http://127.0.0.1:22', 'upstream_not_allowed', /port 22/);
  });

  it('a public backend by name is accepted with the default rules, pinned to its address; admins are not limited', async () => {
    const app = `pub-${uniq()}.test`;
    await addA(app, [PUBLIC_IP]);
    const name = `pub.${dom}`;
    const job = await d.runJob(
      'vhost.create',
      { webserver: 'web', domain: name, upstream: `https://${app}:8443/app` },
      { token: A.token },
    );
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const conf = readFileSync(confPath(name), 'utf8');
    expect(conf).toContain(`proxy_pass https://${PUBLIC_IP}:8443/app;`);
    expect(conf).not.toContain(app);

    // An admin is not limited: loopback on the web server with the default rules.
    const adminSite = `admin.${dom}`;
    const byAdmin = await d.runJob('vhost.create', {
      webserver: 'web',
      domain: adminSite,
      upstream: `http://127.0.0.1:${backendPort}`,
    });
    expect(byAdmin.status, JSON.stringify(byAdmin.error)).toBe('succeeded');
    const res = await eventually(
      () => getWithHost('127.0.0.1', lab.nginx!.port, adminSite),
      (r) => r.body.startsWith('backend says'),
    );
    expect(res.body).toBe(`backend says hello to ${adminSite}`);
  });
});
