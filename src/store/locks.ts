import type { Config } from '../config/schema.js';

/** The first key of serein's session-level advisory locks (jobs use 7312001 and 7312002 for transaction locks). */
const SESSION_LOCKS = 7312003;

/**
 * Locks held across daemons sharing the store, for work that must never run in two
 * daemons at once on the same thing (the write, `nginx -t`, reload and probes of one
 * nginx). On PostgreSQL, a session-level advisory lock on a connection opened for the
 * task alone and closed after it: the lock dies with its connection, so a daemon killed
 * with SIGKILL frees it at once, with no lease to wait out (a lease row with an expiry
 * would block everyone until it expired, or let a slow holder be overtaken), and closing
 * the connection releases it whatever went wrong, so no pooled connection ever keeps it.
 * The connection is not taken from the store's pool, so daemons waiting in line for a
 * busy nginx never starve job claims. On SQLite there is only one daemon: the caller's
 * in-process lock suffices, and this runs the task directly.
 */
export class LockStore {
  constructor(private readonly store: Config['store']) {}

  /** Runs `task` while holding `key` against every daemon of the store; waits in line for it (PostgreSQL grants waiters in order). */
  async hold<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (this.store.driver !== 'postgres') return task();
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      connectionString: this.store.url,
      keepAlive: true,
      application_name: 'serein lock',
    });
    // A connection cut while the task runs must not crash the daemon; the lock is gone
    // with it, which the task cannot undo, so the task is left to finish.
    client.on('error', () => {});
    try {
      await client.connect(); // inside: a connection that fails half-way is ended too
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [SESSION_LOCKS, key]);
      return await task();
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
