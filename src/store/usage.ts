import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The last measured size of one site (`vhost`) or database. */
export interface UsageFigure {
  kind: string;
  name: string;
  tenantId: string;
  bytes: number;
  measuredAt: string;
}

/** Sizes measured by the background pass (src/watch/disk-usage.ts), read by the page: no request ever measures. */
export class UsageStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(f: UsageFigure): Promise<void> {
    await this.db
      .insertInto('disk_usage')
      .values({ kind: f.kind, name: f.name, tenant_id: f.tenantId, bytes: f.bytes, measured_at: f.measuredAt })
      .onConflict((oc) =>
        oc.columns(['kind', 'name']).doUpdateSet({ tenant_id: f.tenantId, bytes: f.bytes, measured_at: f.measuredAt }),
      )
      .execute();
  }

  async list(tenantId?: string): Promise<UsageFigure[]> {
    let q = this.db.selectFrom('disk_usage').selectAll();
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    return (await q.orderBy('kind').orderBy('name').execute()).map((r) => ({
      kind: r.kind,
      name: r.name,
      tenantId: r.tenant_id,
      bytes: Number(r.bytes),
      measuredAt: r.measured_at,
    }));
  }

  /** A site or database that no longer exists is no longer counted. */
  async remove(kind: string, name: string): Promise<void> {
    await this.db.deleteFrom('disk_usage').where('kind', '=', kind).where('name', '=', name).execute();
  }
}
