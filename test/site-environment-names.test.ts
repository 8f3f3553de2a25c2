/**
 * site.environment's database name (issue 23's leftovers), against the lab's real MariaDB,
 * nginx, php-fpm, Pebble and SFTP sshd. The name comes from the site's first label: a label
 * too long for database.create's 15 characters is cut and told apart by a hash of the whole
 * domain; and the name is chosen as the database is made, under the tenant's database lock
 * and against the server's own list. Two environments whose sites start with the same label,
 * made at once, beside a database of that name made on the server without serein, both
 * succeed, each with a database of its own: the preflight's choice made both take the same
 * name, which was on the server already, and both failed whole.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseNamesFor } from '../src/actions/site-environment-database.js';
import { siteUserName } from '../src/actions/site-user.js';
import { SHORT_NAME_PATTERN } from '../src/db/identifiers.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { dropByPrefix, mariaRoot } from './helpers/db-lab.js';
import { environmentWebserver, labMariadbServer } from './helpers/environment-lab.js';
import { noteSecrets } from './helpers/secrets-scan.js';
import { chrootableDir, deleteAccountsAndStop, removeLeftAccounts, removeUsers } from './helpers/sftp-lab.js';
import { tempDir } from './helpers/tmp.js';
import { uniq } from './helpers/vhost-lab.js';
import { expectNginxTestPasses } from './helpers/vhost-teardown.js';
import { useLab, type LabInfo } from './lab/client.js';

describe("site.environment's database name", () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let base: string;
  let A: { token: string };
  const tenant = uniq('en');
  const dom = `${uniq('n')}.test`;
  const sites = [`shop.${dom}`, `shop.eu.${dom}`, `boutique-staging-2024.${dom}`];
  const users = sites.map(siteUserName);

  beforeAll(async () => {
    lab = await useLab('pebble', 'mariadb', 'phpFpm', 'sftp');
    base = chrootableDir();
    d = await startTestDaemon({
      config: {
        ...labCertConfig(lab, tempDir('serein-envnames-')),
        webservers: { web: environmentWebserver(lab, base) },
        databases: { maria: labMariadbServer(lab) },
      },
    });
    A = await d.tenant(tenant, { domains: [dom], servers: ['web', 'maria'] });
  }, 120_000);

  afterEach(() => expectNginxTestPasses(lab.nginx!));

  afterAll(async () => {
    await deleteAccountsAndStop(d);
    if (lab?.sftp) removeLeftAccounts(lab.sftp, users);
    removeUsers(users);
    if (lab) await dropByPrefix(lab, [`${tenant}_`]);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('makes names database.create takes, a long label cut and told apart by its domain', () => {
    const long = databaseNamesFor('boutique-staging-2024.exemple.fr');
    const other = databaseNamesFor('boutique-staging-2025.exemple.fr');
    for (const name of [...long, ...other, ...databaseNamesFor('shop.exemple.fr')])
      expect(name).toMatch(new RegExp(SHORT_NAME_PATTERN));
    expect(long[0]).toMatch(/^boutiquest_[0-9a-f]{4}$/);
    expect(long[0]).not.toBe(other[0]);
    expect(databaseNamesFor('shop.exemple.fr')[0]).toBe('shop');
    expect(databaseNamesFor('shop.a.fr').slice(1)).not.toEqual(databaseNamesFor('shop.b.fr').slice(1));
  });

  it('gives two sites starting with the same label, made at once, each a free database, beside one made without serein', async () => {
    // A database the server has and serein never made, under the name both sites would take first.
    await mariaRoot(lab, (c) => c.query(`CREATE DATABASE \`${tenant}_shop\``));
    const jobs = await Promise.all(
      sites
        .slice(0, 2)
        .map((site) => d.runJob('site.environment', { webserver: 'web', domain: site }, { token: A.token })),
    );
    for (const job of jobs) {
      expect(job.status, JSON.stringify({ error: job.error, steps: job.steps })).toBe('succeeded');
      noteSecrets('site.environment names', job.result.databasePassword, job.result.sftpPassword);
    }
    const names = jobs.map((j) => String(j.result.database));
    expect(new Set(names).size).toBe(2);
    expect(names).not.toContain(`${tenant}_shop`);
    for (const name of names) expect(name).toMatch(new RegExp(`^${tenant}_shop_[0-9a-f]{4}$`));
    // Each is on the server, with its user.
    const onServer = await mariaRoot(lab, async (c) => {
      const [rows] = await c.query(
        'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?)',
        names,
      );
      return (rows as { n: string }[]).map((r) => r.n).sort();
    });
    expect(onServer).toEqual([...names].sort());
  }, 240_000);

  it('gives a site whose first label is longer than a name may be a database cut to 15 characters', async () => {
    const job = await d.runJob('site.environment', { webserver: 'web', domain: sites[2] }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    noteSecrets('site.environment names', job.result.databasePassword, job.result.sftpPassword);
    expect(job.result.database).toBe(`${tenant}_${databaseNamesFor(sites[2])[0]}`);
  }, 240_000);
});
