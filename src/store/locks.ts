import { sql, type Kysely } from 'kysely';
import type { Config } from '../config/schema.js';

/** The first key of serein's session-level advisory locks (jobs use 7312001 and 7312002 for transaction locks). */
const SESSION_LOCKS = 7312003;

/** The keys this process holds now, whatever store opened them: on SQLite, the only daemon's, so every other holder is dead. */
const mine = new Map<string, number>();

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
 * in-process lock suffices, and this runs the task directly. A held key also says that its
 * holder lives (`held`): work claimed under it is taken over once it is not.
 */
export class LockStore {
  constructor(
    private readonly store: Config['store'],
    /** The store's own connections, to read which keys are held (PostgreSQL's pg_locks). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- only a system view is read
    private readonly db?: Kysely<any>,
  ) {}

  /**
   * Runs `task` while holding `key` against every daemon of the store; waits in line for it
   * (PostgreSQL grants waiters in order). `lost` aborts if the lock's connection errors or
   * ends while the task runs: the lock is gone, and a task that can should stop.
   */
  async hold<T>(key: string, task: (lost: AbortSignal) => Promise<T>): Promise<T> {
    return (await this.holding(key, task, true))!.value;
  }

  /**
   * Runs `task` holding `key` unless a daemon of the store (this one included) holds it now:
   * undefined when it did not run. For work that one daemon does for all, whichever comes
   * first (a scheduled pass over the whole store), where waiting in line would do it twice.
   */
  async tryHold<T>(key: string, task: (lost: AbortSignal) => Promise<T>): Promise<{ value: T } | undefined> {
    // SQLite's one daemon is this process; PostgreSQL answers for every daemon, this one too (another session).
    if (this.store.driver !== 'postgres' && mine.has(key)) return undefined;
    return this.holding(key, task, false);
  }

  private async holding<T>(
    key: string,
    task: (lost: AbortSignal) => Promise<T>,
    wait: boolean,
  ): Promise<{ value: T } | undefined> {
    mine.set(key, (mine.get(key) ?? 0) + 1);
    try {
      return await this.holdShared(key, task, wait);
    } finally {
      const n = mine.get(key)! - 1;
      if (n) mine.set(key, n);
      else mine.delete(key);
    }
  }

  /**
   * Which of these keys a living daemon holds now: a holder whose key is not held is dead
   * (killed, or its task ended), since the lock dies with its connection. Work a daemon
   * claimed under such a key (a renewal page) can then be taken over at once. On SQLite the
   * one daemon is this process: only its own keys are held.
   */
  async held(keys: string[]): Promise<Set<string>> {
    if (this.store.driver !== 'postgres' || !this.db || !keys.length) return new Set(keys.filter((k) => mine.has(k)));
    // A two-integer advisory key shows in pg_locks as classid, objid with objsubid 2 (PostgreSQL's manual, pg_locks).
    const { rows } = await sql<{ key: string }>`SELECT k AS key FROM unnest(${keys}::text[]) AS k
      WHERE EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ${SESSION_LOCKS}::int::oid AND l.objid = hashtext(k)::oid)`.execute(this.db);
    return new Set(rows.map((r) => r.key));
  }

  private async holdShared<T>(
    key: string,
    task: (lost: AbortSignal) => Promise<T>,
    wait: boolean,
  ): Promise<{ value: T } | undefined> {
    const lost = new AbortController(); // SQLite: the lock is this process's, never lost
    if (this.store.driver !== 'postgres') return { value: await task(lost.signal) };
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      connectionString: this.store.url,
      keepAlive: true,
      application_name: 'serein lock',
    });
    // A connection cut while the task runs must not crash the daemon; the lock is gone
    // with it, which the task cannot undo: it is told (`lost`) and left to finish or stop.
    client.on('error', (err) => lost.abort(err));
    client.on('end', () => lost.abort(new Error(`the connection holding the lock ${key} ended`)));
    try {
      await client.connect(); // inside: a connection that fails half-way is ended too
      if (!wait) {
        const got = await client.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [SESSION_LOCKS, key]);
        if (!got.rows[0]?.ok) return undefined;
      } else await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [SESSION_LOCKS, key]);
      return { value: await task(lost.signal) };
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
