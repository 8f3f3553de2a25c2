import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { dbExists, dropByPrefix } from '../helpers/db-lab.js';
import { labNginxTest, labWebserver, uniq } from '../helpers/vhost-lab.js';
import { useLab, type LabInfo } from '../lab/client.js';

/**
 * A hostile tenant and trash.restore: the copy of its own database is its own SQL, so it
 * is loaded with the tenant's rights only (never the server admin's, never a shell
 * command its names smuggle into a dump); and a restore puts nothing where the tenant no
 * longer may (a name given to another tenant since, a server taken away).
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
const canaries: string[] = [];
const canary = () => {
  const f = join(tmpdir(), `serein-canary-${uniq('c')}`);
  canaries.push(f);
  return f;
};
const folderOf = (name: string) => join(dir, 'www', name, 'public'); // a site's files, in its own user's folder
const trashOf = async (token: string) =>
  (await d.api('GET', '/v1/trash', { token })).body.trash as { id: string; kind: string; name: string }[];

beforeAll(async () => {
  lab = await useLab('mariadb', 'postgres', 'nginx');
  dir = mkdtempSync(join(tmpdir(), 'serein-trash-restore-'));
  const m = lab.mariadb!;
  const p = lab.postgres!;
  d = await startTestDaemon({
    config: {
      webservers: { web: labWebserver(lab.nginx!, dir) },
      databases: {
        maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password },
        pg: { engine: 'postgres', host: p.host, port: p.port, user: p.user, password: p.password },
      },
    },
  });
  A = await d.tenant(tenantA, { domains: [domA], servers: ['web', 'maria', 'pg'] });
  B = await d.tenant(tenantB, { domains: [domB], servers: ['web', 'maria', 'pg'], language: 'fr' });
});

afterAll(async () => {
  await d?.stop();
  if (lab) await dropByPrefix(lab, [`${tenantA}_`, `${tenantB}_`]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  for (const f of canaries) rmSync(f, { force: true });
});

afterEach(() => {
  const t = labNginxTest(lab);
  expect(t.ok, t.output).toBe(true);
});

/** Deletes a database of tenant A (as A) and returns its copy in the trash. */
async function deleteToTrash(server: string, short: string): Promise<{ id: string; file: string }> {
  const database = `${tenantA}_${short}`;
  const del = await d.runJob('database.delete', { server, name: short, confirm: database }, { token: A.token });
  expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
  const item = (await trashOf(A.token)).find((t) => t.name === database)!;
  return { id: item.id, file: (await d.store.trash.get(item.id))!.file };
}

describe("a tenant's dump is loaded with the tenant's rights only", () => {
  it("MariaDB: a table named with a newline and a shell command runs nothing; its trigger comes back under another name as the new user's", async () => {
    const m = lab.mariadb!;
    const short = 'evil';
    const database = `${tenantA}_${short}`;
    const made = await d.runJob('database.create', { server: 'maria', name: short }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    const viaName = canary();
    const c = await mysql.createConnection({
      host: m.host,
      port: m.port,
      user: database,
      password: made.result.password,
      database,
      multipleStatements: true,
    });
    // The rest of an old dump's comment line after the command is commented out by the name's last '#'.
    await c.query(`CREATE TABLE \`k\n\\! touch ${viaName}\n#\` (id INT PRIMARY KEY, label VARCHAR(40))`);
    await c.query('CREATE TABLE kept (id INT PRIMARY KEY, label VARCHAR(40))');
    await c.query("CREATE TRIGGER stamp BEFORE INSERT ON kept FOR EACH ROW SET NEW.label = CONCAT(NEW.label, ' ✓')");
    await c.query("INSERT INTO kept VALUES (7, 'commande')");
    await c.end();

    const item = await deleteToTrash('maria', short);
    // Restored under another name: the copy's trigger names the old user as its definer.
    const back = await d.runJob('trash.restore', { item: item.id, name: 'evil_old' }, { token: A.token });
    expect(back.status, JSON.stringify(back.error)).toBe('succeeded');
    expect(existsSync(viaName)).toBe(false);
    const other = `${tenantA}_evil_old`;
    const r = await mysql.createConnection({
      host: m.host,
      port: m.port,
      user: other,
      password: back.result.password,
      database: other,
    });
    const [rows] = await r.query('SELECT label FROM kept WHERE id = 7');
    expect((rows as { label: string }[])[0].label).toBe('commande ✓');
    await r.query("INSERT INTO kept VALUES (8, 'encore')");
    const [more] = await r.query('SELECT label FROM kept WHERE id = 8');
    expect((more as { label: string }[])[0].label).toBe('encore ✓');
    await r.end();
    expect(
      (await d.runJob('database.delete', { server: 'maria', name: 'evil_old', confirm: other }, { token: A.token }))
        .status,
    ).toBe('succeeded');
  });

  it('MariaDB: a copy as an unpatched mariadb-dump writes such a name, with `\\!` and INTO OUTFILE, runs nothing and leaves nothing', async () => {
    expect((await d.runJob('database.create', { server: 'maria', name: 'evil_one' }, { token: A.token })).status).toBe(
      'succeeded',
    );
    // The comment line is cut by the name's newline; the next statement only the server's admin could run.
    const again = await deleteToTrash('maria', 'evil_one');
    const shell = canary();
    const outfile = canary();
    const sql = [
      'CREATE TABLE `kept` (id INT PRIMARY KEY);',
      '--',
      '-- Table structure for table `k',
      `\\! touch ${shell}`,
      '#`',
      '--',
      `SELECT 'pwned' INTO OUTFILE '${outfile}';`,
      'INSERT INTO `kept` VALUES (1);',
      '',
    ].join('\n');
    writeFileSync(again.file, gzipSync(Buffer.from(sql)), { mode: 0o600 });
    const hostile = await d.runJob('trash.restore', { item: again.id, name: 'evil_two' }, { token: A.token });
    expect(existsSync(shell)).toBe(false);
    expect(existsSync(outfile)).toBe(false);
    expect(hostile.status).toBe('failed');
    expect(hostile.error.code).toBe('trash_restore_failed');
    expect(hostile.error.message).toMatch(/^The copy of .* could not be put back, so nothing was restored\.$/);
    expect(await dbExists(lab, 'mariadb', `${tenantA}_evil_two`)).toEqual({ database: false, user: false });
  });

  it("PostgreSQL: a check that resets the role and runs COPY TO PROGRAM while the copy is loaded gets only the tenant's rights", async () => {
    const p = lab.postgres!;
    const short = 'evilpg';
    const database = `${tenantA}_${short}`;
    const made = await d.runJob('database.create', { server: 'pg', name: short }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    const viaCopy = canary();
    const c = new pg.Client({ host: p.host, port: p.port, user: database, password: made.result.password, database });
    await c.connect();
    // As its own user the function can do nothing; run by a superuser it could run anything.
    await c.query(`CREATE FUNCTION public.evil(int) RETURNS boolean LANGUAGE plpgsql AS $f$
      BEGIN
        BEGIN
          RESET ROLE;
          EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch ${viaCopy}''';
        EXCEPTION WHEN OTHERS THEN NULL;
        END;
        RETURN true;
      END $f$`);
    await c.query('CREATE TABLE public.kept (id int PRIMARY KEY CHECK (public.evil(id)), label text)');
    await c.query("INSERT INTO public.kept VALUES (7, 'commande 1042')");
    await c.end();
    expect(existsSync(viaCopy)).toBe(false);

    const item = await deleteToTrash('pg', short);
    const back = await d.runJob('trash.restore', { item: item.id }, { token: A.token });
    expect(existsSync(viaCopy)).toBe(false);
    expect(back.status, JSON.stringify(back.error)).toBe('succeeded');
    const r = new pg.Client({ host: p.host, port: p.port, user: database, password: back.result.password, database });
    await r.connect();
    expect((await r.query('SELECT label FROM public.kept WHERE id = 7')).rows[0].label).toBe('commande 1042');
    // Everything restored is the tenant's own.
    expect(
      (
        await r.query(
          "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'kept' AND relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        )
      ).rows[0].n,
    ).toBe(0);
    await r.end();
    expect(
      (await d.runJob('database.delete', { server: 'pg', name: short, confirm: database }, { token: A.token })).status,
    ).toBe('succeeded');
  });
});

describe('a restore puts nothing where the tenant no longer may', () => {
  it("a site's files are not restored under its own name once the name is another tenant's", async () => {
    const site = `moved.${domA}`;
    const made = await d.runJob('vhost.create', { webserver: 'web', domain: site }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    writeFileSync(join(folderOf(site), 'index.html'), '<p>A</p>');
    const del = await d.runJob('vhost.delete', { domain: site, confirm: site, removeFiles: true }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    const item = (await trashOf(A.token)).find((t) => t.name === site && t.kind === 'site')!;

    // The admin gives the domain to tenant B (taken from A, given to B).
    expect((await d.api('DELETE', `/v1/tenants/${tenantA}/resources/domain/${domA}`)).status).toBe(204);
    expect(
      (await d.api('POST', `/v1/tenants/${tenantB}/resources`, { body: { kind: 'domain', name: domA } })).status,
    ).toBe(201);

    for (const token of [A.token, d.adminToken]) {
      const refused = await d.runJob(
        'trash.restore',
        { item: item.id, ...(token === d.adminToken ? { tenant: tenantA } : {}) },
        { token, idempotencyKey: uniq('k') },
      );
      expect(refused.status).toBe('failed');
      expect(refused.error.code).toBe('not_your_domain');
      expect(refused.error.message).toMatch(/^Choose another of your addresses to bring these files back/);
      expect(existsSync(folderOf(site))).toBe(false);
    }
    // B's own site there gets B's page, nothing of A's.
    const theirs = await d.runJob('vhost.create', { webserver: 'web', domain: site }, { token: B.token });
    expect(theirs.status, JSON.stringify(theirs.error)).toBe('succeeded');
    expect(readFileSync(join(folderOf(site), 'index.html'), 'utf8')).not.toContain('<p>A</p>');
    expect((await d.runJob('vhost.delete', { domain: site, confirm: site }, { token: B.token })).status).toBe(
      'succeeded',
    );
  });

  it('a database is not restored onto its old server once the tenant may no longer use it', async () => {
    const short = 'gone';
    const database = `${tenantA}_${short}`;
    expect((await d.runJob('database.create', { server: 'maria', name: short }, { token: A.token })).status).toBe(
      'succeeded',
    );
    const item = await deleteToTrash('maria', short);
    expect((await d.api('DELETE', `/v1/tenants/${tenantA}/resources/server/maria`)).status).toBe(204);
    try {
      const refused = await d.runJob('trash.restore', { item: item.id }, { token: A.token });
      expect(refused.status).toBe('failed');
      expect(refused.error.code).toBe('server_not_yours');
      expect(refused.error.message).toMatch(/^Ask your provider/);
      expect(await dbExists(lab, 'mariadb', database)).toEqual({ database: false, user: false });
    } finally {
      expect(
        (await d.api('POST', `/v1/tenants/${tenantA}/resources`, { body: { kind: 'server', name: 'maria' } })).status,
      ).toBe(201);
    }
  });
});
