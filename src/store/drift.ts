import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** What the drift watch found on one active certificate's names, kept until it is fixed. */
export interface DriftFinding {
  certificateId: string;
  tenantId: string;
  name: string;
  firstSeen: string;
  lastSeen: string;
  escalated: boolean;
  /** The failing checks, as the preflight said them (both languages, with the fix). */
  problems: { id: string; domain: string; message: { en: string; fr: string }; fix?: { en: string; fr: string } }[];
  /** When the certificate will try to renew, and when it stops being valid. */
  renewAfter: string | null;
  notAfter: string;
}

/** The drift watch's findings: one row per certificate with a problem, removed when the problem is gone. */
export class DriftStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records this pass's finding; the first sighting's time is kept. */
  async seen(f: Omit<DriftFinding, 'firstSeen' | 'escalated'>, now: string): Promise<DriftFinding> {
    const { certificateId, tenantId, name, lastSeen: _l, ...rest } = f;
    const data = JSON.stringify(rest);
    await this.db
      .insertInto('drift_findings')
      .values({
        certificate_id: certificateId,
        tenant_id: tenantId,
        name,
        first_seen: now,
        last_seen: now,
        escalated: 0,
        data,
      })
      .onConflict((oc) => oc.column('certificate_id').doUpdateSet({ last_seen: now, data }))
      .execute();
    return (await this.get(certificateId))!;
  }

  async get(certificateId: string): Promise<DriftFinding | undefined> {
    const r = await this.db
      .selectFrom('drift_findings')
      .selectAll()
      .where('certificate_id', '=', certificateId)
      .executeTakeFirst();
    return r && toFinding(r);
  }

  async list(tenantId?: string): Promise<DriftFinding[]> {
    let q = this.db.selectFrom('drift_findings').selectAll();
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    return (await q.orderBy('first_seen').execute()).map(toFinding);
  }

  async markEscalated(certificateId: string): Promise<void> {
    await this.db
      .updateTable('drift_findings')
      .set({ escalated: 1 })
      .where('certificate_id', '=', certificateId)
      .execute();
  }

  /** The problem is gone (or the certificate is): forget it. */
  async clear(certificateId: string): Promise<void> {
    await this.db.deleteFrom('drift_findings').where('certificate_id', '=', certificateId).execute();
  }
}

function toFinding(r: Database['drift_findings']): DriftFinding {
  const rest = JSON.parse(r.data) as Pick<DriftFinding, 'problems' | 'renewAfter' | 'notAfter'>;
  return {
    certificateId: r.certificate_id,
    tenantId: r.tenant_id,
    name: r.name,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    escalated: !!r.escalated,
    ...rest,
  };
}
