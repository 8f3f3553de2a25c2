import type { Kysely } from 'kysely';
import { decodeCursor, pageSize, toPage, type Page } from './page.js';
import type { Database } from './schema.js';

export interface AuditEntry {
  id: number;
  at: string;
  tokenId: string | null;
  tenantId: string | null;
  action: string;
  subject: string | null;
  inputs: unknown;
  plan: unknown;
  result: string;
  detail: unknown;
}

export interface AuditFilter {
  tenantId?: string;
  action?: string;
  subject?: string;
  result?: string;
  since?: string;
  until?: string;
  afterId?: number;
  limit?: number;
  cursor?: string;
}

/**
 * The append-only trail: triggers in the database refuse UPDATE and DELETE, and nothing
 * is ever cut. Callers mask secrets before appending.
 */
export class AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(e: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    await this.appendMany([e]);
  }

  /** Several lines in one INSERT (the renewal schedule's lines of one turn: src/store/audit-batch.ts). */
  async appendMany(entries: Omit<AuditEntry, 'id' | 'at'>[]): Promise<void> {
    if (!entries.length) return;
    const at = new Date().toISOString();
    const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
    await this.db
      .insertInto('audit')
      .values(
        entries.map((e) => ({
          at,
          token_id: e.tokenId,
          tenant_id: e.tenantId,
          action: e.action,
          subject: e.subject,
          inputs: json(e.inputs),
          plan: json(e.plan),
          result: e.result,
          detail: json(e.detail),
        })),
      )
      .execute();
  }

  async list(f: AuditFilter = {}): Promise<AuditEntry[]> {
    return (await this.page({ ...f, limit: f.limit ?? 500 })).items;
  }

  /** One page of the trail, oldest first, and the cursor of the next (afterId still works: the cursor is the last id). */
  async page(f: AuditFilter = {}): Promise<Page<AuditEntry>> {
    const limit = pageSize(f.limit, 500);
    const afterId = f.cursor ? Number(decodeCursor(f.cursor, 1)[0]) : f.afterId;
    let q = this.db.selectFrom('audit').selectAll();
    if (f.tenantId) q = q.where('tenant_id', '=', f.tenantId);
    if (f.action) q = q.where('action', '=', f.action);
    if (f.subject) q = q.where('subject', '=', f.subject);
    if (f.result) q = q.where('result', '=', f.result);
    if (f.since) q = q.where('at', '>=', f.since);
    if (f.until) q = q.where('at', '<', f.until);
    if (afterId) q = q.where('id', '>', afterId);
    const rows = await q
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const parse = (s: string | null) => (s == null ? null : JSON.parse(s));
    return toPage(
      rows,
      limit,
      (r) => [Number(r.id)],
      (r) => ({
        id: Number(r.id),
        at: r.at,
        tokenId: r.token_id,
        tenantId: r.tenant_id,
        action: r.action,
        subject: r.subject,
        inputs: parse(r.inputs),
        plan: parse(r.plan),
        result: r.result,
        detail: parse(r.detail),
      }),
    );
  }
}
