import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Dialect } from './db.js';
import type { Database } from './schema.js';

/** How a message leaves: a POST to an alert webhook, or an email through the SMTP server. */
export type OutboxChannel = 'webhook' | 'email';

/** One message waiting to leave, or sent, or given up on. Its id is the idempotency key its receiver sees. */
export interface OutboxMessage {
  id: string;
  channel: OutboxChannel;
  /** Webhooks: a hash of the URL (the URL carries a secret and stays in the configuration); emails: the address. */
  destination: string;
  payload: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  nextAt: string;
  /** Set while claimed: the claim a sender must show to record the outcome. */
  claim: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

function toMessage(r: Database['outbox']): OutboxMessage {
  return {
    id: r.id,
    channel: r.channel as OutboxChannel,
    destination: r.destination,
    payload: r.payload,
    status: r.status as OutboxMessage['status'],
    attempts: Number(r.attempts),
    nextAt: r.next_at,
    claim: r.claim,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

/** The PostgreSQL transaction lock that serialises claims (jobs use 7312001 and 7312002, named locks 7312003). */
const CLAIM_LOCK = 7312004;

/**
 * Alerts, escalations and emails on their way out (src/notify/outbox.ts sends them). Written
 * in the request that raised them, sent after it: a webhook that never answers slows no
 * client. A message is claimed by one sender at a time, across every daemon sharing the
 * store, with a lease: a daemon that dies while sending leaves it to be claimed again once
 * the lease ends (at least once; the receiver tells a second copy by the message's id).
 */
export class OutboxStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Queues messages to leave now; returns their ids. */
  async add(messages: { channel: OutboxChannel; destination: string; payload: string }[]): Promise<string[]> {
    if (!messages.length) return [];
    const at = new Date(await this.clock(this.db)).toISOString();
    const rows = messages.map((m) => ({
      id: randomUUID(),
      channel: m.channel,
      destination: m.destination,
      payload: m.payload,
      status: 'pending',
      attempts: 0,
      next_at: at,
      owner: null,
      claim: null,
      lease_until: null,
      last_error: null,
      created_at: at,
      sent_at: null,
    }));
    await this.db.insertInto('outbox').values(rows).execute();
    return rows.map((r) => r.id);
  }

  /**
   * Takes up to `max` messages due now for `owner`: pending ones whose time has come, and
   * ones whose sender's lease ended (it died). `everyOtherOwner`: SQLite's one daemon takes
   * back, at its start, what its previous run was sending. PostgreSQL serialises claims with
   * a transaction lock; the update's own condition keeps a message from two claims anyway.
   */
  async claim(owner: string, max: number, leaseMs: number, everyOtherOwner = false): Promise<OutboxMessage[]> {
    if (max <= 0) return [];
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK})`.execute(trx);
      const now = new Date(await this.clock(trx)).toISOString();
      const due = (eb: ExpressionBuilder<Database, 'outbox'>) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_at', '<=', now)]),
          eb.and([
            eb('status', '=', 'sending'),
            everyOtherOwner
              ? eb.or([eb('lease_until', '<', now), eb('owner', '!=', owner)])
              : eb('lease_until', '<', now),
          ]),
        ]);
      const ids = (await trx.selectFrom('outbox').select('id').where(due).orderBy('next_at').limit(max).execute()).map(
        (r) => r.id,
      );
      if (!ids.length) return [];
      const claim = randomUUID();
      await trx
        .updateTable('outbox')
        .set({ status: 'sending', owner, claim, lease_until: new Date(Date.parse(now) + leaseMs).toISOString() })
        .where('id', 'in', ids)
        .where(due)
        .execute();
      return (await trx.selectFrom('outbox').selectAll().where('claim', '=', claim).execute()).map(toMessage);
    });
  }

  /** The message reached its receiver. */
  async sent(m: OutboxMessage): Promise<void> {
    const at = new Date(await this.clock(this.db)).toISOString();
    await this.settle(m, { status: 'sent', sent_at: at, last_error: null });
  }

  /** The try failed: tried again after `waitMs` (by whichever daemon claims it then). */
  async retry(m: OutboxMessage, waitMs: number, error: string): Promise<void> {
    const at = new Date((await this.clock(this.db)) + waitMs).toISOString();
    await this.settle(m, { status: 'pending', next_at: at, last_error: error });
  }

  /** Given up on: kept for admins to see why, never tried again. */
  async fail(m: OutboxMessage, error: string): Promise<void> {
    await this.settle(m, { status: 'failed', last_error: error });
  }

  /** The daemon stops while sending: the message is due again at once, the try not counted. */
  async release(m: OutboxMessage): Promise<void> {
    await this.settle(m, { status: 'pending' }, false);
  }

  /**
   * Ends a claim with what its try came to (`counted`: whether it was a try). Written only under
   * the claim the message was sent with: a sender whose lease ended and whose message another
   * daemon took since records nothing over that daemon's outcome.
   */
  private async settle(
    m: OutboxMessage,
    outcome: {
      status: Exclude<OutboxMessage['status'], 'sending'>;
      next_at?: string;
      sent_at?: string;
      last_error?: string | null;
    },
    counted = true,
  ): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({
        ...outcome,
        ...(counted ? { attempts: m.attempts + 1 } : {}),
        owner: null,
        claim: null,
        lease_until: null,
      })
      .where('id', '=', m.id)
      .where('claim', '=', m.claim)
      .execute();
  }

  /** When the next pending message is due (the sender sleeps until then), if any is. */
  async nextDue(): Promise<Date | undefined> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.min('next_at').as('at'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return row?.at ? new Date(row.at as string) : undefined;
  }

  async get(id: string): Promise<OutboxMessage | undefined> {
    const row = await this.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toMessage(row);
  }

  /** Messages by status, oldest first: what is waiting, what failed. */
  async list(f: { status?: OutboxMessage['status']; limit?: number } = {}): Promise<OutboxMessage[]> {
    let q = this.db.selectFrom('outbox').selectAll();
    if (f.status) q = q.where('status', '=', f.status);
    return (
      await q
        .orderBy('created_at')
        .limit(f.limit ?? 200)
        .execute()
    ).map(toMessage);
  }

  /** Forgets sent messages older than `sentBefore` and failed ones older than `failedBefore`. */
  async prune(sentBefore: Date, failedBefore: Date): Promise<void> {
    await this.db
      .deleteFrom('outbox')
      .where('status', '=', 'sent')
      .where('sent_at', '<', sentBefore.toISOString())
      .execute();
    await this.db
      .deleteFrom('outbox')
      .where('status', '=', 'failed')
      .where('created_at', '<', failedBefore.toISOString())
      .execute();
  }

  /** The clock leases and due times are read against: PostgreSQL's, shared by every daemon (as jobs do); SQLite's one daemon's own. */
  private async clock(db: Kysely<Database>): Promise<number> {
    if (this.dialect !== 'postgres') return Date.now();
    const r = await sql<{ ms: string }>`SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms`.execute(
      db,
    );
    return Number(r.rows[0].ms);
  }
}
