import type { WebserverConfig } from '../config/schema.js';

/**
 * A lock shared by every daemon that may change the same nginx. The in-process mutex of
 * an NginxApplier only keeps one daemon's jobs apart; daemons sharing a PostgreSQL store
 * and a web server also need each other's `write, nginx -t, reload, probe, rollback` kept
 * apart, or one daemon's reload publishes files another has written but not yet tested.
 * Declared here so the nginx library needs nothing from the store: the composition root
 * fills it from the store (src/store/locks.ts).
 */
export interface SharedConfigLock {
  /** Runs `task` while holding the lock named `key` against every other holder of that key; released when the task ends. */
  hold<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/** One daemon alone (SQLite): the applier's in-process mutex is all the exclusion there is to have. */
export const processOnly: SharedConfigLock = { hold: (_key, task) => task() };

/**
 * The name of an nginx instance for locking: where it runs and how it is invoked (its
 * prefix and configuration file are in the argv). Two web server entries that name the
 * same nginx share one lock; the same entry in several daemons' configurations too.
 */
export function nginxLockKey(ws: Pick<WebserverConfig, 'target' | 'nginx'>): string {
  return `nginx ${JSON.stringify([ws.target, ...ws.nginx])}`;
}
