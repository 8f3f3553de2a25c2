/**
 * SFTP access per site against the lab's real sshd: a client logs in from outside with an
 * SFTP client (ssh2), writes in its site as the site's user, and cannot leave the chroot
 * nor read another tenant's site; reset and delete change who can log in; another tenant's
 * site, a legacy site and an sshd that would not apply the block are refused, nothing left.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import {
  clientKeyPair,
  chrootableDir,
  deleteAccountsAndStop,
  labSftp,
  op,
  siteAccount,
  refused,
  removeLeftAccounts,
  removeUsers,
  sftpLogin,
} from './helpers/sftp-lab.js';
import { labNginxTest, labWebserver, uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

const shadowHash = (user: string) => execFileSync('getent', ['shadow', user], { encoding: 'utf8' }).split(':')[1];

describe('SFTP access to a site', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let base: string;
  let A: { token: string };
  let B: { token: string };
  const tenantA = uniq('ta');
  const tenantB = uniq('tb');
  const domA = `${uniq('a')}.test`;
  const domB = `${uniq('b')}.test`;
  const domKey = `key.${domB}`;
  const domOld = `old.${domA}`;
  const domOff = `off.${domA}`;
  const sites: Record<string, { user: string; uid: number; writable: string }> = {};
  const s = () => lab.sftp!;
  const dropIn = (user: string) => join(s().dropInDir, `serein-sftp-${user}.conf`);

  beforeAll(async () => {
    lab = await useLab('nginx', 'sftp');
    base = chrootableDir();
    const own = { siteUsers: true, nginxGroup: 'nogroup' };
    d = await startTestDaemon({
      config: {
        webservers: {
          web: labWebserver(lab.nginx!, base, 'local', { ...own, sftp: labSftp(s()) }),
          // sshd_config does not include this folder: a block written there would not apply.
          off: labWebserver(lab.nginx!, base, 'local', {
            ...own,
            sftp: labSftp(s(), { dropInDir: join(base, 'elsewhere') }),
          }),
          // Sites without a user of their own (made before site users, or with them off): their folder is the web server's.
          old: labWebserver(lab.nginx!, base, 'local', { siteUsers: false, sftp: labSftp(s()) }),
        },
      },
    });
    A = await d.tenant(tenantA, { domains: [domA], servers: ['web', 'off', 'old'] });
    B = await d.tenant(tenantB, { domains: [domB], servers: ['web'], language: 'fr' });
    // The sites, made by vhost.create: their own user, <web root>/<domain>/ root's, public/ the user's.
    for (const [dom, who, ws] of [
      [domA, A, 'web'],
      [domB, B, 'web'],
      [domKey, B, 'web'],
      [domOff, A, 'off'],
      [domOld, A, 'old'],
    ] as const) {
      const job = await d.runJob('vhost.create', { webserver: ws, domain: dom }, { token: who.token });
      expect(job.status, `${dom}: ${JSON.stringify(job.error)}`).toBe('succeeded');
      if (ws !== 'old') sites[dom] = siteAccount(join(base, 'www'), dom);
    }
    writeFileSync(join(sites[domB].writable, 'secret.txt'), 'tenant B only');
  });

  afterEach(() => {
    const t = labNginxTest(lab.nginx!);
    expect(t.ok, t.output).toBe(true);
    const r = spawnSync(s().sshd[0], [...s().sshd.slice(1), '-t'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await deleteAccountsAndStop(d);
    const users = Object.values(sites).map((x) => x.user);
    if (lab?.sftp) removeLeftAccounts(lab.sftp, users);
    removeUsers(users);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it("refuses another tenant's site at the API, with nothing run", async () => {
    const res = await d.api('POST', '/v1/jobs', {
      token: B.token,
      body: { playbook: 'sftp.create', inputs: { domain: domA } },
    });
    // The operation exists (not_found would say it does not); another tenant's site is not theirs.
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body.error.code).toBe('not_yours');
    expect(existsSync(dropIn(sites[domA].user))).toBe(false);
    expect(await d.store.jobs.list({ playbook: 'sftp.create' })).toHaveLength(0);
  });

  it("understands a client's words asking for it (« un ftp pour … »), for its own site", async () => {
    for (const [text, intent] of [
      [`un ftp pour ${domA}`, 'sftp.create'],
      [`I need sftp access to ${domA}`, 'sftp.create'],
      [`j'ai perdu mon mot de passe ftp pour ${domA}`, 'sftp.reset'],
    ]) {
      const r = await d.api('POST', '/v1/requests', { token: A.token, body: { text } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.proposal, text).toMatchObject({ playbook: intent, inputs: { domain: domA } });
    }
  });

  it('shows the plan and the diff of a dry run, and changes nothing', async () => {
    const job = await d.runJob('sftp.create', { domain: domA }, { dryRun: true });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const diff = job.result.plan.map((i: { diff?: string }) => i.diff ?? '').join('\n');
    expect(diff).toContain(`+Match User ${sites[domA].user}`);
    expect(diff).toContain(`+\tChrootDirectory ${join(base, 'www', domA)}`);
    expect(diff).toContain('+\tAllowTcpForwarding no');
    expect(existsSync(dropIn(sites[domA].user))).toBe(false);
    expect(shadowHash(sites[domA].user)).toBe('!');
    // The client reads the same plan with the server's places in words, never their paths.
    const mine = await d.runJob('sftp.create', { domain: domA }, { dryRun: true, token: A.token });
    expect(mine.status, JSON.stringify(mine.error)).toBe('succeeded');
    const text = JSON.stringify(mine.result);
    for (const path of [base, s().dropInDir, s().keysDir, '/usr/sbin/sshd']) expect(text).not.toContain(path);
  });

  it('lets the client write in its site as the site user, and nowhere else', async () => {
    const job = await d.runJob('sftp.create', { domain: domA }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const { username, password, host, port, folder } = job.result;
    expect({ username, host, port, folder }).toEqual({
      username: sites[domA].user,
      host: '127.0.0.1',
      port: s().port,
      folder: 'public',
    });
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(shadowHash(username)).not.toContain(password); // stored hashed only

    const c = await sftpLogin(s(), username, { password });
    try {
      expect(await op.realpath(c.sftp, '.')).toBe('/public'); // lands in its writable folder
      await op.write(c.sftp, 'hello.txt', 'hello');
      const file = join(sites[domA].writable, 'hello.txt');
      expect(readFileSync(file, 'utf8')).toBe('hello');
      expect(statSync(file).uid).toBe(sites[domA].uid); // the site's user owns what the client uploads
      expect(statSync(file).mode & 0o777).toBe(0o644); // readable by the web server
      // The chroot: / is the site's folder, whatever way up the client tries.
      expect(await op.list(c.sftp, '/')).toEqual(['public']);
      expect(await op.list(c.sftp, '/public/../../..')).toEqual(['public']);
      expect(await op.realpath(c.sftp, '../../..')).toBe('/');
      await expect(op.write(c.sftp, '/evil.txt', 'x')).rejects.toThrow(); // the chroot itself is root's
      await expect(op.read(c.sftp, '/etc/passwd')).rejects.toThrow();
      await expect(op.read(c.sftp, join(sites[domB].writable, 'secret.txt'))).rejects.toThrow();
      await expect(op.read(c.sftp, `../../${domB}/public/secret.txt`)).rejects.toThrow();
      // Links planted in the site (by its own PHP, or through SFTP) resolve inside the chroot, never outside.
      symlinkSync('/etc', join(sites[domA].writable, 'etc-link'));
      symlinkSync(sites[domB].writable, join(sites[domA].writable, 'b-link'));
      await op.symlink(c.sftp, '/etc/passwd', '/public/passwd-link');
      await expect(op.read(c.sftp, '/public/etc-link/passwd')).rejects.toThrow();
      await expect(op.read(c.sftp, '/public/b-link/secret.txt')).rejects.toThrow();
      await expect(op.read(c.sftp, '/public/passwd-link')).rejects.toThrow();
      // No tunnel out through the account either.
      await expect(
        new Promise((res, rej) =>
          c.client.forwardOut('127.0.0.1', 0, '127.0.0.1', lab.nginx!.port, (e, ch) => (e ? rej(e) : res(ch))),
        ),
      ).rejects.toThrow();
    } finally {
      c.end();
    }
    // Another tenant's account is not this one: B's user gets nothing with A's password.
    expect(await refused(s(), sites[domB].user, { password })).toBe(true);
  });

  it('replaces the old password on a reset', async () => {
    const user = sites[domA].user;
    const before = (await d.store.tenants.getResource('sftp', domA))
      ? undefined
      : await d.runJob('sftp.create', { domain: domA }, { token: A.token });
    expect(before?.status ?? 'succeeded').toBe('succeeded');
    const reset = await d.runJob('sftp.reset', { domain: domA }, { token: A.token });
    expect(reset.status, JSON.stringify(reset.error)).toBe('succeeded');
    const fresh = reset.result.password as string;
    expect(fresh).toMatch(/^[A-Za-z0-9]{24}$/);
    const again = await d.runJob('sftp.reset', { domain: domA }, { token: A.token });
    expect(again.status).toBe('succeeded');
    expect(await refused(s(), user, { password: fresh })).toBe(true); // the one before no longer works
    const c = await sftpLogin(s(), user, { password: again.result.password });
    expect(await op.list(c.sftp, '/')).toEqual(['public']);
    c.end();

    // A deleted account can no longer log in, and its block is gone from sshd.
    const del = await d.runJob('sftp.delete', { domain: domA }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    expect(await refused(s(), user, { password: again.result.password })).toBe(true);
    expect(existsSync(dropIn(user))).toBe(false);
    expect(shadowHash(user)).toBe('!');
    expect(await d.store.tenants.getResource('sftp', domA)).toBeUndefined();
    expect(readFileSync(join(sites[domA].writable, 'hello.txt'), 'utf8')).toBe('hello'); // the files stay
  });

  it("logs in with the client's public key, and refuses keys that are not one", async () => {
    const keys = clientKeyPair();
    const job = await d.runJob(
      'sftp.create',
      { domain: domKey, publicKey: `${keys.public} laptop` },
      { token: B.token },
    );
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result.password ?? '').toBe('');
    expect(job.result.keyFingerprint).toMatch(/^SHA256:/);
    const c = await sftpLogin(s(), sites[domKey].user, { privateKey: keys.private });
    expect(await op.realpath(c.sftp, '.')).toBe('/public');
    c.end();
    expect(await refused(s(), sites[domKey].user, { password: '*' })).toBe(true);
    // Another key is not let in.
    const other = clientKeyPair();
    expect(await refused(s(), sites[domKey].user, { privateKey: other.private })).toBe(true);

    const rsa = utils.generateKeyPairSync('rsa', { bits: 2048 });
    for (const bad of [rsa.public, `ssh-ed25519 ${Buffer.from('not a key').toString('base64')}`]) {
      const r = await d.runJob('sftp.create', { domain: domB, publicKey: bad }, { token: B.token });
      expect(r.status).toBe('failed');
      expect(r.error.code).toBe('invalid_input');
    }
    // Not even the shape of a key line (a type sshd no longer takes, options before the key): refused at the API.
    for (const bad of ['ssh-dss AAAAB3NzaC1kc3M=', 'command="sh" ssh-ed25519 AAAA', 'ssh-ed25519 AAAA x;rm']) {
      const r = await d.api('POST', '/v1/jobs', {
        token: B.token,
        body: { playbook: 'sftp.create', inputs: { domain: domB, publicKey: bad } },
      });
      expect(r.status, bad).toBe(400);
    }
    expect(existsSync(dropIn(sites[domB].user))).toBe(false);
  });

  it('closes the access with its site, before its user goes', async () => {
    const user = sites[domKey].user;
    expect(existsSync(dropIn(user))).toBe(true); // opened by the key test above
    const gone = await d.runJob(
      'vhost.delete',
      { domain: domKey, confirm: domKey, removeFiles: true },
      { token: B.token },
    );
    expect(gone.status, JSON.stringify(gone.error)).toBe('succeeded');
    expect(spawnSync('id', ['-u', user]).status).not.toBe(0); // the site's user went with its files
    // Nothing is left that would let the key in again once the same name is a site again (its user has the same name).
    expect(existsSync(dropIn(user))).toBe(false);
    expect(existsSync(join(s().keysDir, user))).toBe(false);
    expect(await d.store.tenants.getResource('sftp', domKey)).toBeUndefined();
  });

  it('refuses a legacy site with what to do, and writes nothing', async () => {
    const job = await d.runJob('sftp.create', { domain: domOld }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('sftp_legacy_site');
    expect(job.error.message).toMatch(/^Ask your provider to move/);
  });

  it('undoes the account when sshd would not apply its block (a drop-in folder sshd does not include)', async () => {
    const user = sites[domOff].user;
    const job = await d.runJob('sftp.create', { domain: domOff }); // an admin's job sees the detail
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('sshd_rejected');
    expect(JSON.stringify(job.error)).toMatch(/does sshd_config include/);
    expect(existsSync(join(base, 'elsewhere', `serein-sftp-${user}.conf`))).toBe(false);
    expect(shadowHash(user)).toBe('!'); // no password was ever set
    expect(await d.store.tenants.getResource('sftp', domOff)).toBeUndefined();
  });
});
