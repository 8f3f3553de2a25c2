import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Where a deleted database came from: enough to create it again and load its dump. */
export interface DatabaseOrigin {
  kind: 'database';
  server: string;
  engine: 'mariadb' | 'postgres';
  database: string;
  user: string;
  hosts: string[];
  short: string;
  restoredTo?: string;
}

/** Where deleted site files came from: the web server and the folder (the site's main name names it for the client). */
export interface SiteOrigin {
  kind: 'site';
  webserver: string;
  root: string;
  primary: string;
  owner?: string;
  restoredTo?: string;
}

/** One copy in the trash. `file` is serein's own path on `target` (never built from a client's value but the id). */
export interface TrashItem {
  id: string;
  tenantId: string;
  kind: 'database' | 'site';
  /** What the client knows it by: the database's full name, or the site's main name. */
  name: string;
  target: string;
  file: string;
  bytes: number;
  origin: DatabaseOrigin | SiteOrigin;
  createdAt: string;
  expiresAt: string;
  /** Set when it was last restored (it stays in the trash until it expires: a restore may be asked again). */
  restoredAt: string | null;
}

/** The trash's records: written before the delete it keeps a copy of, removed by the purge once expired. */
export class TrashStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records a copy; the same id twice (a job run again after a crash) is kept once. */
  async add(t: Omit<TrashItem, 'restoredAt'>): Promise<void> {
    await this.db
      .insertInto('trash')
      .values({
        id: t.id,
        tenant_id: t.tenantId,
        kind: t.kind,
        name: t.name,
        target: t.target,
        file: t.file,
        bytes: t.bytes,
        data: JSON.stringify(t.origin),
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        restored_at: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async get(id: string): Promise<TrashItem | undefined> {
    const r = await this.db.selectFrom('trash').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toItem(r);
  }

  /** A tenant's copies (or every tenant's for admins), newest first. */
  async list(tenantId?: string): Promise<TrashItem[]> {
    let q = this.db.selectFrom('trash').selectAll();
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    return (await q.orderBy('created_at', 'desc').orderBy('id').limit(1000).execute()).map(toItem);
  }

  /** Copies whose time is up at `now`, oldest first. */
  async expired(now: string, limit = 500): Promise<TrashItem[]> {
    return (
      await this.db
        .selectFrom('trash')
        .selectAll()
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit)
        .execute()
    ).map(toItem);
  }

  /** Notes where the copy was put back (`origin.restoredTo`), so the same restore asked again is recognised. */
  async markRestored(id: string, at: string, to: string): Promise<void> {
    const r = await this.db.selectFrom('trash').select('data').where('id', '=', id).executeTakeFirst();
    if (!r) return;
    const data = JSON.stringify({ ...(JSON.parse(r.data) as object), restoredTo: to });
    await this.db.updateTable('trash').set({ restored_at: at, data }).where('id', '=', id).execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('trash').where('id', '=', id).execute();
  }
}

function toItem(r: Database['trash']): TrashItem {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    kind: r.kind as TrashItem['kind'],
    name: r.name,
    target: r.target,
    file: r.file,
    bytes: Number(r.bytes),
    origin: JSON.parse(r.data) as TrashItem['origin'],
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    restoredAt: r.restored_at,
  };
}
