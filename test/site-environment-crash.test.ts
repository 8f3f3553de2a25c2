/**
 * site.environment killed (SIGKILL) at points spread across it: once the site, its database
 * and the credentials file exist, once the certificate is ordered, once it is installed and
 * served, and half-way through SFTP. The restarted daemon fails the job and undoes all of it:
 * no site record nor nginx file, no site user, group or PHP pool, no database nor its user,
 * no certificate in use, no sshd drop-in, and nginx -t still passes. Against the lab's real
 * nginx, php-fpm, MariaDB, Pebble and SFTP sshd.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../src/actions/site-user.js';
import { tenantDatabaseName } from '../src/db/identifiers.js';
import { Store } from '../src/store/store.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { dropByPrefix } from './helpers/db-lab.js';
import { expectUndoneAfterKill, HaltingDaemon } from './helpers/halting-daemon.js';
import { keepStoreForScan, noteSecrets } from './helpers/secrets-scan.js';
import { chrootableDir, removeLeftAccounts, removeUsers } from './helpers/sftp-lab.js';
import { environmentWebserver, labMariadbServer, nothingLeft, siteLeftovers } from './helpers/environment-lab.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest, removeLeftSiteFiles, uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

// After the site, its database and the credentials file; the certificate ordered; installed and served; SFTP half-made.
const POINTS = ['preflight-done', 'order-issued', 'install-reloaded', 'sftp-credentials-set'];

let lab: LabInfo;
let dir: string;
let base: string;
let d: HaltingDaemon | undefined;
let client = '';
const tenant = uniq('ec');
const domain = `${uniq('c')}.test`;
const sites = POINTS.map((_, i) => `k${i + 1}.${domain}`);

/** What the lab holds of a site made by site.environment, read in the store as the restarted daemon left it. */
async function leftOf(site: string) {
  const store = await Store.open(d!.store);
  try {
    const scene = { lab, store, webRoot: join(base, 'www'), certDir: join(base, 'certs'), tenant };
    return await siteLeftovers(scene, site, tenantDatabaseName(tenant, site.split('.')[0]));
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  lab = await useLab('pebble', 'mariadb', 'phpFpm', 'sftp');
  dir = tempDir('serein-environment-crash-');
  base = chrootableDir();
  // Jobs and halts waited for up to two minutes each (see the test's own timeout below).
  d = await HaltingDaemon.start(
    dir,
    {
      ...labCertConfig(lab, dir),
      webservers: { web: environmentWebserver(lab, base) },
      databases: { maria: labMariadbServer(lab) },
    },
    120_000,
  );
  await d.api('POST', '/v1/tenants', { id: tenant, name: `Tenant ${tenant}`, language: 'en' });
  await d.api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'domain', name: domain });
  for (const s of ['web', 'maria']) await d.api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'server', name: s });
  client = (await d.api('POST', '/v1/tokens', { kind: 'client', tenantId: tenant })).token;
  noteSecrets('client token', client);
}, 120_000);

afterEach(() => {
  const t = labNginxTest(lab.nginx!);
  expect(t.ok, t.output).toBe(true);
});

afterAll(async () => {
  if (d) {
    // Only if a kill left something: what a failed test must not leave to the next ones.
    const store = await Store.open(d.store);
    const left = [
      ...(await store.tenants.listResources({ kind: 'sftp' })).map((r) => ['sftp.delete', { domain: r.name }] as const),
      ...(await store.tenants.listResources({ kind: 'vhost' })).map(
        (r) => ['vhost.delete', { domain: r.name, removeFiles: true }] as const,
      ),
    ];
    await store.close();
    await d.stop(left);
  }
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
      expectUndoneAfterKill(await d!.killedAt(point, 'site.environment', { webserver: 'web', domain: site }, client));
      expect(await leftOf(site)).toEqual(nothingLeft(tenantDatabaseName(tenant, site.split('.')[0])));
    },
    240_000,
  );
});
