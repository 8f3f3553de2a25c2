/**
 * An SFTP session already open when its access changes (isolation review of issue 23):
 * locking a password or reloading sshd leaves an established session alone, so sftp.reset,
 * sftp.delete and vhost.delete end the account's sessions themselves. Against the lab's sshd,
 * with a real SFTP client kept logged in across each.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../src/actions/site-user.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import {
  chrootableDir,
  deleteAccountsAndStop,
  labSftp,
  op,
  removeLeftAccounts,
  removeUsers,
  sftpLogin,
} from './helpers/sftp-lab.js';
import { labWebserver, uniq } from './helpers/vhost-lab.js';
import { expectNginxTestPasses } from './helpers/vhost-teardown.js';
import { useLab, type LabInfo } from './lab/client.js';

describe('an open SFTP session', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let base: string;
  let A: { token: string };
  const domA = `${uniq('sa')}.test`;
  const domB = `${uniq('sb')}.test`;
  const users = [domA, domB].map(siteUserName);

  /** Logged in, with the connection's later errors (the server ending it) heard; `closed` settles when it ends. */
  const session = async (user: string, password: string) => {
    const c = await sftpLogin(lab.sftp!, user, { password });
    c.client.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => c.client.once('close', () => resolve()));
    expect(await op.list(c.sftp, '/')).toEqual(['public']);
    // Its next operation: answered ('listed'), refused, or the connection closed under it (a call on a closed channel never answers).
    const next = () =>
      Promise.race([
        op.list(c.sftp, '/').then(
          () => 'listed',
          () => 'failed',
        ),
        closed.then(() => 'closed'),
      ]);
    return { ...c, next };
  };

  beforeAll(async () => {
    lab = await useLab('nginx', 'sftp');
    base = chrootableDir();
    d = await startTestDaemon({
      config: {
        webservers: {
          web: labWebserver(lab.nginx!, base, 'local', {
            siteUsers: true,
            nginxGroup: 'nogroup',
            sftp: labSftp(lab.sftp!),
          }),
        },
      },
    });
    A = await d.tenant(uniq('ta'), { domains: [domA, domB], servers: ['web'], language: 'fr' });
    for (const dom of [domA, domB]) {
      const site = await d.runJob('vhost.create', { webserver: 'web', domain: dom }, { token: A.token });
      expect(site.status, JSON.stringify(site.error)).toBe('succeeded');
    }
  });

  afterEach(() => expectNginxTestPasses(lab.nginx!));

  afterAll(async () => {
    await deleteAccountsAndStop(d);
    for (const u of users) spawnSync('pkill', ['-KILL', '-U', u]);
    if (lab?.sftp) removeLeftAccounts(lab.sftp, users);
    removeUsers(users);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('is closed by a password reset and by the delete of the access', async () => {
    const user = siteUserName(domA);
    const made = await d.runJob('sftp.create', { domain: domA }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    // sshd's drop-in names the account and its site: read by sshd (root) only.
    const dropIn = join(lab.sftp!.dropInDir, `serein-sftp-${user}.conf`);
    expect(statSync(dropIn).mode & 0o777).toBe(0o600);
    const first = await session(user, made.result.password);

    const reset = await d.runJob('sftp.reset', { domain: domA }, { token: A.token });
    expect(reset.status, JSON.stringify(reset.error)).toBe('succeeded');
    expect(await first.next()).not.toBe('listed');

    // The new password's session, open when the access is closed, ends with it.
    const second = await session(user, reset.result.password);
    const del = await d.runJob('sftp.delete', { domain: domA }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    expect(await second.next()).not.toBe('listed');
  });

  it('is closed when its site is deleted, files kept', async () => {
    const user = siteUserName(domB);
    const made = await d.runJob('sftp.create', { domain: domB }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    const open = await session(user, made.result.password);
    const del = await d.runJob('vhost.delete', { domain: domB, confirm: domB }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    expect(await open.next()).not.toBe('listed');
  });
});
