/**
 * SFTP access on a server whose sshd lets in only the users or groups it names (AllowUsers,
 * AllowGroups in the admin's sshd_config): sftp.create read sshd -T only after writing the
 * account's block, so it made an account sshd refuses at every login. Against the lab's
 * SFTP sshd, read through private copies of its configuration with those settings added:
 * the account is refused before anything is written (no block, no record, sshd as it was),
 * the client reads plain words in its language and the admin which setting and how to fix
 * it; a whole environment is refused in its preflight, before its site exists; a setting that
 * names the site users (AllowUsers w-*) lets the account be made.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loginNotAllowed } from '../src/actions/sftp-errors.js';
import { siteUserName } from '../src/actions/site-user.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { chrootableDir, deleteAccountsAndStop, labSftp, removeLeftAccounts, removeUsers } from './helpers/sftp-lab.js';
import { environmentWebserver } from './helpers/environment-lab.js';
import { tempDir } from './helpers/tmp.js';
import { labWebserver, uniq } from './helpers/vhost-lab.js';
import { expectNginxTestPasses } from './helpers/vhost-teardown.js';
import { useLab, type LabInfo } from './lab/client.js';

describe('SFTP access where sshd names who may log in', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let base: string;
  let A: { token: string };
  const tenant = uniq('sa');
  const dom = `${uniq('s')}.test`;
  /** The web servers, each reading the lab's sshd through its own configuration, and a site on each. */
  const only = {
    users: 'AllowUsers serein-admin deploy@10.0.0.1',
    groups: 'AllowGroups wheel',
    named: 'AllowUsers serein-admin w-*',
    anyhost: 'AllowUsers serein-admin w-*@*',
  };
  const site = (ws: string) => `${ws}.${dom}`;
  const users = [...Object.keys(only), 'env'].map((ws) => siteUserName(site(ws)));

  beforeAll(async () => {
    lab = await useLab('nginx', 'sftp', 'phpFpm');
    base = chrootableDir();
    const dir = tempDir('serein-sftp-allowed-');
    const labConfig = readFileSync(lab.sftp!.sshd[2], 'utf8');
    const webservers: Record<string, unknown> = {};
    for (const [ws, line] of Object.entries(only)) {
      // The lab's sshd_config with the admin's setting added: sshd -t and -T read it, the lab's sshd is reloaded.
      const cfg = join(dir, `sshd_config.${ws}`);
      writeFileSync(cfg, `${labConfig}\n${line}\n`);
      const sftp = labSftp(lab.sftp!, { sshd: [lab.sftp!.sshd[0], '-f', cfg] });
      webservers[ws] = labWebserver(lab.nginx!, base, 'local', { siteUsers: true, nginxGroup: 'nogroup', sftp });
    }
    // A whole environment on the server whose sshd names only its admin: refused in its preflight.
    webservers.env = environmentWebserver(lab, base, (webservers.users as { sftp: Record<string, unknown> }).sftp);
    d = await startTestDaemon({ config: { webservers } });
    A = await d.tenant(tenant, { domains: [dom], servers: [...Object.keys(only), 'env'], language: 'fr' });
    for (const ws of Object.keys(only)) {
      const job = await d.runJob('vhost.create', { webserver: ws, domain: site(ws) }, { token: A.token });
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    }
  }, 120_000);

  afterEach(() => expectNginxTestPasses(lab.nginx!));

  afterAll(async () => {
    await deleteAccountsAndStop(d);
    if (lab?.sftp) removeLeftAccounts(lab.sftp, users);
    removeUsers(users);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it.each([
    ['users', 'AllowUsers serein-admin deploy@10.0.0.1'],
    ['groups', 'AllowGroups wheel'],
  ])('refuses the account before writing anything when sshd has %s that leave its user out', async (ws, setting) => {
    const user = siteUserName(site(ws));
    const job = await d.runJob('sftp.create', { domain: site(ws) }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('sftp_login_not_allowed');
    // The client: plain words in its language, no setting, command or path.
    expect(job.error.message).toMatch(/^Demandez à votre hébergeur d'autoriser l'accès aux fichiers \(SFTP\)/);
    expect(JSON.stringify(job)).not.toMatch(/Allow(Users|Groups)|sshd|\//i);
    // The admin: which setting refuses the user, and the fix.
    const admin = await d.api('GET', `/v1/jobs/${job.id}`);
    expect(JSON.stringify(admin.body)).toContain(setting);
    expect(JSON.stringify(admin.body)).toContain(user);
    // Nothing written: no block for sshd, no account recorded.
    expect(existsSync(join(lab.sftp!.dropInDir, `serein-sftp-${user}.conf`))).toBe(false);
    expect(await d.store.tenants.getResource('sftp', site(ws))).toBeUndefined();
  });

  it('refuses a whole environment (site.environment) in its preflight, with nothing made', async () => {
    const job = await d.runJob('site.environment', { webserver: 'env', domain: site('env') }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('sftp_login_not_allowed');
    expect(await d.store.tenants.getResource('vhost', site('env'))).toBeUndefined();
    expect(spawnSync('getent', ['passwd', siteUserName(site('env'))]).status).not.toBe(0);
  });

  it('says the same in English, with the fix for the admin', () => {
    const e = loginNotAllowed('shop.example', 'detail');
    expect(e.userMessage.en).toMatch(/^Ask your provider to allow file access \(SFTP\) for shop\.example:/);
    expect(e.hint.en).toMatch(/Nothing was changed\.$/);
    expect(e.hint.fr).toMatch(/Rien n'a été modifié\.$/);
  });

  it.each([
    ['named', 'AllowUsers w-*'],
    ['anyhost', 'AllowUsers w-*@*, from any host'],
  ])('makes the account when the setting names the site users (%s: %s)', async (ws) => {
    const job = await d.runJob('sftp.create', { domain: site(ws) }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(existsSync(join(lab.sftp!.dropInDir, `serein-sftp-${siteUserName(site(ws))}.conf`))).toBe(true);
  });
});
