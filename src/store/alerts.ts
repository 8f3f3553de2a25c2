import type { Kysely } from 'kysely';
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from './page.js';
import type { Database } from './schema.js';

export interface Alert {
  id: number;
  at: string;
  kind: string;
  tenantId: string | null;
  subject: string;
  message: string;
  detail: unknown;
}

/** The admin feed: what needs a human, newest last. */
export class AlertStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(a: Omit<Alert, 'id' | 'at' | 'detail'> & { detail?: unknown }): Promise<Alert> {
    const at = new Date().toISOString();
    const row = await this.db
      .insertInto('alerts')
      .values({
        at,
        kind: a.kind,
        tenant_id: a.tenantId,
        subject: a.subject,
        message: a.message,
        detail: a.detail === undefined ? null : JSON.stringify(a.detail),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), at, ...a, detail: a.detail ?? null };
  }

  async list(f: { kind?: string; afterId?: number; limit?: number } = {}): Promise<Alert[]> {
    return (await this.page({ ...f, limit: f.limit ?? 200 })).items;
  }

  /** One page of the feed, oldest first, and the cursor of the next (afterId still works: the cursor is the last id). */
  async page(f: { kind?: string; afterId?: number } & PageRequest = {}): Promise<Page<Alert>> {
    const limit = pageSize(f.limit, 200);
    const afterId = f.cursor ? Number(decodeCursor(f.cursor, 1)[0]) : f.afterId;
    let q = this.db.selectFrom('alerts').selectAll();
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (afterId) q = q.where('id', '>', afterId);
    const rows = await q
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    return toPage(
      rows,
      limit,
      (r) => [Number(r.id)],
      (r) => ({
        id: Number(r.id),
        at: r.at,
        kind: r.kind,
        tenantId: r.tenant_id,
        subject: r.subject,
        message: r.message,
        detail: r.detail == null ? null : JSON.parse(r.detail),
      }),
    );
  }
}
