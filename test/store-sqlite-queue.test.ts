// The SQLite store's one connection under many jobs at once (src/store/db.ts): each query
// waiting for it is woken once, when its turn comes, not at every release; a transaction
// still has the connection to itself from its BEGIN to its COMMIT.
import { createHook } from 'node:async_hooks';
import { join } from 'node:path';
import { SqliteDriver } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { tempDir } from './helpers/tmp.js';

describe('queries waiting for the SQLite connection', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open({ driver: 'sqlite', path: join(tempDir('serein-queue-'), 's.db') });
  });
  afterAll(async () => store.close());

  const read = (i: number) => store.db.selectFrom('jobs').select('id').where('id', '=', `job-${i}`).execute();

  it('are each woken about once: the promises settled grow with their number, not with its square', async () => {
    const settledFor = async (n: number) => {
      let settled = 0;
      const hook = createHook({ promiseResolve: () => void settled++ }).enable();
      await Promise.all(Array.from({ length: n }, (_, i) => read(i)));
      hook.disable();
      return settled;
    };
    await settledFor(10); // the statements prepared
    const few = await settledFor(50);
    const many = await settledFor(500);
    // Ten times the queries: about ten times the promises (each waiter woken at every release made it about 100).
    expect(many / few).toBeLessThan(20);
  });

  it('leave a transaction alone until it commits, and are served in the order they asked', async () => {
    const order: string[] = [];
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const trx = store.db.transaction().execute(async (t) => {
      await t.selectFrom('jobs').select('id').execute();
      inside();
      await held;
      order.push('commit');
    });
    await entered;
    const reads = [1, 2, 3].map((i) => read(i).then(() => order.push(`read ${i}`)));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]); // the transaction holds the connection
    release();
    await Promise.all([trx, ...reads]);
    expect(order).toEqual(['commit', 'read 1', 'read 2', 'read 3']);
  });

  it('go on after the connection could not be taken once (the queue is not left held)', async () => {
    const original = SqliteDriver.prototype.acquireConnection;
    // Kysely's driver made to fail once: nothing real makes this version throw, a later one may.
    SqliteDriver.prototype.acquireConnection = function () {
      SqliteDriver.prototype.acquireConnection = original;
      return Promise.reject(new Error('the connection could not be taken'));
    };
    await expect(read(1)).rejects.toThrow('the connection could not be taken');
    expect(await Promise.all([read(2), read(3)])).toEqual([[], []]); // before the fix: waited forever
  }, 20_000);
});
