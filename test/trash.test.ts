import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiskUsageWatch } from '../src/watch/disk-usage.js';
import { TrashPurge } from '../src/watch/trash-purge.js';
import { siteUserName } from '../src/actions/site-user.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { dbExists, dropByPrefix } from './helpers/db-lab.js';
import { labNginxTest, labWebserver, uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

/**
 * Deletes that lose nothing, against the lab's MariaDB, PostgreSQL and nginx: a deleted
 * database or site's files go to the trash first, come back in one click (the data read
 * back as the tenant's own database user), never over something that exists, only for
 * their tenant; the purge removes what expired and audits it; sizes are measured.
 */

let lab: LabInfo;
let d: TestDaemon;
let dir: string;
let A: { token: string };
let B: { token: string };
const tenantA = uniq('ta');
const tenantB = uniq('tb');
const domA = `${uniq('a')}.test`;
const domB = `${uniq('b')}.test`;

/** Logs in as the database's own user and reads the row the tenant wrote before the delete. */
async function readRow(
  engine: 'mariadb' | 'postgres',
  o: { database: string; user: string; password: string },
): Promise<string> {
  if (engine === 'mariadb') {
    const m = lab.mariadb!;
    const c = await mysql.createConnection({
      host: m.host,
      port: m.port,
      user: o.user,
      password: o.password,
      database: o.database,
    });
    try {
      const [rows] = await c.query('SELECT label FROM kept WHERE id = 7');
      return (rows as { label: string }[])[0]?.label ?? '(none)';
    } finally {
      await c.end();
    }
  }
  const p = lab.postgres!;
  const c = new pg.Client({ host: p.host, port: p.port, user: o.user, password: o.password, database: o.database });
  await c.connect();
  try {
    return (await c.query('SELECT label FROM kept WHERE id = 7')).rows[0]?.label ?? '(none)';
  } finally {
    await c.end();
  }
}

/** The tenant's application writes a row, as its own user. */
async function writeRow(
  engine: 'mariadb' | 'postgres',
  o: { database: string; user: string; password: string },
  label: string,
): Promise<void> {
  if (engine === 'mariadb') {
    const m = lab.mariadb!;
    const c = await mysql.createConnection({
      host: m.host,
      port: m.port,
      user: o.user,
      password: o.password,
      database: o.database,
    });
    await c.query('CREATE TABLE kept (id INT PRIMARY KEY, label VARCHAR(40))');
    await c.query('INSERT INTO kept VALUES (7, ?)', [label]);
    await c.end();
    return;
  }
  const p = lab.postgres!;
  const c = new pg.Client({ host: p.host, port: p.port, user: o.user, password: o.password, database: o.database });
  await c.connect();
  await c.query('CREATE TABLE kept (id int PRIMARY KEY, label text)');
  await c.query('INSERT INTO kept VALUES (7, $1)', [label]);
  await c.end();
}

// A site's files: its public folder, inside its home (the site-user layout a local target gets).
const folderOf = (name: string) => join(dir, 'www', name, 'public');
const idOf = (db: 'passwd' | 'group', name: string) =>
  Number(spawnSync('getent', [db, name], { encoding: 'utf8' }).stdout.split(':')[2]);
const trashOf = async (token: string) =>
  (await d.api('GET', '/v1/trash', { token })).body.trash as {
    id: string;
    kind: string;
    name: string;
    server?: string;
    bytes: number;
    expiresAt: string;
  }[];

beforeAll(async () => {
  lab = await useLab('mariadb', 'postgres', 'nginx');
  dir = mkdtempSync(join(tmpdir(), 'serein-trash-'));
  const m = lab.mariadb!;
  const p = lab.postgres!;
  d = await startTestDaemon({
    config: {
      webservers: { web: labWebserver(lab.nginx!, dir) },
      databases: {
        maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password },
        pg: { engine: 'postgres', host: p.host, port: p.port, user: p.user, password: p.password },
      },
      quotas: { tenants: { [tenantA]: { diskBytes: 1000 } } },
    },
  });
  A = await d.tenant(tenantA, { domains: [domA], servers: ['web', 'maria', 'pg'] });
  B = await d.tenant(tenantB, { domains: [domB], servers: ['web', 'maria', 'pg'], language: 'fr' });
});

afterAll(async () => {
  await d?.stop();
  if (lab) await dropByPrefix(lab, [`${tenantA}_`, `${tenantB}_`]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  const t = labNginxTest(lab);
  expect(t.ok, t.output).toBe(true);
});

describe('a deleted database', () => {
  for (const [server, engine] of [
    ['maria', 'mariadb'],
    ['pg', 'postgres'],
  ] as const) {
    it(`${server}: goes to the trash, comes back in one click with its data, never over an existing name, under another name on request`, async () => {
      const database = `${tenantA}_shop${server}`;
      const made = await d.runJob('database.create', { server, name: `shop${server}` }, { token: A.token });
      expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
      await writeRow(engine, { database, user: database, password: made.result.password }, 'commande 1042 ✓');

      const plan = await d.runJob(
        'database.delete',
        { server, name: `shop${server}`, confirm: database },
        { token: A.token, dryRun: true },
      );
      expect(JSON.stringify(plan.plan)).toContain('trash');
      const del = await d.runJob(
        'database.delete',
        { server, name: `shop${server}`, confirm: database },
        { token: A.token },
      );
      expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
      expect(await dbExists(lab, engine, database)).toEqual({ database: false, user: false });

      const item = (await trashOf(A.token)).find((t) => t.name === database)!;
      expect(item).toMatchObject({ kind: 'database', server });
      expect(item.bytes).toBeGreaterThan(0);
      expect(Date.parse(item.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
      const kept = await d.store.trash.get(item.id);
      expect((statSync(kept!.file).mode & 0o777).toString(8)).toBe('600');
      expect((statSync(join(kept!.file, '..')).mode & 0o777).toString(8)).toBe('700');

      // Tenant B neither sees it nor restores it.
      expect((await trashOf(B.token)).some((t) => t.id === item.id)).toBe(false);
      const stolen = await d.runJob('trash.restore', { item: item.id }, { token: B.token });
      expect(stolen.status).toBe('failed');
      expect(stolen.error.code).toBe('not_found');
      expect(await dbExists(lab, engine, database)).toEqual({ database: false, user: false });

      // A dry run plans it; the restore brings the data back, read as the tenant's own user.
      const dry = await d.runJob('trash.restore', { item: item.id }, { token: A.token, dryRun: true });
      expect(dry.status, JSON.stringify(dry.error)).toBe('succeeded');
      expect(JSON.stringify(dry.plan)).toContain(database);
      const back = await d.runJob('trash.restore', { item: item.id }, { token: A.token });
      expect(back.status, JSON.stringify(back.error)).toBe('succeeded');
      expect(back.result).toMatchObject({ database, user: database, existed: false });
      expect(await readRow(engine, { database, user: database, password: back.result.password })).toBe(
        'commande 1042 ✓',
      );
      // Asked again: it is there, said so, no second password.
      const again = await d.runJob('trash.restore', { item: item.id }, { token: A.token });
      expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
      expect(again.result.existed).toBe(true);
      expect(again.result.password).toBeUndefined();

      // A copy restored onto a name that exists again is refused, and nothing there changes.
      const del2 = await d.runJob(
        'database.delete',
        { server, name: `shop${server}`, confirm: database },
        { token: A.token },
      );
      expect(del2.status, JSON.stringify(del2.error)).toBe('succeeded');
      const second = (await trashOf(A.token)).find((t) => t.name === database && t.id !== item.id)!;
      const fresh = await d.runJob('database.create', { server, name: `shop${server}` }, { token: A.token });
      expect(fresh.status, JSON.stringify(fresh.error)).toBe('succeeded');
      const refused = await d.runJob('trash.restore', { item: second.id }, { token: A.token });
      expect(refused.status).toBe('failed');
      expect(refused.error.code).toBe('restore_name_taken');
      expect(refused.error.message).toMatch(/^Choose another name/);
      expect(refused.error.hint).toMatch(/for example [a-z0-9_]+_old/);
      await expect(readRow(engine, { database, user: database, password: fresh.result.password })).rejects.toThrow(
        /kept|doesn't exist|does not exist/,
      );

      // Under another name: a new database with the data, its own user and password.
      const renamed = await d.runJob('trash.restore', { item: second.id, name: 'shop_old' }, { token: A.token });
      expect(renamed.status, JSON.stringify(renamed.error)).toBe('succeeded');
      const other = `${tenantA}_shop_old`;
      expect(renamed.result).toMatchObject({ database: other, user: other });
      expect(await readRow(engine, { database: other, user: other, password: renamed.result.password })).toBe(
        'commande 1042 ✓',
      );
      for (const n of [`shop${server}`, 'shop_old'])
        expect(
          (await d.runJob('database.delete', { server, name: n, confirm: `${tenantA}_${n}` }, { token: A.token }))
            .status,
        ).toBe('succeeded');
    });
  }
});

describe("a site's deleted files", () => {
  it('go to the trash and come back; a folder that exists is never restored over', async () => {
    const site = `files.${domA}`;
    const made = await d.runJob('vhost.create', { webserver: 'web', domain: site }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    mkdirSync(join(folderOf(site), 'img'));
    writeFileSync(join(folderOf(site), 'index.html'), '<p>la boutique</p>');
    writeFileSync(join(folderOf(site), 'img', 'logo.svg'), '<svg/>');
    const del = await d.runJob('vhost.delete', { domain: site, confirm: site, removeFiles: true }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    expect(existsSync(folderOf(site))).toBe(false);
    const item = (await trashOf(A.token)).find((t) => t.name === site && t.kind === 'site')!;
    expect(item).toBeDefined();
    expect((await trashOf(B.token)).some((t) => t.id === item.id)).toBe(false);
    expect((await d.runJob('trash.restore', { item: item.id }, { token: B.token })).error.code).toBe('not_found');

    const back = await d.runJob('trash.restore', { item: item.id }, { token: A.token });
    expect(back.status, JSON.stringify(back.error)).toBe('succeeded');
    expect(readFileSync(join(folderOf(site), 'index.html'), 'utf8')).toBe('<p>la boutique</p>');
    expect(readFileSync(join(folderOf(site), 'img', 'logo.svg'), 'utf8')).toBe('<svg/>');
    expect(readdirSync(folderOf(site)).filter((f) => f.startsWith('.serein'))).toEqual([]);
    // The site's own user's again (made anew: its old one went with the files), read by nginx's group only.
    const owner = idOf('passwd', siteUserName(site));
    for (const f of ['index.html', 'img', 'img/logo.svg']) expect(statSync(join(folderOf(site), f)).uid, f).toBe(owner);
    const pub = statSync(folderOf(site));
    expect([pub.uid, pub.gid, pub.mode & 0o7777]).toEqual([owner, idOf('group', 'www-data'), 0o2750]);
    expect(statSync(join(dir, 'www', site)).uid).toBe(0); // its home stays root's (the SFTP chroot)
    // Asked again: refused, nothing changed (the files are there).
    const twice = await d.runJob('trash.restore', { item: item.id }, { token: A.token });
    expect(twice.error?.code).toBe('restore_name_taken');
    expect(readFileSync(join(folderOf(site), 'index.html'), 'utf8')).toBe('<p>la boutique</p>');

    // The site's folder made again (a new site there): the copy does not go over it.
    rmSync(folderOf(site), { recursive: true });
    const again = await d.runJob('vhost.create', { webserver: 'web', domain: site }, { token: A.token });
    expect(again.status).toBe('succeeded');
    const placeholder = readFileSync(join(folderOf(site), 'index.html'), 'utf8');
    const refused = await d.runJob('trash.restore', { item: item.id }, { token: A.token, idempotencyKey: uniq('k') });
    expect(refused.status).toBe('failed');
    expect(refused.error.code).toBe('restore_name_taken');
    expect(readFileSync(join(folderOf(site), 'index.html'), 'utf8')).toBe(placeholder);
    // Another of the tenant's addresses takes it.
    const renamed = await d.runJob('trash.restore', { item: item.id, site: `old.${domA}` }, { token: A.token });
    expect(renamed.status, JSON.stringify(renamed.error)).toBe('succeeded');
    expect(readFileSync(join(folderOf(`old.${domA}`), 'index.html'), 'utf8')).toBe('<p>la boutique</p>');
    // Never under another tenant's address.
    const theirs = await d
      .runJob('trash.restore', { item: item.id, site: `x.${domB}` }, { token: A.token })
      .catch((e) => e.response);
    expect(theirs.status === 'failed' || theirs.status === 403 || theirs.status === 404).toBe(true);
    expect(existsSync(folderOf(`x.${domB}`))).toBe(false);
    expect(
      (await d.runJob('vhost.delete', { domain: site, confirm: site, removeFiles: true }, { token: A.token })).status,
    ).toBe('succeeded');
  });
});

describe('the purge and the sizes', () => {
  it('removes expired copies and audits each, telling nobody else', async () => {
    const site = `purge.${domA}`;
    expect((await d.runJob('vhost.create', { webserver: 'web', domain: site }, { token: A.token })).status).toBe(
      'succeeded',
    );
    expect(
      (await d.runJob('vhost.delete', { domain: site, confirm: site, removeFiles: true }, { token: A.token })).status,
    ).toBe('succeeded');
    const items = await d.store.trash.list(tenantA);
    const alertsBefore = (await d.store.alerts.list({})).length;
    expect((await new TrashPurge(d.daemon.engine.services).pass()).purged).toEqual([]); // nothing has expired yet
    const later = new Date(Date.now() + 31 * 86_400_000);
    const report = await new TrashPurge(d.daemon.engine.services, () => later).pass();
    expect(report.purged.sort()).toEqual(items.map((i) => i.id).sort());
    for (const i of items) expect(existsSync(i.file)).toBe(false);
    expect(await trashOf(A.token)).toEqual([]);
    const audited = (await d.store.audit.list({})).filter((e: { action: string }) => e.action === 'trash.purge');
    expect(audited.length).toBe(items.length);
    expect((await d.store.alerts.list({})).length).toBe(alertsBefore);
  });

  it('measures each site and database in the background and warns a tenant near its quota', async () => {
    const site = `size.${domA}`;
    expect((await d.runJob('vhost.create', { webserver: 'web', domain: site }, { token: A.token })).status).toBe(
      'succeeded',
    );
    writeFileSync(join(folderOf(site), 'big.bin'), Buffer.alloc(300_000, 1));
    expect((await d.runJob('database.create', { server: 'pg', name: 'sized' }, { token: A.token })).status).toBe(
      'succeeded',
    );
    const report = await new DiskUsageWatch(d.daemon.engine.services).pass();
    expect(report.failed).toEqual([]);
    expect(report.warned).toContain(tenantA);
    const usage = (await d.api('GET', '/v1/usage', { token: A.token })).body;
    const s = usage.usage.find((u: { kind: string; name: string }) => u.kind === 'vhost' && u.name === site);
    const db = usage.usage.find(
      (u: { kind: string; name: string }) => u.kind === 'database' && u.name === `pg:${tenantA}_sized`,
    );
    expect(s.bytes).toBeGreaterThanOrEqual(300_000);
    expect(db.bytes).toBeGreaterThan(1_000_000);
    expect(usage.quotaBytes).toBe(1000);
    expect(usage.totalBytes).toBe(usage.usage.reduce((n: number, u: { bytes: number }) => n + u.bytes, 0));
    expect((await d.api('GET', '/v1/usage', { token: B.token })).body.usage).toEqual([]);
    expect(
      (
        await d.runJob(
          'database.delete',
          { server: 'pg', name: 'sized', confirm: `${tenantA}_sized` },
          { token: A.token },
        )
      ).status,
    ).toBe('succeeded');
    expect(
      (await d.runJob('vhost.delete', { domain: site, confirm: site, removeFiles: true }, { token: A.token })).status,
    ).toBe('succeeded');
  });
});
