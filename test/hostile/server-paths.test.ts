/**
 * Issue 18, "server paths to clients": a client reads what the API says of its own sites
 * and requests, never where things live on the provider's servers (the nginx file of its
 * site, its log files, its site folder's full path, certificate and key files, sockets,
 * serein's state). Played as a real client against the lab's nginx and Pebble: a site, a
 * check (dry run), a certificate, a failed request; then every route a client can read,
 * and each job's event stream, is walked for anything that looks like a server path.
 * The same routes read by an admin still show them.
 */
import { readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { labCertConfig } from '../helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { labNginxTest, uniq } from '../helpers/vhost-lab.js';
import { useLab, type LabInfo } from '../lab/client.js';

let lab: LabInfo;
let d: TestDaemon;
let dir: string;
let client: { token: string };
let clientFr: { token: string };
const reg = `${uniq('sp')}.test`;
const site = `shop.${reg}`;
const other = `blog.${reg}`;
const blog = `news.${reg}`;
const regFr = `${uniq('spfr')}.test`;
const siteFr = `boutique.${regFr}`;

/** Where a string looks like a path on a server: system folders, the lab's and the test's folders, config, key and log files. */
function serverPathPattern(): RegExp {
  const folders = [
    '/etc/',
    '/var/',
    '/run/',
    '/tmp/',
    '/usr/',
    '/srv/',
    '/root/',
    '/home/',
    dir,
    lab.nginx!.prefix,
    lab.nginx!.vhostDir,
  ].map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?:${folders.join('|')})|[\\w-]\\.(?:conf|pem|log|sock|key)(?![\\w.])`, 'i');
}

/** Every string in a JSON answer that looks like a server path, with where it is ("jobs[2].plan[1].diff"). */
function pathsIn(value: unknown, where = '', found: string[] = [], pattern = serverPathPattern()): string[] {
  if (typeof value === 'string') {
    // A certificate's chain is base64: it can hold "/etc/" by chance and names no file.
    if (pattern.test(value) && !value.startsWith('-----BEGIN ')) found.push(`${where}: ${value.slice(0, 300)}`);
  } else if (Array.isArray(value)) value.forEach((v, i) => pathsIn(v, `${where}[${i}]`, found, pattern));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) pathsIn(v, where ? `${where}.${k}` : k, found, pattern);
  return found;
}

/** A finished job's event stream, each event's data parsed. */
async function events(id: string, token: string): Promise<unknown[]> {
  const res = await fetch(`${d.url}/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)));
}

/** What a caller reads on every route a client may read, and every job's event stream. */
async function everything(token: string, domain = site): Promise<Record<string, unknown>> {
  const read = async (path: string) => {
    const res = await d.api('GET', path, { token });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  };
  const out: Record<string, unknown> = {};
  for (const path of [
    '/v1/resources',
    '/v1/jobs',
    '/v1/certificates?status=all',
    '/v1/notices',
    '/v1/playbooks',
    '/v1/resource-kinds',
    '/self-service/me',
    '/self-service/brand',
  ])
    out[path] = await read(path);
  for (const { id } of (out['/v1/jobs'] as { jobs: { id: string }[] }).jobs) {
    out[`/v1/jobs/${id}`] = await read(`/v1/jobs/${id}`);
    out[`/v1/jobs/${id}/events`] = await events(id, token);
  }
  for (const c of (out['/v1/certificates?status=all'] as { certificates: { id: string }[] }).certificates)
    out[`/v1/certificates/${c.id}`] = await read(`/v1/certificates/${c.id}`);
  const doctor = await d.api('POST', '/v1/doctor', { token, body: { domains: [domain] } });
  expect(doctor.status).toBe(200);
  out['POST /v1/doctor'] = doctor.body;
  return out;
}

/** Submits a job as a client (a check when dryRun) and waits for its end. */
const run = (playbook: string, inputs: Record<string, unknown>, o: { token?: string; dryRun?: boolean } = {}) =>
  d.runJob(playbook, inputs, { token: o.token ?? client.token, dryRun: o.dryRun });

beforeAll(async () => {
  lab = await useLab('pebble');
  dir = tempDir('serein-paths-');
  d = await startTestDaemon({ config: labCertConfig(lab, dir) });
  client = await d.tenant(uniq('tp'), { domains: [reg], servers: ['lab'] });
  clientFr = await d.tenant(uniq('tpfr'), { domains: [regFr], servers: ['lab'], language: 'fr' });

  // A site, and a check of another one (its plan: the nginx file it would write, with the change).
  expect((await run('vhost.create', { webserver: 'lab', domain: site })).status).toBe('succeeded');
  expect((await run('vhost.create', { webserver: 'lab', domain: other }, { dryRun: true })).status).toBe('succeeded');
  // A certificate: checked first, then issued by the lab's CA and installed.
  expect((await run('certificate.issue', { domains: [site] }, { dryRun: true })).status).toBe('succeeded');
  const cert = await run('certificate.issue', { domains: [site] });
  expect(cert.status, JSON.stringify(cert.error)).toBe('succeeded');
  // Failures: a folder outside the client's own (the fix names the folder to use), and a
  // folder the client made a link to the server's system folder, from inside its own.
  expect((await run('vhost.create', { webserver: 'lab', domain: other, root: '/opt/elsewhere' })).status).toBe(
    'failed',
  );
  symlinkSync('/etc', join(dir, 'www', site, 'pub'));
  expect(
    (await run('vhost.create', { webserver: 'lab', domain: site, root: join(dir, 'www', site, 'pub') })).status,
  ).not.toBe('succeeded');
  // An admin's work on the client's site, with a folder the admin chose: the client sees the job.
  const byAdmin = await d.runJob('vhost.create', {
    webserver: 'lab',
    domain: blog,
    root: join(dir, 'www', blog, 'public'),
  });
  expect(byAdmin.status, JSON.stringify(byAdmin.error)).toBe('succeeded');
  // A check of removing the site; the same in French, for real.
  expect((await run('vhost.delete', { domain: site }, { dryRun: true })).status).toBe('succeeded');
  expect((await run('vhost.create', { webserver: 'lab', domain: siteFr }, { token: clientFr.token })).status).toBe(
    'succeeded',
  );
  expect(
    (await run('vhost.delete', { domain: siteFr, confirm: siteFr, removeFiles: true }, { token: clientFr.token }))
      .status,
  ).toBe('succeeded');
}, 240_000);

afterEach(() => {
  const t = labNginxTest(lab);
  expect(t.ok, t.output).toBe(true);
});

afterAll(async () => {
  await d?.stop();
});

describe('server paths are for admins', () => {
  it('a client reads none, on any route it may read nor in any live event, in English and French', async () => {
    expect(pathsIn(await everything(client.token))).toEqual([]);
    expect(pathsIn(await everything(clientFr.token, regFr))).toEqual([]);
  });

  it('a client reads words instead: its site, its folder, the settings of its site', async () => {
    const read = async (path: string, token = client.token) => (await d.api('GET', path, { token })).body;
    const siteRecord = (await read('/v1/resources')).resources.find((r: any) => r.kind === 'vhost' && r.name === site);
    // The site's files are in the folder "public" of its own (what its SFTP account shows).
    expect(siteRecord.data).toMatchObject({
      primary: site,
      root: `the folder "public" in the folder of ${site}`,
      tls: true,
    });
    expect(Object.keys(siteRecord.data)).not.toEqual(expect.arrayContaining(['file']));
    expect(siteRecord.data.accessLog ?? siteRecord.data.errorLog).toBeUndefined();
    const list = (await read('/v1/jobs')).jobs;
    const created = list.find(
      (j: any) => j.playbook === 'vhost.create' && j.status === 'succeeded' && j.inputs.domain === site,
    );
    expect(created.result.root).toBe(`the folder "public" in the folder of ${site}`);
    expect(created.result.file).toBeUndefined();
    const check = list.find((j: any) => j.dryRun && j.playbook === 'vhost.create');
    const write = check.plan.find((i: any) => i.diff);
    expect(write.summary).toBe(`write the web server's settings for ${other}`);
    expect(write.diff).toMatch(
      new RegExp(`^--- \\(nothing\\)\n\\+\\+\\+ the web server's settings for ${other.replace(/\./g, '\\.')}\n`),
    );
    expect(check.plan.some((i: any) => 'argv' in i)).toBe(false);
    const outside = list.find((j: any) => j.inputs.root === '/opt/elsewhere');
    expect(outside.error.hint).toBe(
      `Leave the folder empty: the site's files go in the folder "public" in the folder of ${other}.`,
    );
    const admins = list.find((j: any) => j.inputs.domain === blog);
    expect(admins.inputs.root).toBe(`the folder "public" in the folder of ${blog}`);
    const fr = (await read('/v1/jobs', clientFr.token)).jobs;
    expect(fr.find((j: any) => j.playbook === 'vhost.create').result.root).toBe(
      `le dossier « public » dans le dossier de ${siteFr}`,
    );
  });

  it('an admin reads the same routes with every path', async () => {
    const api = (path: string) => d.api('GET', path).then((r) => r.body);
    const siteRecord = (await api('/v1/resources')).resources.find((r: any) => r.kind === 'vhost' && r.name === site);
    expect(siteRecord.data).toMatchObject({
      root: join(dir, 'www', site, 'public'),
      file: join(lab.nginx!.vhostDir, `${site}.conf`),
      accessLog: expect.stringContaining(join(dir, 'logs')),
    });
    const list = (await api('/v1/jobs')).jobs;
    const check = list.find((j: any) => j.dryRun && j.playbook === 'vhost.create');
    expect(check.plan.find((i: any) => i.diff).diff).toContain(`+++ ${join(lab.nginx!.vhostDir, `${other}.conf`)}`);
    expect(check.plan.some((i: any) => Array.isArray(i.argv))).toBe(true);
    expect(list.find((j: any) => j.inputs.root === '/opt/elsewhere').error.hint).toContain(join(dir, 'www', other));
    const created = list.find(
      (j: any) => j.playbook === 'vhost.create' && j.status === 'succeeded' && j.inputs.domain === site,
    );
    expect(created.result.root).toBe(join(dir, 'www', site, 'public'));
    expect(JSON.stringify(await events(created.id, d.adminToken))).toContain(join(dir, 'www', site));
    expect(pathsIn(await everything(d.adminToken)).length).toBeGreaterThan(20);
  });

  it("the page's own words name no server path", async () => {
    const page = resolve(import.meta.dirname, '../../src/api/self-service');
    const { CATALOGS } = (await import(pathToFileURL(join(page, 'i18n/index.js')).href)) as {
      CATALOGS: Record<string, Record<string, unknown>>;
    };
    const pattern = serverPathPattern();
    for (const [language, catalog] of Object.entries(CATALOGS)) {
      for (const [key, text] of Object.entries(catalog))
        if (typeof text === 'string') expect(text, `${language} ${key}`).not.toMatch(pattern);
    }
    const html = readFileSync(join(page, 'index.html'), 'utf8').replace(/<[^>]*>/g, ' ');
    expect(html).not.toMatch(pattern);
  });
});
