import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashToken, randomSecret } from '../secrets.js';
import type { Database } from './schema.js';

/** Who is calling: an admin, or a client acting for exactly one tenant. */
export interface Caller {
  tokenId: string;
  kind: 'admin' | 'client';
  tenantId: string | null;
  label: string;
  /** Set when serein works for the tenant rather than the tenant itself asking (see actingFor). */
  onBehalf?: OnBehalf;
}

/** Who really acts for a tenant: recorded on the job and in the audit log, never the authority. */
export interface OnBehalf {
  /** The admin (label and token) or the schedule, as admins read it. */
  by: string;
  /** Whether the job counts against the tenant's running-jobs quota: an admin's click does; the schedule's own bounded pass does not. */
  jobQuota: boolean;
}

/**
 * The caller serein uses when it acts for a tenant (an admin's "do it for them", the
 * renewal schedule): a client of that tenant, so every check the tenant would meet
 * (ownership, admin-only inputs, the client upstream and folder rules, quotas) applies,
 * and the actor is kept for the record only. An admin's own authority never reaches a
 * job whose inputs came from a client.
 */
export function actingFor(
  tenantId: string,
  actor: { tokenId: string; label: string },
  o: { jobQuota: boolean } = { jobQuota: true },
): Caller {
  return {
    tokenId: actor.tokenId,
    kind: 'client',
    tenantId,
    label: `${actor.label} for ${tenantId}`,
    onBehalf: { by: actor.label, jobQuota: o.jobQuota },
  };
}

/** API tokens: random, shown once, kept only as a SHA-256 hash. */
export class TokenStore {
  /** When this process last wrote each token's last_used_at: one write a minute per token, not one per request. */
  private readonly written = new Map<string, number>();

  constructor(private readonly db: Kysely<Database>) {}

  /** Creates a token and returns its clear value: the only time anyone sees it. */
  async create(
    kind: 'admin' | 'client',
    tenantId: string | null,
    label: string,
  ): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    const token = `srn_${kind === 'admin' ? 'a' : 'c'}_${randomSecret(32)}`;
    await this.db
      .insertInto('tokens')
      .values({
        id,
        hash: hashToken(token),
        kind,
        tenant_id: tenantId,
        label,
        created_at: new Date().toISOString(),
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    return { id, token };
  }

  async verify(token: string): Promise<Caller | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && { tokenId: row.id, kind: row.kind, tenantId: row.tenant_id, label: row.label };
  }

  /**
   * Records that a token just authenticated (to the minute), so a start can tell whether
   * the first admin token ever reached anyone.
   */
  async markUsed(id: string, now = Date.now()): Promise<void> {
    if (now - (this.written.get(id) ?? -Infinity) < 60_000) return;
    this.written.set(id, now);
    await this.db
      .updateTable('tokens')
      .set({ last_used_at: new Date(now).toISOString() })
      .where('id', '=', id)
      .execute();
  }

  /** Whether any admin token, revoked ones included, has ever authenticated. */
  async adminEverUsed(): Promise<boolean> {
    const row = await this.db
      .selectFrom('tokens')
      .select('id')
      .where('kind', '=', 'admin')
      .where('last_used_at', 'is not', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  async revoke(id: string): Promise<boolean> {
    const res = await this.db
      .updateTable('tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async list(): Promise<
    {
      id: string;
      kind: string;
      tenantId: string | null;
      label: string;
      createdAt: string;
      revokedAt: string | null;
      lastUsedAt: string | null;
    }[]
  > {
    const rows = await this.db.selectFrom('tokens').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      tenantId: r.tenant_id,
      label: r.label,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  async countAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'admin')
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
