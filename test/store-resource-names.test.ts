// The names a resource answers to (src/store/migrations-resource-names.ts): a new site's
// name clash check finds another site by its name, its primary name or any of its aliases,
// follows every change of a site's names, on SQLite and on the lab's PostgreSQL, and reads
// only the rows it finds by name instead of every site's data. A store written before the
// index has its sites' names indexed by the upgrade.
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, sql, SqliteDialect, type CompiledQuery } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../src/store/migrations.js';
import type { Database } from '../src/store/schema.js';
import { Store } from '../src/store/store.js';
import { TenantStore } from '../src/store/tenants.js';
import { storeDatabase } from './helpers/db-lab.js';
import { tempDir } from './helpers/tmp.js';
import { useLab } from './lab/client.js';

const opened: Store[] = [];
let pgDb: { drop(): Promise<void> } | undefined;
afterAll(async () => {
  for (const s of opened) await s.close();
  await pgDb?.drop();
});

const site = (primary: string, aliases: string[], extra: Record<string, unknown> = {}) => ({
  kind: 'vhost',
  name: primary,
  tenantId: 'a',
  data: { primary, aliases, webserver: 'web', root: `/srv/${primary}/public`, ...extra },
});
const named = async (tenants: TenantStore, names: string[], kind = 'vhost') =>
  (await tenants.resourcesNaming(kind, names)).map((r) => r.name).sort();

/** The clash checks' semantics, the same on both back ends. */
async function clashChecks(store: Store): Promise<void> {
  const { tenants } = store;
  await tenants.create({ id: 'a', name: 'A', language: 'en' });
  await tenants.create({ id: 'b', name: 'B', language: 'en' });
  await tenants.addResource(site('shop.example', ['www.shop.example', 'boutique.example']));
  await tenants.putResource({ ...site('blog.example', ['www.blog.example']), tenantId: 'b' });
  // A name held in another field, a name that only contains another, another kind of the same name: no clash.
  await tenants.addResource(site('docs.example', [], { user: 'news.example', upstream: 'http://cdn.example/' }));
  await tenants.addResource({ kind: 'sftp', name: 'cdn.example', tenantId: 'a', data: { domain: 'cdn.example' } });

  expect(await named(tenants, ['shop.example'])).toEqual(['shop.example']);
  expect(await named(tenants, ['boutique.example'])).toEqual(['shop.example']);
  expect(await named(tenants, ['new.example', 'www.blog.example', 'www.shop.example'])).toEqual([
    'blog.example',
    'shop.example',
  ]);
  expect(await named(tenants, ['news.example', 'cdn.example', 'hop.example', 'example', 'shop'])).toEqual([]);
  expect(await named(tenants, ['cdn.example'], 'sftp')).toEqual(['cdn.example']);
  expect(await tenants.resourcesNaming('vhost', [])).toEqual([]);
  const [blog] = await tenants.resourcesNaming('vhost', ['blog.example']);
  expect(blog).toMatchObject({ tenantId: 'b', data: { aliases: ['www.blog.example'] } });

  // A site's names changed: its old alias is free, its new one found; its tenant follows.
  await tenants.putResource({ ...site('shop.example', ['www.shop.example', 'store.example']), tenantId: 'b' });
  expect(await named(tenants, ['boutique.example'])).toEqual([]);
  expect(await named(tenants, ['store.example'])).toEqual(['shop.example']);
  expect((await tenants.resourcesNaming('vhost', ['store.example']))[0].tenantId).toBe('b');
  // Deleted: none of its names is taken any more.
  expect(await tenants.removeResource('vhost', 'shop.example')).toBe(true);
  expect(await named(tenants, ['shop.example', 'www.shop.example', 'store.example'])).toEqual([]);
  // The same names again, recorded anew.
  await tenants.addResource(site('shop.example', ['boutique.example']));
  expect(await named(tenants, ['boutique.example', 'www.shop.example'])).toEqual(['shop.example']);
}

describe('the names resources answer to', () => {
  it('SQLite: a clash is found by a site’s name, primary or alias, and follows every change of its names', async () => {
    const s = await Store.open({ driver: 'sqlite', path: join(tempDir('serein-names-'), 'store.db') });
    opened.push(s);
    await clashChecks(s);
  });

  it('PostgreSQL: the same clash checks on a store several daemons share', async () => {
    const lab = await useLab('postgres');
    const db = (pgDb = await storeDatabase(lab, 'serein_names'));
    const s = await Store.open({ driver: 'postgres', url: db.url });
    opened.push(s);
    await clashChecks(s);
  }, 60_000);

  it('SQLite: the check reads the sites it finds by name, not every site’s data', async () => {
    const path = join(tempDir('serein-names-plan-'), 'store.db');
    const s = await Store.open({ driver: 'sqlite', path });
    opened.push(s);
    await s.tenants.create({ id: 'a', name: 'A', language: 'en' });
    for (let i = 0; i < 200; i++) await s.tenants.addResource(site(`s${i}.example`, [`www.s${i}.example`]));
    // The clash check's own SQL, as the store sends it.
    const sent: CompiledQuery[] = [];
    const sqlite = new SQLite(path);
    const logged = new Kysely<Database>({
      dialect: new SqliteDialect({ database: sqlite }),
      log: (e) => void (e.level === 'query' && sent.push(e.query)),
    });
    expect(await named(new TenantStore(logged), ['www.s7.example', 'new.example'])).toEqual(['s7.example']);
    const [check] = sent;
    const plan = sqlite.prepare(`EXPLAIN QUERY PLAN ${check.sql}`).all(...(check.parameters as unknown[])) as {
      detail: string;
    }[];
    const steps = plan.map((p) => p.detail);
    // Every table is searched by a name, none walked through all of a kind's rows.
    expect(steps.filter((d) => /^(SCAN|SEARCH)/.test(d)).length).toBeGreaterThan(0);
    for (const d of steps.filter((x) => /^(SCAN|SEARCH) (resources|resource_names)\b/.test(x)))
      expect(d, steps.join('\n')).toMatch(/^SEARCH .*\bname=\?/);
    await logged.destroy();
  });

  it('a store written before the index has its sites found by their aliases after the upgrade, even one stopped half-way through it', async () => {
    const path = join(tempDir('serein-names-upgrade-'), 'store.db');
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    const provider = { getMigrations: async () => migrations('sqlite') };
    const { error } = await new Migrator({ db: old, provider }).migrateTo('0016-site-problems');
    expect(error).toBeUndefined();
    const at = new Date().toISOString();
    await old.insertInto('tenants').values({ id: 'a', name: 'A', language: 'en', created_at: at }).execute();
    const row = site('old.example', ['www.old.example', 'legacy.example']);
    await old
      .insertInto('resources')
      .values({ kind: 'vhost', name: row.name, tenant_id: 'a', data: JSON.stringify(row.data), created_at: at })
      .execute();
    // A daemon killed half-way through 0017 on SQLite (no transaction around its DDL): the table, its index and one trigger made, 0017 not recorded.
    await sql`CREATE TABLE resource_names (kind text not null, name text not null, resource text not null, constraint resource_names_pk primary key (kind, name, resource))`.execute(
      old,
    );
    await sql`CREATE INDEX resource_names_resource ON resource_names (kind, resource)`.execute(old);
    await sql`CREATE TRIGGER resources_names_delete AFTER DELETE ON resources BEGIN SELECT 1; END`.execute(old);
    await old.destroy();
    const s = await Store.open({ driver: 'sqlite', path });
    opened.push(s);
    expect(await named(s.tenants, ['legacy.example'])).toEqual(['old.example']);
    expect(await named(s.tenants, ['old.example', 'www.old.example'])).toEqual(['old.example']);
  });
});
