import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/store/schema.js';
import type { Model } from './crash-ops.js';

/**
 * The crash tests' own view of the store their daemons write (SQLite for one daemon,
 * PostgreSQL for several): read-only, without the store's migrations or locks, so it can
 * stay open while the daemons are killed and restarted.
 */
export type StoreReader = Kysely<Database>;

/** Opens a reader on the daemons' store: a read-only SQLite connection, or a small pool on the shared PostgreSQL. */
export function openStoreReader(store: { driver: 'sqlite'; path: string } | { driver: 'postgres'; url: string }) {
  if (store.driver === 'sqlite') {
    const database = new SQLite(store.path, { readonly: true, fileMustExist: true });
    return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  }
  const pool = new pg.Pool({ connectionString: store.url, max: 2 });
  pool.on('error', () => {}); // a connection cut while the test drops the database must not crash the test
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** The highest job event id in the store: the clock the kill moments are counted on. */
export async function lastEvent(db: StoreReader): Promise<number> {
  const r = await db
    .selectFrom('job_events')
    .select((eb) => eb.fn.max('id').as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** How many of these jobs have not ended yet (a job not yet in the store counts as queued). */
export async function openJobs(db: StoreReader, ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  const rows = await db.selectFrom('jobs').select(['id', 'status']).where('id', 'in', ids).execute();
  const ended = rows.filter((r) => ['succeeded', 'failed', 'needs-attention'].includes(r.status)).length;
  return ids.length - ended;
}

/** How many events a job wrote: learnt from finished jobs, so the kill moments spread over whole runs. */
export async function eventsOf(db: StoreReader, id: string): Promise<number> {
  const r = await db
    .selectFrom('job_events')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('job_id', '=', id)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** The trash's copies as the store records them: where each lives, for the check that none is lost. */
export async function trashCopies(
  db: StoreReader,
): Promise<{ id: string; name: string; target: string; file: string }[]> {
  return db.selectFrom('trash').select(['id', 'name', 'target', 'file']).execute();
}

/** The databases a succeeded database.delete removed: each must have its copy in the trash. */
export async function deletedDatabases(db: StoreReader): Promise<string[]> {
  const rows = await db
    .selectFrom('jobs')
    .select('inputs')
    .where('playbook', '=', 'database.delete')
    .where('status', '=', 'succeeded')
    .where('dry_run', '=', 0)
    .execute();
  return rows.map((r) => String((JSON.parse(String(r.inputs)) as { confirm?: string }).confirm));
}

/** One API call as the crash tests make them (see serveApi): `as` is a token, the admin's by default. */
export type CrashApi = (method: string, path: string, body?: unknown, as?: string) => Promise<any>;

/** What the store knows, read through the API: this test's sites, active certificates, databases and trash. */
export async function readModel(api: CrashApi, tenant: string): Promise<Model> {
  const resources = (await api('GET', `/v1/resources?tenantId=${tenant}`)).resources as any[];
  const sites = resources
    .filter((r) => r.kind === 'vhost')
    .map((r) => ({ name: r.name as string, webserver: r.data.webserver as string }));
  const databases = resources
    .filter((r) => r.kind === 'database')
    .map((r) => {
      // recorded as `<server>:<tenant>_<name>`
      const [server, database] = (r.name as string).split(':');
      return { server, database, name: database.slice(tenant.length + 1) };
    });
  const certs = (await api('GET', `/v1/certificates?status=active&tenantId=${tenant}`)).certificates as any[];
  const active = certs.map((c) => ({ id: c.id as string, site: c.domains[0] as string, serial: c.serial as string }));
  const trash = ((await api('GET', `/v1/trash?tenantId=${tenant}`)).trash as any[]).map((t) => ({
    id: t.id as string,
    kind: t.kind as string,
    name: t.name as string,
  }));
  return { sites, active, databases, trash };
}
