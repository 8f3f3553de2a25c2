import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockStore } from '../src/store/locks.js';
import { pgRoot, storeDatabase } from './helpers/db-lab.js';
import { until } from './helpers/until.js';
import { useLab, type LabInfo } from './lab/client.js';

/**
 * A lock held across daemons lives on its own PostgreSQL connection: when that connection
 * is cut while the task runs (a server restart, a network cut), the lock is gone, and the
 * task holding it is told through its `lost` signal instead of going on unaware.
 */
describe("a held lock's connection lost", () => {
  let lab: LabInfo;
  let store: { url: string; drop(): Promise<void> };

  beforeAll(async () => {
    lab = await useLab('postgres');
    store = await storeDatabase(lab, 'serein_locklost');
  }, 120_000);
  afterAll(async () => store?.drop(), 60_000);

  it("aborts the holder's signal, and the task still ends", async () => {
    const locks = new LockStore({ driver: 'postgres', url: store.url });
    const reason = await locks.hold(`lock-lost-${process.pid}`, async (lost) => {
      expect(lost.aborted).toBe(false);
      // The server ends the lock's connection (only it, found by its database and name).
      await pgRoot(lab, (c) =>
        c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'serein lock'`,
          [store.url.split('/').pop()],
        ),
      );
      await until(() => lost.aborted, 30_000, 'the lost signal');
      return String((lost.reason as Error).message);
    });
    expect(reason).toMatch(/terminat|ended|connection/i);
  }, 60_000);

  it('on SQLite passes a signal that is never aborted', async () => {
    const locks = new LockStore({ driver: 'sqlite', path: ':memory:' });
    expect(await locks.hold('k', async (lost) => lost.aborted)).toBe(false);
  });
});
