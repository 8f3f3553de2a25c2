import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, utils, type SFTPWrapper } from 'ssh2';
import { siteUserName } from '../../src/actions/site-user.js';
import type { LabInfo } from '../lab/client.js';
import { srvTestDir } from '../lab/site-users.js';
import type { TestDaemon } from './daemon.js';
import { deleteSitesAndStop } from './vhost-teardown.js';
import { uniq } from './vhost-lab.js';

type SftpLab = NonNullable<LabInfo['sftp']>;

/** The `sftp` block of a webserver on the lab's SFTP sshd. */
export function labSftp(s: SftpLab, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: s.host,
    port: s.port,
    sshd: s.sshd,
    pidFile: s.pidFile,
    dropInDir: s.dropInDir,
    keysDir: s.keysDir,
    ...extra,
  };
}

/**
 * A folder for site folders that sshd accepts as a chroot's parents: under /srv, root's and
 * 0755 all the way up (a folder under /tmp never is: /tmp is writable by everyone).
 */
export function chrootableDir(): string {
  // Named after this test process: the lab's teardown removes it once the process is gone (test/lab/site-users.ts).
  return srvTestDir();
}

/**
 * A site in the layout SFTP needs, as the site helper's vhost.create makes it: its own
 * system user (shell nologin, password locked), `<webRoot>/<domain>/` root's 0755 and
 * `public/` the user's. Returns the user and the record's data.
 */
export function plantSite(
  webRoot: string,
  domain: string,
  webserver: string,
): { user: string; uid: number; writable: string; data: Record<string, unknown> } {
  const user = uniq('s');
  execFileSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', '-d', '/nonexistent', user]);
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const chroot = join(webRoot, domain);
  const writable = join(chroot, 'public');
  mkdirSync(writable, { recursive: true, mode: 0o755 });
  execFileSync('chown', [user, writable]);
  return {
    user,
    uid,
    writable,
    data: {
      primary: domain,
      aliases: [],
      webserver,
      root: writable,
      tls: false,
      file: '',
      accessLog: '',
      errorLog: '',
      user,
    },
  };
}

/** A site vhost.create made in the site-user layout: its user (by siteUserName), its uid and its writable folder. */
export function siteAccount(webRoot: string, domain: string): { user: string; uid: number; writable: string } {
  const user = siteUserName(domain);
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  return { user, uid, writable: join(webRoot, domain, 'public') };
}

/** Removes these users (planted by plantSite, or left by a site a failed test did not delete). */
export function removeUsers(users: string[]): void {
  for (const u of users) if (spawnSync('id', ['-u', u]).status === 0) spawnSync('userdel', [u]);
}

/** Deletes every SFTP account, then every site (files too), the daemon recorded, and stops it: an SFTP test file's teardown. */
export async function deleteAccountsAndStop(d: TestDaemon | undefined): Promise<void> {
  if (!d) return;
  for (const r of await d.store.tenants.listResources({ kind: 'sftp' }))
    await d.runJob('sftp.delete', { domain: r.name });
  await deleteSitesAndStop(d);
}

/** Removes drop-ins and key files a failed test left for these users on the lab's SFTP sshd, and reloads it. */
export function removeLeftAccounts(s: SftpLab, users: string[]): void {
  let left = 0;
  for (const f of readdirSync(s.dropInDir))
    if (users.some((u) => f === `serein-sftp-${u}.conf`)) {
      rmSync(join(s.dropInDir, f), { force: true });
      left++;
    }
  for (const u of users) rmSync(join(s.keysDir, u), { force: true });
  if (left) process.kill(Number(readFileSync(s.pidFile, 'utf8').trim()), 'SIGHUP');
}

/** Auth for an SFTP login: a password or a private key (PEM or OpenSSH). */
/**
 * A client's ed25519 key pair, as a client's own tool would make it. ssh2's generator writes about
 * 3 private keys in 1,000 that its own parser then refuses ("Malformed OpenSSH private key"): a
 * login test failed on one in CI. Such a pair is made again; the product only reads public keys.
 */
export function clientKeyPair(): { public: string; private: string } {
  for (;;) {
    const keys = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(keys.private) instanceof Error)) return keys;
  }
}

export type Login = { password: string } | { privateKey: string };

/** Logs in with SFTP as a client would from outside; rejects when the server refuses the login. */
export function sftpLogin(
  s: SftpLab,
  username: string,
  auth: Login,
): Promise<{ sftp: SFTPWrapper; client: Client; end(): void }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('error', reject);
    client.once('ready', () =>
      client.sftp((err, sftp) => {
        if (err) {
          client.end();
          reject(err);
        } else resolve({ sftp, client, end: () => client.end() });
      }),
    );
    client.connect({ host: s.host, port: s.port, username, ...auth, tryKeyboard: false, readyTimeout: 20_000 });
  });
}

/** Whether this login is refused by the server (an authentication failure, not another error). */
export async function refused(s: SftpLab, username: string, auth: Login): Promise<boolean> {
  try {
    (await sftpLogin(s, username, auth)).end();
    return false;
  } catch (err) {
    if ((err as { level?: string }).level === 'client-authentication') return true;
    throw err;
  }
}

/** Promise forms of the SFTP calls the tests make. */
export const op = {
  write: (sftp: SFTPWrapper, path: string, data: string) =>
    new Promise<void>((res, rej) => sftp.writeFile(path, data, (e) => (e ? rej(e) : res()))),
  read: (sftp: SFTPWrapper, path: string) =>
    new Promise<string>((res, rej) => sftp.readFile(path, (e, b) => (e ? rej(e) : res(b.toString('utf8'))))),
  list: (sftp: SFTPWrapper, path: string) =>
    new Promise<string[]>((res, rej) =>
      sftp.readdir(path, (e, l) => (e ? rej(e) : res(l.map((x) => x.filename).sort()))),
    ),
  realpath: (sftp: SFTPWrapper, path: string) =>
    new Promise<string>((res, rej) => sftp.realpath(path, (e, p) => (e ? rej(e) : res(p)))),
  symlink: (sftp: SFTPWrapper, target: string, path: string) =>
    new Promise<void>((res, rej) => sftp.symlink(target, path, (e) => (e ? rej(e) : res()))),
  mkdir: (sftp: SFTPWrapper, path: string) =>
    new Promise<void>((res, rej) => sftp.mkdir(path, (e) => (e ? rej(e) : res()))),
};
