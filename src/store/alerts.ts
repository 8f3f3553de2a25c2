import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface Alert { id: number; at: string; kind: string; tenantId: string | null; subject: string; message: string; detail: unknown }

/** The admin feed: what needs a human, newest last. */
export class AlertStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(a: Omit<Alert, 'id' | 'at' | 'detail'> & { detail?: unknown }): Promise<Alert> {
    const at = new Date().toISOString();
    const row = await this.db
      .insertInto('alerts')
      .values({ at, kind: a.kind, tenant_id: a.tenantId, subject: a.subject, message: a.message, detail: a.detail === undefined ? null : JSON.stringify(a.detail) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), at, ...a, detail: a.detail ?? null };
  }

  async list(f: { kind?: string; afterId?: number; limit?: number } = {}): Promise<Alert[]> {
    let q = this.db.selectFrom('alerts').selectAll();
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.afterId) q = q.where('id', '>', f.afterId);
    const rows = await q.orderBy('id').limit(f.limit ?? 200).execute();
    return rows.map((r) => ({ id: Number(r.id), at: r.at, kind: r.kind, tenantId: r.tenant_id, subject: r.subject, message: r.message, detail: r.detail == null ? null : JSON.parse(r.detail) }));
  }
}
