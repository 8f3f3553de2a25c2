/**
 * SFTP operations killed (SIGKILL) at each point where the server is half-changed: the
 * restarted daemon undoes the job, and the account is exactly as before: no sshd block and
 * a locked password after a cut creation, the old password after a cut reset, the block,
 * the record and the password back after a cut deletion. Against the lab's real sshd.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { expectUndoneAfterKill, HaltingDaemon, type JobRead } from './helpers/halting-daemon.js';
import { keepStoreForScan, noteSecrets } from './helpers/secrets-scan.js';
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

const shadowHash = (user: string) => execFileSync('getent', ['shadow', user], { encoding: 'utf8' }).split(':')[1];

let lab: LabInfo;
let dir: string;
let base: string;
let d: HaltingDaemon | undefined;
let client = '';
const tenant = uniq('t');
const domain = `${uniq('c')}.test`;
let site: ReturnType<typeof siteAccount>;
/** Whether the store records the account (read as the daemon left it). */
async function recorded(): Promise<boolean> {
  const store = await Store.open(d!.store);
  try {
    return !!(await store.tenants.getResource('sftp', domain));
  } finally {
    await store.close();
  }
}
const dropIn = () => join(lab.sftp!.dropInDir, `serein-sftp-${site.user}.conf`);
const killedAt = (playbook: string, point: string) => d!.killedAt(point, playbook, { domain }, client);

// On a failure, whether sshd still listens says whether the undo or sshd itself is at fault.
const expectUndone = (r: JobRead) =>
  expectUndoneAfterKill(r, () => ({
    listening: execFileSync('ss', ['-ltn', `sport = :${lab.sftp!.port}`], { encoding: 'utf8' }),
  }));

beforeAll(async () => {
  lab = await useLab('nginx', 'sftp');
  dir = tempDir('serein-sftp-crash-');
  base = chrootableDir();
  d = await HaltingDaemon.start(dir, {
    stateDir: join(dir, 'state'),
    webservers: {
      web: labWebserver(lab.nginx!, base, 'local', {
        siteUsers: true,
        nginxGroup: 'nogroup',
        sftp: labSftp(lab.sftp!),
      }),
    },
  });
  await d.api('POST', '/v1/tenants', { id: tenant, name: `Tenant ${tenant}`, language: 'en' });
  await d.api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'domain', name: domain });
  await d.api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'server', name: 'web' });
  client = (await d.api('POST', '/v1/tokens', { kind: 'client', tenantId: tenant })).token;
  noteSecrets('client token', client);
  // The site, made by vhost.create in the site-user layout.
  const made = await d.waitJob(
    (await d.api('POST', '/v1/jobs', { playbook: 'vhost.create', inputs: { webserver: 'web', domain } }, client)).job
      .id,
  );
  expect(made.job.status, JSON.stringify(made.job.error)).toBe('succeeded');
  site = siteAccount(join(base, 'www'), domain);
});

afterAll(async () => {
  await d?.stop([
    ['sftp.delete', { domain }],
    ['vhost.delete', { domain, removeFiles: true }],
  ]);
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
    const created = await d!.waitJob(
      (await d!.api('POST', '/v1/jobs', { playbook: 'sftp.create', inputs: { domain } }, client)).job.id,
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
    const del = await d!.waitJob(
      (await d!.api('POST', '/v1/jobs', { playbook: 'sftp.delete', inputs: { domain } }, client)).job.id,
    );
    expect(del.job.status).toBe('succeeded');
    expect(await refused(lab.sftp!, site.user, { password })).toBe(true);
  }, 240_000);
});
