/**
 * SFTP operations killed (SIGKILL) at each point where the server is half-changed: the
 * restarted daemon undoes the job, and the account is exactly as before: no sshd block and
 * a locked password after a cut creation, the old password after a cut reset, the block,
 * the record and the password back after a cut deletion. Against the lab's real sshd.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { haltingSerein, freePort, type SereinChild } from './helpers/process.js';
import { until } from './helpers/until.js';
import { keepStoreForScan, noteSecrets } from './helpers/secrets-scan.js';
import { keepServeLog, serveApi, serveReady } from './helpers/serve-process.js';
import {
  chrootableDir,
  labSftp,
  siteAccount,
  refused,
  removeLeftAccounts,
  removeUsers,
  sftpLogin,
} from './helpers/sftp-lab.js';
import { tempDir } from './helpers/tmp.js';
import { labWebserver, removeLeftSiteFiles, uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

const TERMINAL = ['succeeded', 'failed', 'needs-attention'];
const shadowHash = (user: string) => execFileSync('getent', ['shadow', user], { encoding: 'utf8' }).split(':')[1];

let lab: LabInfo;
let dir: string;
let base: string;
let configFile: string;
let haltFile: string;
let url: string;
let token = '';
let client = '';
let daemon: SereinChild | undefined;
const tenant = uniq('t');
const domain = `${uniq('c')}.test`;
let site: ReturnType<typeof siteAccount>;
let storeConfig: { driver: 'sqlite'; path: string };
/** Whether the store records the account (read as the daemon left it). */
async function recorded(): Promise<boolean> {
  const store = await Store.open(storeConfig);
  try {
    return !!(await store.tenants.getResource('sftp', domain));
  } finally {
    await store.close();
  }
}
const dropIn = () => join(lab.sftp!.dropInDir, `serein-sftp-${site.user}.conf`);

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
    60_000,
    `job ${id} to end`,
  );
}

/** How a job ended without halting (a failure of the test, said with its error rather than waited on until the deadline). */
async function endedWith(id: string): Promise<string | undefined> {
  const r = await api('GET', `/v1/jobs/${id}`);
  return TERMINAL.includes(r.job.status) ? `job ended ${r.job.status}: ${JSON.stringify(r.job.error)}` : undefined;
}

/** Runs the operation as the client, the daemon halting at `point`; SIGKILLs it there and starts it again. */
async function killedAt(playbook: string, point: string): Promise<{ job: any; steps: any[] }> {
  writeFileSync(haltFile, point);
  const id = (await api('POST', '/v1/jobs', { playbook, inputs: { domain } }, client)).job.id;
  const killed = daemon!;
  let ended: string | undefined;
  await until(
    async () =>
      killed.output().includes(`halted at ${point} `) ||
      (killed.exitCode !== null ? Promise.reject(new Error('exited')) : undefined) ||
      (ended = await endedWith(id)) !== undefined,
    60_000,
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

const expectUndone = ({ job, steps }: { job: any; steps: any[] }) => {
  // On a failure, whether sshd still listens says whether the undo or sshd itself is at fault.
  const listening = () => execFileSync('ss', ['-ltn', `sport = :${lab.sftp!.port}`], { encoding: 'utf8' });
  expect(
    job.status,
    JSON.stringify({ error: job.error, steps, listening: job.status === 'failed' || listening() }),
  ).toBe('failed');
  expect(job.error.code).toBe('interrupted');
  expect(steps.filter((s) => s.status === 'compensation-failed')).toEqual([]);
};

beforeAll(async () => {
  lab = await useLab('nginx', 'sftp');
  dir = tempDir('serein-sftp-crash-');
  base = chrootableDir();
  configFile = join(dir, 'config.yaml');
  haltFile = join(dir, 'halt-at');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  storeConfig = { driver: 'sqlite', path: join(dir, 'serein.db') };
  const config = {
    server: { host: '127.0.0.1', port },
    store: storeConfig,
    stateDir: join(dir, 'state'),
    playbooks: resolve(import.meta.dirname, '../playbooks'),
    log: { level: 'info' },
    webservers: {
      web: labWebserver(lab.nginx!, base, 'local', {
        siteUsers: true,
        nginxGroup: 'nogroup',
        sftp: labSftp(lab.sftp!),
      }),
    },
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  await start();
  await api('POST', '/v1/tenants', { id: tenant, name: `Tenant ${tenant}`, language: 'en' });
  await api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'domain', name: domain });
  await api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'server', name: 'web' });
  client = (await api('POST', '/v1/tokens', { kind: 'client', tenantId: tenant })).token;
  noteSecrets('client token', client);
  // The site, made by vhost.create in the site-user layout.
  const made = await waitJob(
    (await api('POST', '/v1/jobs', { playbook: 'vhost.create', inputs: { webserver: 'web', domain } }, client)).job.id,
  );
  expect(made.job.status, JSON.stringify(made.job.error)).toBe('succeeded');
  site = siteAccount(join(base, 'www'), domain);
});

afterAll(async () => {
  if (daemon && daemon.exitCode === null) {
    writeFileSync(haltFile, '');
    for (const [playbook, inputs] of [
      ['sftp.delete', { domain }],
      ['vhost.delete', { domain, removeFiles: true }],
    ] as const) {
      const id = await api('POST', '/v1/jobs', { playbook, inputs }).catch(() => undefined);
      if (id) await waitJob(id.job.id).catch(() => undefined);
    }
    daemon.kill('SIGTERM');
    await daemon.exited;
  }
  if (daemon) keepServeLog(daemon);
  if (lab?.sftp && site) removeLeftAccounts(lab.sftp, [site.user]);
  // A site file a failed delete left must not outlive its folder: later nginx -t would fail on it.
  if (lab?.nginx) removeLeftSiteFiles(lab, (f) => f.includes(domain));
  if (site) removeUsers([site.user]);
  if (dir) keepStoreForScan(join(dir, 'serein.db'));
  if (base) execFileSync('rm', ['-rf', '--', base]);
});

describe('SFTP operations killed half-way', () => {
  it.each(['sshd-reloaded', 'sftp-credentials', 'sftp-credentials-set'])(
    'sftp.create killed at %s: no block, no password, no record',
    async (point) => {
      expectUndone(await killedAt('sftp.create', point));
      expect(existsSync(dropIn())).toBe(false);
      expect(shadowHash(site.user)).toBe('!');
      expect(await recorded()).toBe(false);
    },
  );

  // Three daemon starts and kills, and SFTP logins: on a loaded machine more than the default minute.
  it('sftp.reset and sftp.delete killed half-way leave the account as it was', async () => {
    const created = await waitJob(
      (await api('POST', '/v1/jobs', { playbook: 'sftp.create', inputs: { domain } }, client)).job.id,
      client, // the password is shown to whoever asked for it
    );
    expect(created.job.status, JSON.stringify(created.job.error)).toBe('succeeded');
    const password = created.job.result.password as string;
    const works = async () => {
      const c = await sftpLogin(lab.sftp!, site.user, { password });
      c.end();
      return true;
    };
    expect(await works()).toBe(true);

    expectUndone(await killedAt('sftp.reset', 'sftp-password-set'));
    expect(await works()).toBe(true); // the old password is back

    for (const point of ['sftp-locked', 'sshd-reloaded']) {
      expectUndone(await killedAt('sftp.delete', point));
      expect(existsSync(dropIn()), point).toBe(true);
      expect(await works()).toBe(true);
      expect(await recorded()).toBe(true);
    }
    const del = await waitJob(
      (await api('POST', '/v1/jobs', { playbook: 'sftp.delete', inputs: { domain } }, client)).job.id,
    );
    expect(del.job.status).toBe('succeeded');
    expect(await refused(lab.sftp!, site.user, { password })).toBe(true);
  }, 240_000);
});
