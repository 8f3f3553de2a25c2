import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseServerSchema } from '../src/config/schema.js';
import { DatabaseServers } from '../src/db/servers.js';
import { generatePassword, SecretMasker } from '../src/secrets.js';
import { mariaRoot, pgRoot } from './helpers/db-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

/**
 * A burst of database jobs against one customer's server: serein's admin sessions open at
 * once stay within the server's `maxConnections` (8 by default), as the server itself
 * counts them, and every operation still succeeds. Each session reads the count while it
 * holds its own connection, under an admin user of its own so other tests do not count.
 */
describe('admin sessions open at once on one database server', () => {
  let lab: LabInfo;
  const user = `cap_${process.pid}`;
  const password = generatePassword();

  beforeAll(async () => {
    lab = await useLab('mariadb', 'postgres');
    await mariaRoot(lab, async (c) => {
      await c.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`);
      await c.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'`);
    });
    await pgRoot(lab, async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${user}`);
      await c.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    });
  }, 120_000);

  afterAll(async () => {
    await mariaRoot(lab, (c) => c.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`));
    await pgRoot(lab, (c) => c.query(`DROP ROLE IF EXISTS ${user}`));
  }, 60_000);

  const servers = () =>
    new DatabaseServers({
      databases: {
        maria: databaseServerSchema.parse({
          engine: 'mariadb',
          host: lab.mariadb!.host,
          port: lab.mariadb!.port,
          user,
          password,
        }),
        pg: databaseServerSchema.parse({
          engine: 'postgres',
          host: lab.postgres!.host,
          port: lab.postgres!.port,
          user,
          password,
          maxConnections: 3,
        }),
        wrong: databaseServerSchema.parse({
          engine: 'mariadb',
          host: lab.mariadb!.host,
          port: lab.mariadb!.port,
          user,
          password: 'not-the-password',
          maxConnections: 1,
        }),
      },
      target: () => {
        throw new Error('no target here');
      },
    });

  /** 40 operations at once; each returns the server's count of this user's connections while it held one. */
  const burst = (dbs: DatabaseServers, server: 'maria' | 'pg') =>
    Promise.all(
      Array.from({ length: 40 }, async () => {
        const s = await dbs.open(server, new SecretMasker());
        try {
          // The pause keeps each connection open while the others open theirs.
          if (server === 'maria') {
            await s.query('SELECT SLEEP(0.3)');
            return Number(
              (await s.query('SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = ?', [user]))[0][0],
            );
          }
          await s.query('SELECT pg_sleep(0.3)');
          return Number((await s.query('SELECT COUNT(*) FROM pg_stat_activity WHERE usename = ?', [user]))[0][0]);
        } finally {
          await s.close();
        }
      }),
    );

  it('MariaDB: 40 at once never hold more than the default of 8, and all succeed', async () => {
    const counts = await burst(servers(), 'maria');
    expect(counts).toHaveLength(40);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(8);
  }, 120_000);

  it("PostgreSQL: 40 at once never hold more than the server's maxConnections (3), and all succeed", async () => {
    const counts = await burst(servers(), 'pg');
    expect(counts).toHaveLength(40);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(3);
  }, 120_000);

  it('a session that cannot open gives its turn back (the next ones fail too, none waits forever)', async () => {
    const dbs = servers();
    const results = await Promise.allSettled([1, 2, 3].map(() => dbs.open('wrong', new SecretMasker())));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  }, 60_000);
});
