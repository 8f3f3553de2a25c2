import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * When each thing was last told to a client, so that a renewal retried after 1 min,
 * 10 min and 100 min is one email, not four, and the daemons sharing a store never
 * send the same email twice.
 */
export class NoticeStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes the right to tell `key` now: true when it was never told, or last told at
   * least `gapMs` before `now`. One atomic statement, so two daemons cannot both win.
   */
  async claim(key: string, tenantId: string, now: Date, gapMs: number): Promise<boolean> {
    const sentAt = now.toISOString();
    const before = new Date(now.getTime() - gapMs).toISOString();
    const res = await this.db
      .insertInto('client_notices')
      .values({ key, tenant_id: tenantId, sent_at: sentAt })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ sent_at: sentAt, tenant_id: tenantId })
          .where('client_notices.sent_at', '<=', before),
      )
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Gives the claim back when the email could not be sent, so the next try sends it. */
  async release(key: string, sentAt: Date): Promise<void> {
    await this.db
      .deleteFrom('client_notices')
      .where('key', '=', key)
      .where('sent_at', '=', sentAt.toISOString())
      .execute();
  }
}
