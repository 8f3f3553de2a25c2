import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { expect } from 'vitest';
import { siteUserName } from '../../src/actions/site-user.js';
import type { Store } from '../../src/store/store.js';
import type { LabInfo } from '../lab/client.js';
import { dbExists } from './db-lab.js';
import { labSftp } from './sftp-lab.js';
import { labWebserver } from './vhost-lab.js';

const getent = (db: 'passwd' | 'group', name: string) => spawnSync('getent', [db, name], { encoding: 'utf8' });
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/**
 * A web server on the lab's nginx in the layout site.environment needs: each site its own
 * user, its PHP pool and SFTP (`sftp` changes the SFTP block, e.g. a drop-in folder sshd ignores).
 */
export function environmentWebserver(lab: LabInfo, base: string, sftp: Record<string, unknown> = {}) {
  const f = lab.phpFpm!;
  return labWebserver(lab.nginx!, base, 'local', {
    siteUsers: true,
    nginxGroup: 'nogroup',
    publicAddresses: ['127.0.0.1', '::1'],
    php: { fpm: f.fpm, poolDir: f.poolDir, socketDir: f.socketDir, pidFile: f.pidFile, listenOwner: 'nobody' },
    sftp: labSftp(lab.sftp!, sftp),
  });
}

/** The lab's MariaDB as a `databases` entry, with its admin account. */
export function labMariadbServer(lab: LabInfo) {
  const m = lab.mariadb!;
  return { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password };
}

/** Pebble's issuing root, from its management port (over its own HTTPS certificate): what a site's chain is checked up to. */
export function pebbleRoot(lab: LabInfo): Promise<string> {
  return new Promise<string>((resolve, reject) =>
    httpsRequest(`${lab.pebble!.managementUrl}/roots/0`, { ca: readFileSync(lab.pebble!.caCertPath) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end(),
  );
}

/** A GET over HTTPS with SNI to the lab's nginx, as a browser would: the chain checked up to `ca`. */
export function getTls(
  lab: LabInfo,
  host: string,
  path: string,
  ca: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { hostname: '127.0.0.1', port: lab.nginx!.tlsPort, path, servername: host, headers: { host }, ca },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Where a site made by site.environment (or vhost.create) lives, to look for what it left. */
export interface SiteScene {
  lab: LabInfo;
  store: Store;
  /** The web server's web root (site folders are `<webRoot>/<site>`). */
  webRoot: string;
  /** The web server's certificate folder (one folder per certificate's first name). */
  certDir: string;
  tenant: string;
}

/**
 * What the lab still holds of a site (and of its database, named `database`): each entry
 * `nothingLeft` expects, so a failed expectation names what outlived the undo. Every file of
 * the site in nginx's folder and in its certificate folder counts, the undo's copies
 * (`.serein-bak`) of what it removed included.
 */
export async function siteLeftovers(s: SiteScene, site: string, database: string) {
  const user = siteUserName(site);
  return {
    record: !!(await s.store.tenants.getResource('vhost', site)),
    vhostFiles: list(s.lab.nginx!.vhostDir).filter((f) => f.includes(site)),
    folder: existsSync(join(s.webRoot, site)),
    user: getent('passwd', user).status === 0,
    group: getent('group', user).status === 0,
    pool: list(s.lab.phpFpm!.poolDir).some((f) => f.includes(user)),
    sshd: list(s.lab.sftp!.dropInDir).some((f) => f.includes(user)),
    databases: (await s.store.tenants.listResources({ kind: 'database', tenantId: s.tenant })).map((r) => r.name),
    onServer: await dbExists(s.lab, 'mariadb', database),
    certificates: (await s.store.certificates.list({ name: site })).filter((c) => c.status !== 'abandoned').length,
    certFiles: list(join(s.certDir, site)),
  };
}

/** What siteLeftovers reads once nothing of the site and of its database `database` remains. */
export const nothingLeft = (database: string) => ({
  record: false,
  vhostFiles: [],
  folder: false,
  user: false,
  group: false,
  pool: false,
  sshd: false,
  databases: expect.not.arrayContaining([expect.stringContaining(database)]),
  onServer: { database: false, user: false },
  certificates: 0,
  certFiles: [],
});
