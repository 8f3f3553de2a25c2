/**
 * A whole environment in one operation (site.environment) against the lab's real nginx,
 * php-fpm, MariaDB, Pebble and SFTP sshd: the site with its own user and PHP, its database,
 * the database's details in a file its PHP reads and another site's cannot, the certificate
 * and SFTP, every password shown once and found nowhere else; another tenant's domain is
 * refused with nothing run; a certificate refused late, or SFTP failing last, undoes all of it.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../src/actions/site-user.js';
import { dnsAdmin, labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { dropByPrefix } from './helpers/db-lab.js';
import { noteSecrets } from './helpers/secrets-scan.js';
import {
  chrootableDir,
  deleteAccountsAndStop,
  op,
  removeLeftAccounts,
  removeUsers,
  sftpLogin,
} from './helpers/sftp-lab.js';
import {
  environmentWebserver,
  getTls as getHttps,
  labMariadbServer,
  nothingLeft,
  pebbleRoot,
  siteLeftovers,
} from './helpers/environment-lab.js';
import { tempDir } from './helpers/tmp.js';
import { getWithHost, uniq } from './helpers/vhost-lab.js';
import { expectNginxTestPasses } from './helpers/vhost-teardown.js';
import { useLab, type LabInfo } from './lab/client.js';

const getent = (db: 'passwd' | 'group', name: string) => spawnSync('getent', [db, name], { encoding: 'utf8' });
const uidOf = (name: string) => Number(getent('passwd', name).stdout.split(':')[2]);

describe('a whole environment in one operation', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let base: string;
  let logFile: string;
  let A: { token: string };
  let B: { token: string };
  const tenantA = uniq('ea');
  const tenantB = uniq('eb');
  const domA = `${uniq('a')}.test`;
  const domB = `${uniq('b')}.test`;
  const site = `photos.${domA}`;
  const users = [site, `late.${domA}`, `last.${domA}`, `other.${domB}`].map(siteUserName);
  const webRoot = () => join(base, 'www');
  const home = (dom: string) => join(webRoot(), dom);
  const get = (host: string, path: string) => getWithHost('127.0.0.1', lab.nginx!.port, host, path);
  /** A GET over HTTPS with SNI (a site with its certificate redirects HTTP there). */
  const getTls = (host: string, path: string) => getHttps(lab, host, path, pebbleCa);
  let pebbleCa = '';
  // A file the site's own user writes (as its SFTP account would).
  const put = (dom: string, name: string, content: string) => {
    const f = join(home(dom), 'public', name);
    writeFileSync(f, content, { mode: 0o644 });
    chownSync(f, uidOf(siteUserName(dom)), uidOf(siteUserName(dom)));
  };

  /** What the lab holds of a site made by this operation: none of it may outlive a failed run. */
  const leftOf = (dom: string, database: string) =>
    siteLeftovers(
      { lab, store: d.store, webRoot: webRoot(), certDir: join(base, 'certs'), tenant: tenantA },
      dom,
      database,
    );

  /** A job's steps and their errors, for the message of a failed expectation. */
  const why = async (job: { id: string; error?: unknown }) =>
    JSON.stringify({ error: job.error, steps: await d.store.jobs.steps(job.id) });

  beforeAll(async () => {
    lab = await useLab('pebble', 'mariadb', 'phpFpm', 'sftp');
    base = chrootableDir();
    const dir = tempDir('serein-environment-');
    logFile = join(dir, 'daemon.log');
    d = await startTestDaemon({
      // Every line the daemon logs, debug included, is read for the passwords below.
      logger: pino({ level: 'debug' }, pino.destination({ dest: logFile, sync: true })),
      config: {
        ...labCertConfig(lab, dir),
        webservers: {
          web: environmentWebserver(lab, base),
          // sshd_config does not include this folder: SFTP, the last step, fails after all the rest is done.
          off: environmentWebserver(lab, base, { dropInDir: join(base, 'elsewhere') }),
        },
        databases: { maria: labMariadbServer(lab) },
      },
    });
    // Pebble's issuing root: the HTTPS checks below verify the chain the site serves, as a browser would.
    pebbleCa = await pebbleRoot(lab);
    A = await d.tenant(tenantA, { language: 'fr', domains: [domA], servers: ['web', 'off', 'maria'] });
    B = await d.tenant(tenantB, { domains: [domB], servers: ['web', 'maria'] });
  }, 120_000);

  afterEach(() => expectNginxTestPasses(lab.nginx!));

  afterAll(async () => {
    await deleteAccountsAndStop(d);
    if (lab?.sftp) removeLeftAccounts(lab.sftp, users);
    removeUsers(users);
    if (lab) await dropByPrefix(lab, [`${tenantA}_`, `${tenantB}_`]);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it("refuses another tenant's domain at the API, with nothing run", async () => {
    const res = await d.api('POST', '/v1/jobs', {
      token: B.token,
      body: { playbook: 'site.environment', inputs: { webserver: 'web', domain: `shop.${domA}` } },
    });
    expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.code).toBe('not_yours');
    expect(res.body.error.message).toMatch(/shop\./);
    expect(await d.store.jobs.list({ playbook: 'site.environment' })).toHaveLength(0);
    expect(existsSync(home(`shop.${domA}`))).toBe(false);
  });

  it('shows the whole plan in a dry run, and changes nothing', async () => {
    const job = await d.runJob(
      'site.environment',
      { webserver: 'web', domain: site },
      { token: A.token, dryRun: true },
    );
    expect(job.status, await why(job)).toBe('succeeded');
    const plan = job.result.plan.map((i: { summary: string; step: string }) => `${i.step}: ${i.summary}`).join('\n');
    expect(plan).toContain(`apply: le compte système et le groupe propres au site, ${siteUserName(site)}`);
    expect(plan).toMatch(/apply: PHP pour le site dans son propre groupe/);
    expect(plan).toMatch(new RegExp(`create: .*${tenantA}_photos`));
    expect(plan).toContain('credentials: écrire le fichier database.php à côté du dossier public du site');
    expect(plan).toMatch(/issue: commander un certificat ecdsa-p256 pour photos\./);
    expect(plan).toMatch(/install: .*clé/);
    expect(plan).toMatch(/sftp: accès SFTP pour w-/);
    expect(await leftOf(site, `${tenantA}_photos`)).toEqual(nothingLeft(`${tenantA}_photos`));
  });

  it('makes the site, its PHP, database, certificate and SFTP in one job; every password shown once, found nowhere else', async () => {
    const job = await d.runJob('site.environment', { webserver: 'web', domain: site }, { token: A.token });
    expect(job.status, await why(job)).toBe('succeeded');
    const r = job.result;
    noteSecrets('site.environment', r.databasePassword, r.sftpPassword);
    expect(job.secretKeys?.sort()).toEqual(['databasePassword', 'sftpPassword']);
    expect(r).toMatchObject({
      url: `https://${site}/`,
      database: `${tenantA}_photos`,
      databaseUser: `${tenantA}_photos`,
      databaseFile: 'database.php',
      sftpUser: siteUserName(site),
    });
    // Shown once: read again, the passwords are gone.
    const again = await d.api('GET', `/v1/jobs/${job.id}`, { token: A.token });
    expect(JSON.stringify(again.body)).not.toContain(r.databasePassword);
    expect(JSON.stringify(again.body)).not.toContain(r.sftpPassword);

    // The database answers with the password shown.
    const c = await mysql.createConnection({
      host: lab.mariadb!.host,
      port: lab.mariadb!.port,
      user: r.databaseUser,
      password: r.databasePassword,
      database: r.database,
    });
    await c.end();

    // The details' file: root's, the site's group, 0640, beside public/ (never served).
    const file = join(home(site), 'database.php');
    const st = statSync(file);
    expect(st.mode & 0o777).toBe(0o640);
    expect([st.uid, st.gid]).toEqual([0, Number(getent('group', siteUserName(site)).stdout.split(':')[2])]);
    expect(readFileSync(file, 'utf8')).toContain(`define('DB_NAME', '${r.database}');`);
    expect((await getTls(site, '/../database.php')).body).not.toContain('DB_PASSWORD');

    // The site's PHP reads it and reaches its database with mysqli (WordPress's way).
    put(
      site,
      'db.php',
      `<?php require __DIR__ . '/../database.php';
[$h, $p] = explode(':', DB_HOST);
$m = new mysqli($h, DB_USER, DB_PASSWORD, DB_NAME, (int) $p);
echo "db=", $m->query('SELECT DATABASE()')->fetch_row()[0];`,
    );
    expect((await getTls(site, '/db.php')).body).toBe(`db=${r.database}`);

    // Another tenant's site, with PHP of its own, cannot read it.
    const other = `other.${domB}`;
    const made = await d.runJob('vhost.create', { webserver: 'web', domain: other, php: true }, { token: B.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    put(
      other,
      'steal.php',
      `<?php echo "basedir=", var_export(@file_get_contents(${JSON.stringify(file)}), true), "\\n";
echo "shell=", var_export(shell_exec("cat ${file} 2>&1"), true);`,
    );
    const stolen = (await get(other, '/steal.php')).body; // no certificate: served over HTTP
    expect(stolen).toContain('basedir=false');
    expect(stolen).toMatch(/Permission denied/);
    expect(stolen).not.toContain(r.databasePassword);

    // SFTP with the password shown: the client writes in its site, and sees the details' file.
    const s = await sftpLogin(lab.sftp!, r.sftpUser, { password: r.sftpPassword });
    try {
      await op.write(s.sftp, '/public/hello.txt', 'bonjour');
      // PHP's temporary files and sessions are the site's own too (src/actions/php-pool.ts PHP_FOLDERS).
      expect(await op.list(s.sftp, '/')).toEqual(['database.php', 'public', 'sessions', 'tmp']);
    } finally {
      s.end();
    }
    // Over HTTPS, with the certificate just issued (its chain verified up to Pebble's root).
    expect(await getTls(site, '/hello.txt')).toEqual({ status: 200, body: 'bonjour' });
    expect((await get(site, '/hello.txt')).status).toBe(301);

    // Never stored, never logged: the job's record, steps, events and the daemon's log.
    const stored = JSON.stringify([
      await d.store.jobs.get(job.id),
      await d.store.jobs.steps(job.id),
      await d.store.jobs.events(job.id),
      await d.store.tenants.listResources({ tenantId: tenantA }),
    ]);
    const log = readFileSync(logFile, 'utf8');
    for (const secret of [r.databasePassword, r.sftpPassword]) {
      expect(stored).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });

  it('a certificate refused after the site and the database exist undoes all of it', async () => {
    const late = `late.${domA}`;
    // The domain allows another authority only: the certificate's checks, run once the site answers, refuse it.
    await dnsAdmin(lab, 'add-caa', { host: `${late}.`, policies: [{ tag: 'issue', value: 'otherca.example' }] });
    const job = await d.runJob('site.environment', { webserver: 'web', domain: late }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('failed');
    expect(job.error.message).toMatch(/autorités/);
    const steps = await d.store.jobs.steps(job.id);
    const state = Object.fromEntries(steps.map((s) => [s.name, s.status]));
    expect(state).toMatchObject({ apply: 'compensated', create: 'compensated', credentials: 'compensated' });
    expect(state.dns).toBe('failed');
    expect(await leftOf(late, `${tenantA}_late`)).toEqual(nothingLeft(`${tenantA}_late`));
  });

  it('SFTP failing last, after the certificate is served, undoes all of it', async () => {
    const last = `last.${domA}`;
    const job = await d.runJob('site.environment', { webserver: 'off', domain: last }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('failed');
    const state = Object.fromEntries((await d.store.jobs.steps(job.id)).map((s) => [s.name, s.status]));
    expect(state).toMatchObject({
      apply: 'compensated',
      create: 'compensated',
      credentials: 'compensated',
      issue: 'compensated',
      install: 'compensated',
      sftp: 'compensated',
    });
    expect(job.error.message).toMatch(/SFTP|fichiers/);
    expect(await leftOf(last, `${tenantA}_last`)).toEqual(nothingLeft(`${tenantA}_last`));
  });
});
