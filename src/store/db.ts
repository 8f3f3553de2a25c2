import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type MigrationProvider,
  type SqliteDatabase,
} from 'kysely';
import type { Config } from '../config/schema.js';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The store holds token hashes, sealed secrets and the audit: its file is 0600 and a folder
 * serein creates for it is 0700, whatever the umask. SQLite gives its -wal and -shm files
 * the main file's mode, so they follow. An existing folder is the admin's choice (it may be
 * /var/lib): it is left as it is.
 */
function ownerOnly(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

/** How many prepared statements a SQLite store keeps (queries with `in (?, ...)` lists vary in length). */
const STATEMENTS_KEPT = 500;

/**
 * Kysely prepares every query again before running it, which under many jobs at once costs
 * more than running it: each distinct SQL text is prepared once and reused (better-sqlite3
 * runs one statement at a time on the store's single connection, so a reused statement is
 * never busy; SQLite prepares it again by itself after a schema change).
 */
function preparedOnce(sqlite: SQLite.Database): SqliteDatabase {
  const kept = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let stmt = kept.get(text);
      if (stmt) {
        kept.delete(text); // most recently used last: the oldest goes first when full
      } else {
        stmt = sqlite.prepare(text);
        if (kept.size >= STATEMENTS_KEPT) kept.delete(kept.keys().next().value!);
      }
      kept.set(text, stmt);
      return stmt;
    },
  };
}

/**
 * Kysely's SQLite driver guards its one connection with a lock that wakes every waiter at
 * each release (all but one go back to waiting): with hundreds of jobs at once, each
 * statement cost hundreds of wake-ups, a fifth of a 500-site burst's processor. Here the
 * waiters queue in order and each release wakes the next one only; a transaction still
 * holds the connection from its BEGIN to its COMMIT.
 */
class QueuedSqliteDriver extends SqliteDriver {
  private readonly waiting: (() => void)[] = [];
  private held = false;

  override async acquireConnection(): Promise<DatabaseConnection> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held = true;
    try {
      return await super.acquireConnection(); // never waits: only the holder gets here
    } catch (err) {
      this.handOver(); // the caller never gets the connection, so never releases it: the queue would wait forever
      throw err;
    }
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.handOver();
  }

  private handOver(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // handed over: still held
    else this.held = false;
  }
}

/** SqliteDialect with the queued driver above. */
class QueuedSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }

  override createDriver(): Driver {
    return new QueuedSqliteDriver({ database: this.database });
  }
}

/**
 * Whether the store has run exactly these migrations: then a start has nothing to migrate and
 * skips the migrator, which reads the whole catalogue twice and takes a lock every daemon
 * sharing the store waits on (three daemons starting at once on a busy machine queued behind
 * each other's slowest). Anything else (a new store, a migration to run, one this version does
 * not know) goes through the migrator as before.
 */
async function upToDate(db: Kysely<Database>, names: string[]): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
    const done = new Set(rows.map((r) => r.name));
    return done.size === names.length && names.every((n) => done.has(n));
  } catch {
    return false; // no migration table yet: a new store
  }
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(store: Config['store']): Promise<{ db: Kysely<Database>; dialect: Dialect }> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (store.driver === 'sqlite') {
    if (store.path !== ':memory:') ownerOnly(store.path);
    const sqlite = new SQLite(store.path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    db = new Kysely<Database>({ dialect: new QueuedSqliteDialect(preparedOnce(sqlite)) });
    dialect = 'sqlite';
  } else {
    const { default: pg } = await import('pg'); // only daemons sharing PostgreSQL load it
    const pool = new pg.Pool({ connectionString: store.url, max: 10 });
    // An idle connection cut by a server restart must not crash the daemon: the pool reconnects on next use.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  }
  const known = migrations(dialect);
  if (await upToDate(db, Object.keys(known))) return { db, dialect };
  const provider: MigrationProvider = { getMigrations: async () => known };
  const { error } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect };
}
