/**
 * site.environment killed (SIGKILL) at points spread across it: once the site, its database
 * and the credentials file exist, once the certificate is ordered, once it is installed and
 * served, and half-way through SFTP. The restarted daemon fails the job and undoes all of it:
 * no site record nor nginx file, no site user, group or PHP pool, no database nor its user,
 * no certificate in use, no sshd drop-in, and nginx -t still passes. Against the lab's real
 * nginx, php-fpm, MariaDB, Pebble and SFTP sshd.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../src/actions/site-user.js';
import { tenantDatabaseName } from '../src/db/identifiers.js';
import { Store } from '../src/store/store.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { dbExists, dropByPrefix } from './helpers/db-lab.js';
import { haltingSerein, freePort, type SereinChild } from './helpers/process.js';
import { keepStoreForScan, noteSecrets } from './helpers/secrets-scan.js';
import { keepServeLog, serveApi, serveReady } from './helpers/serve-process.js';
import { chrootableDir, labSftp, removeLeftAccounts, removeUsers } from './helpers/sftp-lab.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';
import { labNginxTest, labWebserver, removeLeftSiteFiles, uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

const TERMINAL = ['succeeded', 'failed', 'needs-attention'];
// After the site, its database and the credentials file; the certificate ordered; installed and served; SFTP half-made.
const POINTS = ['preflight-done', 'order-issued', 'install-reloaded', 'sftp-credentials-set'];
const getent = (db: 'passwd' | 'group', name: string) => spawnSync('getent', [db, name], { encoding: 'utf8' });

let lab: LabInfo;
let dir: string;
let base: string;
let configFile: string;
let haltFile: string;
let url: string;
let token = '';
let client = '';
let daemon: SereinChild | undefined;
let storeConfig: { driver: 'sqlite'; path: string };
const tenant = uniq('ec');
const domain = `${uniq('c')}.test`;
const sites = POINTS.map((_, i) => `k${i + 1}.${domain}`);

async function start(): Promise<void> {
  daemon = haltingSerein(configFile, haltFile);
  token = await serveReady(daemon, url, token);
}

const api = (method: string, path: string, body?: unknown, as = token): Promise<any> =>
  serveApi(url, as, method, path, body);

async function waitJob(id: string, as = token): Promise<{ job: any; steps: any[] }> {
  return until(
    async () => {
      const r = await api('GET', `/v1/jobs/${id}`, undefined, as);
      return TERMINAL.includes(r.job.status) ? r : undefined;
    },
    120_000,
    `job ${id} to end`,
  );
}

/** How a job ended without halting (a failure of the test, said with its error rather than waited on until the deadline). */
async function endedWith(id: string): Promise<string | undefined> {
  const r = await api('GET', `/v1/jobs/${id}`);
  return TERMINAL.includes(r.job.status) ? `job ended ${r.job.status}: ${JSON.stringify(r.job.error)}` : undefined;
}

/** Runs site.environment as the client, the daemon halting at `point`; SIGKILLs it there and starts it again. */
async function killedAt(site: string, point: string): Promise<{ job: any; steps: any[] }> {
  writeFileSync(haltFile, point);
  const inputs = { webserver: 'web', domain: site };
  const id = (await api('POST', '/v1/jobs', { playbook: 'site.environment', inputs }, client)).job.id;
  const killed = daemon!;
  let ended: string | undefined;
  await until(
    async () =>
      killed.output().includes(`halted at ${point} `) ||
      (killed.exitCode !== null ? Promise.reject(new Error('exited')) : undefined) ||
      (ended = await endedWith(id)) !== undefined,
    120_000,
    `the daemon to halt at ${point}`,
  );
  if (ended) throw new Error(ended);
  killed.kill('SIGKILL');
  await killed.exited;
  keepServeLog(killed);
  writeFileSync(haltFile, '');
  await start();
  return waitJob(id);
}

/** What the lab holds of a site made by site.environment (as test/site-environment.test.ts reads it). */
async function leftOf(site: string) {
  const user = siteUserName(site);
  const database = tenantDatabaseName(tenant, site.split('.')[0]);
  const store = await Store.open(storeConfig);
  try {
    const certs = join(base, 'certs', site);
    return {
      record: !!(await store.tenants.getResource('vhost', site)),
      // The live configuration nginx includes (*.conf); the undo's own copy of it (.serein-bak) is not read.
      vhostFile:
        readdirSync(lab.nginx!.vhostDir)
          .filter((f) => f.includes(site) && f.endsWith('.conf'))
          .join(' ') || false,
      folder: existsSync(join(base, 'www', site)),
      user: getent('passwd', user).status === 0,
      group: getent('group', user).status === 0,
      pool: readdirSync(lab.phpFpm!.poolDir).some((f) => f.includes(user)),
      sshd: readdirSync(lab.sftp!.dropInDir).some((f) => f.includes(user)),
      databases: (await store.tenants.listResources({ kind: 'database', tenantId: tenant })).map((r) => r.name),
      onServer: await dbExists(lab, 'mariadb', database),
      certificates: (await store.certificates.list({ name: site })).filter((c) => c.status !== 'abandoned').length,
      // No key nor certificate in use; the undo keeps the public chain's copy (.serein-bak), as any undone first install does.
      certFiles: (existsSync(certs) ? readdirSync(certs) : []).filter((f) => !f.endsWith('.crt.serein-bak')),
    };
  } finally {
    await store.close();
  }
}
const nothing = (site: string) => ({
  record: false,
  vhostFile: false,
  folder: false,
  user: false,
  group: false,
  pool: false,
  sshd: false,
  databases: expect.not.arrayContaining([expect.stringContaining(tenantDatabaseName(tenant, site.split('.')[0]))]),
  onServer: { database: false, user: false },
  certificates: 0,
  certFiles: [],
});

beforeAll(async () => {
  lab = await useLab('pebble', 'mariadb', 'phpFpm', 'sftp');
  dir = tempDir('serein-environment-crash-');
  base = chrootableDir();
  configFile = join(dir, 'config.yaml');
  haltFile = join(dir, 'halt-at');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  storeConfig = { driver: 'sqlite', path: join(dir, 'serein.db') };
  const m = lab.mariadb!;
  const f = lab.phpFpm!;
  const config = {
    ...labCertConfig(lab, dir),
    server: { host: '127.0.0.1', port },
    store: storeConfig,
    playbooks: resolve(import.meta.dirname, '../playbooks'),
    log: { level: 'info' },
    webservers: {
      web: labWebserver(lab.nginx!, base, 'local', {
        siteUsers: true,
        nginxGroup: 'nogroup',
        publicAddresses: ['127.0.0.1', '::1'],
        php: { fpm: f.fpm, poolDir: f.poolDir, socketDir: f.socketDir, pidFile: f.pidFile, listenOwner: 'nobody' },
        sftp: labSftp(lab.sftp!),
      }),
    },
    databases: { maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password } },
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  await start();
  await api('POST', '/v1/tenants', { id: tenant, name: `Tenant ${tenant}`, language: 'en' });
  await api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'domain', name: domain });
  for (const s of ['web', 'maria']) await api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'server', name: s });
  client = (await api('POST', '/v1/tokens', { kind: 'client', tenantId: tenant })).token;
  noteSecrets('client token', client);
}, 120_000);

afterEach(() => {
  const t = labNginxTest(lab.nginx!);
  expect(t.ok, t.output).toBe(true);
});

afterAll(async () => {
  if (daemon && daemon.exitCode === null) {
    writeFileSync(haltFile, '');
    // Only if a kill left something: what a failed test must not leave to the next ones.
    const store = await Store.open(storeConfig);
    const left = [
      ...(await store.tenants.listResources({ kind: 'sftp' })).map((r) => ['sftp.delete', { domain: r.name }] as const),
      ...(await store.tenants.listResources({ kind: 'vhost' })).map(
        (r) => ['vhost.delete', { domain: r.name, removeFiles: true }] as const,
      ),
    ];
    await store.close();
    for (const [playbook, inputs] of left) {
      const id = await api('POST', '/v1/jobs', { playbook, inputs }).catch(() => undefined);
      if (id) await waitJob(id.job.id).catch(() => undefined);
    }
    daemon.kill('SIGTERM');
    await daemon.exited;
  }
  if (daemon) keepServeLog(daemon);
  const users = sites.map(siteUserName);
  if (lab?.sftp) removeLeftAccounts(lab.sftp, users);
  if (lab?.nginx) removeLeftSiteFiles(lab, (f) => f.includes(domain));
  removeUsers(users);
  if (lab) await dropByPrefix(lab, [`${tenant}_`]);
  if (dir) keepStoreForScan(join(dir, 'serein.db'));
  if (base) execFileSync('rm', ['-rf', '--', base]);
}, 240_000);

describe('site.environment killed half-way', () => {
  // A daemon start and kill, an order from Pebble and the whole undo: minutes on a loaded 2-core machine.
  it.each(POINTS.map((point, i) => [point, sites[i]]))(
    'killed at %s: the job fails and nothing of the site remains',
    async (point, site) => {
      const { job, steps } = await killedAt(site, point);
      expect(job.status, JSON.stringify({ error: job.error, steps })).toBe('failed');
      expect(job.error.code).toBe('interrupted');
      expect(steps.filter((s) => s.status === 'compensation-failed')).toEqual([]);
      expect(await leftOf(site)).toEqual(nothing(site));
    },
    240_000,
  );
});
