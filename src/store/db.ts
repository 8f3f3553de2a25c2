import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import type { Config } from '../config/schema.js';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(store: Config['store']): Promise<{ db: Kysely<Database>; dialect: Dialect }> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (store.driver === 'sqlite') {
    if (store.path !== ':memory:') mkdirSync(dirname(store.path), { recursive: true });
    const sqlite = new SQLite(store.path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    dialect = 'sqlite';
  } else {
    const { default: pg } = await import('pg'); // only daemons sharing PostgreSQL load it
    const pool = new pg.Pool({ connectionString: store.url, max: 10 });
    // An idle connection cut by a server restart must not crash the daemon: the pool reconnects on next use.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  }
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect };
}
