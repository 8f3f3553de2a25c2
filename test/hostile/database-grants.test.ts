import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { dbExists, dropByPrefix, mariaRoot, useAsTenant } from '../helpers/db-lab.js';
import { uniq } from '../helpers/vhost-lab.js';
import { useLab, type LabInfo } from '../lab/client.js';

/**
 * Hole 1 of issue 8, played by a hostile tenant. In a MariaDB database-level grant `_`
 * matches any character, so a tenant whose id is a prefix of another's could pick a name
 * whose grant pattern covers the other tenant's database: tenant `ac` asking for `e_shop`
 * got `GRANT ALL ON ac_e_shop.*`, which also matches `acme_shop`. The attacker here logs
 * in with the password serein showed it once and tries everything it could do there.
 */

interface Created {
  database: string;
  password: string;
}

describe('hostile tenant: database grants never reach another tenant', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  // Unique per run; the victim's id is the attacker's plus "me", as `acme` is `ac` + `me`.
  const attacker = uniq('ac');
  const victim = `${attacker}me`;
  let tokens: { attacker: string; victim: string };

  beforeAll(async () => {
    lab = await useLab('mariadb', 'postgres', 'sshd');
    const m = lab.mariadb!;
    const p = lab.postgres!;
    const s = lab.sshd!;
    const maria = { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password };
    d = await startTestDaemon({
      config: {
        targets: {
          labssh: {
            type: 'ssh',
            host: s.host,
            port: s.port,
            username: s.username,
            privateKeyPath: s.privateKeyPath,
            hostKeySha256: s.hostKeySha256,
          },
        },
        databases: {
          maria,
          // The same server through the mariadb client over SSH: the escaped grant must survive the client's parsing.
          mariassh: { ...maria, via: 'client', target: 'labssh' },
          pg: { engine: 'postgres', host: p.host, port: p.port, user: p.user, password: p.password },
        },
      },
    });
    const servers = ['maria', 'mariassh', 'pg'];
    tokens = {
      attacker: (await d.tenant(attacker, { servers })).token,
      victim: (await d.tenant(victim, { servers })).token,
    };
  });

  afterAll(async () => {
    await d?.stop();
    if (lab) await dropByPrefix(lab, [`${attacker}_`, `${victim}_`]);
  });

  /** Creates a database through the daemon as a client, exactly as a tenant would. */
  async function create(token: string, server: string, name: string): Promise<Created> {
    const job = await d.runJob('database.create', { server, name }, { token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    return { database: job.result.database, password: job.result.password };
  }

  /** A MariaDB connection as a created user, with no default database. */
  async function mariaAs(user: string, password: string): Promise<mysql.Connection> {
    return mysql.createConnection({ host: lab.mariadb!.host, port: lab.mariadb!.port, user, password });
  }

  /** The rows of the victim's table, as the server's root sees them. */
  const victimRows = (db: string) =>
    mariaRoot(
      lab,
      async (c) => (await c.query(`SELECT secret FROM \`${db}\`.notes ORDER BY id`))[0] as { secret: string }[],
    );

  for (const server of ['maria', 'mariassh']) {
    it(`${server}: tenant \`ac\` naming a database e_shop cannot see, read or write tenant \`acme\`'s shop`, async () => {
      const shop = await create(tokens.victim, server, 'shop');
      expect(shop.database).toBe(`${victim}_shop`);
      let mine: Created | undefined;
      try {
        const own = await mariaAs(shop.database, shop.password);
        try {
          await own.query(`CREATE TABLE \`${shop.database}\`.notes (id INT PRIMARY KEY, secret VARCHAR(40))`);
          await own.query(`INSERT INTO \`${shop.database}\`.notes VALUES (1, 'victim data')`);
        } finally {
          await own.end();
        }

        mine = await create(tokens.attacker, server, 'e_shop');
        expect(mine.database).toBe(`${attacker}_e_shop`);
        const c = await mariaAs(mine.database, mine.password);
        try {
          const [dbs] = await c.query('SHOW DATABASES');
          const listed = (dbs as { Database: string }[]).map((r) => r.Database);
          expect(listed).toContain(mine.database);
          expect(listed).not.toContain(shop.database);
          await expect(c.query(`SELECT secret FROM \`${shop.database}\`.notes`)).rejects.toThrow(/denied/);
          await expect(c.query(`INSERT INTO \`${shop.database}\`.notes VALUES (2, 'planted')`)).rejects.toThrow(
            /denied/,
          );
          await expect(c.query(`CREATE TABLE \`${shop.database}\`.planted (id INT)`)).rejects.toThrow(/denied/);
          await expect(c.query(`USE \`${shop.database}\``)).rejects.toThrow(/denied/);
          const [grants] = await c.query('SHOW GRANTS');
          expect(JSON.stringify(grants)).toContain(`\\\\_e\\\\_shop`); // the grant names its own database only, escaped
        } finally {
          await c.end();
        }
        // Its own database still works in full: create a table, insert, select.
        expect(
          await useAsTenant(lab, 'mariadb', { database: mine.database, user: mine.database, password: mine.password }),
        ).toMatch(/^héllo ✓ utf8mb4$/);
        expect(await victimRows(shop.database)).toEqual([{ secret: 'victim data' }]);
      } finally {
        // Taken down through the daemon even when an assertion failed, so the next server's run starts clean.
        const made: [string, string, string][] = [[tokens.victim, 'shop', shop.database]];
        if (mine) made.unshift([tokens.attacker, 'e_shop', mine.database]);
        for (const [token, name, database] of made) {
          const del = await d.runJob('database.delete', { server, name, confirm: database }, { token });
          expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
        }
      }
    });
  }

  it("pg: tenant `ac` naming a database e_shop cannot connect to tenant `acme`'s shop, and can use its own", async () => {
    const shop = await create(tokens.victim, 'pg', 'shop');
    expect(
      await useAsTenant(lab, 'postgres', { database: shop.database, user: shop.database, password: shop.password }),
    ).toMatch(/héllo/);
    const mine = await create(tokens.attacker, 'pg', 'e_shop');
    expect(mine.database).toBe(`${attacker}_e_shop`);
    const p = lab.postgres!;
    const attempt = new pg.Client({
      host: p.host,
      port: p.port,
      user: mine.database,
      password: mine.password,
      database: shop.database,
    });
    await expect(attempt.connect()).rejects.toThrow(/permission denied for database|CONNECT privilege/);
    await attempt.end().catch(() => undefined);
    // Connected to its own database, it cannot read the victim's objects either (no cross-database queries, no role membership).
    const c = new pg.Client({
      host: p.host,
      port: p.port,
      user: mine.database,
      password: mine.password,
      database: mine.database,
    });
    await c.connect();
    try {
      const member = await c.query('SELECT pg_has_role(current_user, $1, $2) AS m', [shop.database, 'MEMBER']);
      expect(member.rows[0].m).toBe(false);
      await expect(c.query(`SET ROLE "${shop.database}"`)).rejects.toThrow(/permission denied/);
    } finally {
      await c.end();
    }
    expect(
      await useAsTenant(lab, 'postgres', { database: mine.database, user: mine.database, password: mine.password }),
    ).toMatch(/^héllo ✓ UTF8$/);
    const root = new pg.Client({
      host: p.host,
      port: p.port,
      user: p.user,
      password: p.password,
      database: shop.database,
    });
    await root.connect();
    const rows = await root.query('SELECT id FROM t ORDER BY id').finally(() => root.end());
    expect(rows.rows).toEqual([{ id: 1 }]);
  });

  it("a tenant whose id holds `_` (put in the store behind the API's back) cannot get a name that belongs to another tenant", async () => {
    // `<attacker>_e` + `shop` would be `<attacker>_e_shop`, the attacker's own e_shop: refused before any SQL runs.
    const sneaky = `${attacker}_e`;
    await d.store.tenants.create({ id: sneaky, name: 'sneaky', language: 'fr' });
    await d.store.tenants.grantServer(sneaky, 'maria');
    const { token } = await d.store.tokens.create('client', sneaky, 'hostile');
    const job = await d.runJob('database.create', { server: 'maria', name: 'shop' }, { token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('invalid_tenant');
    expect(job.error.message).toMatch(/pas encore prêt pour les bases de données/);
    expect(JSON.stringify(job.error)).not.toMatch(/\^|\[a-z/); // no pattern shown to the client
    expect(await dbExists(lab, 'mariadb', `${sneaky}_shop`)).toEqual({ database: false, user: false });
  });
});
