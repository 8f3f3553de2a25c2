/**
 * Daemons sharing one PostgreSQL store start without waiting on each other (issue 25): a
 * store already up to date is opened without the migrator, whose lock every daemon starting
 * at once queued on (three daemons on a busy machine waited behind each other's slowest
 * start). Here another daemon holds that lock, as one does for its whole migration check:
 * the store still opens, and its schema is the one the migrations made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Store } from '../src/store/store.js';
import { storeDatabase } from './helpers/db-lab.js';
import { useLab } from './lab/client.js';

/** The session lock Kysely's migrator takes on PostgreSQL (kysely/dist/esm/dialect/postgres/postgres-adapter.js). */
const MIGRATION_LOCK = '3853314791062309107';

describe('a daemon starting beside others on one PostgreSQL store', () => {
  let db: { url: string; drop(): Promise<void> } | undefined;

  beforeAll(async () => {
    const lab = await useLab('postgres');
    db = await storeDatabase(lab, 'serein_multistart');
    await (await Store.open({ driver: 'postgres', url: db.url })).close(); // the first start migrates
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('opens a store that is up to date while another daemon holds the migration lock', async () => {
    const other = new pg.Client({ connectionString: db!.url });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
      // Before, this waited for the lock: as long as the other daemon's check (an hour at most).
      const store = await Store.open({ driver: 'postgres', url: db!.url });
      try {
        expect(await store.certificates.nextWake(new Date())).toBeUndefined();
        expect(await store.tokens.countAdmins()).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      await other.end(); // ends the session, and its lock with it
    }
  }, 60_000);
});
