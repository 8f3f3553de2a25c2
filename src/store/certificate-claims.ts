import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Dialect } from './db.js';
import { toRecord, type CertificateRecord, type CertificateTables, type Row } from './certificate-records.js';

/** Who takes a page of renewals, and whose claims it may take over (their holders are known dead). */
export interface ClaimBy {
  /** The claiming pass: its claims name it, and its lease (LockStore) says whether it still lives. */
  holder?: string;
  /** Holders whose lease ended: their claims are due again at once, whatever their claim's end says. */
  takeFrom?: string[];
}

/**
 * Takes the next due certificates for renewal until `until`, at most `limit`, most urgent
 * first (renew_after, then id), in one statement read by the certificates_due index: the
 * active ones whose renewal time has come and whose retry delay (or a lapsed claim, or a
 * claim whose holder died) has passed. Daemons sharing the store each get other
 * certificates (PostgreSQL skips the rows another daemon is taking; SQLite writes one
 * statement at a time), and what one took is no longer due to the others until `until`
 * or until its holder is known dead.
 */
export async function claimDue(
  db: Kysely<CertificateTables>,
  dialect: Dialect,
  now: Date,
  until: Date,
  limit: number,
  by: ClaimBy = {},
): Promise<CertificateRecord[]> {
  const at = now.toISOString();
  const dead = by.takeFrom ?? [];
  const takeable = (eb: ExpressionBuilder<CertificateTables, 'certificates'>) =>
    eb.or([
      eb('next_attempt_at', 'is', null),
      eb('next_attempt_at', '<=', at),
      ...(dead.length ? [eb('claimed_by', 'in', dead)] : []),
    ]);
  let page = db
    .selectFrom('certificates')
    .select('id')
    .where('status', '=', 'active')
    .where('renew_after', '<=', at)
    .where(takeable)
    .orderBy('renew_after')
    .orderBy('id')
    .limit(Math.max(1, Math.floor(limit)));
  if (dialect === 'postgres') page = page.forUpdate().skipLocked();
  const rows = await db
    .updateTable('certificates')
    .set({ next_attempt_at: until.toISOString(), claimed_by: by.holder ?? null })
    .where('id', 'in', page)
    // Checked again on the row taken: PostgreSQL reads a row changed meanwhile in its new version.
    .where('status', '=', 'active')
    .where(takeable)
    .returningAll()
    .execute();
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  // RETURNING keeps no order: the page is sorted back by urgency.
  return (rows as Row[])
    .sort((a, b) => order(a.renew_after ?? '', b.renew_after ?? '') || order(a.id, b.id))
    .map(toRecord);
}

/**
 * Gives back claimed certificates whose renewal never started (the daemon is stopping):
 * due again at once for any daemon, instead of after the claim's 30 minutes. Only the
 * rows still holding this claim (`until`) are touched; a failed one keeps its retry due now.
 */
export async function releaseRenewals(
  db: Kysely<CertificateTables>,
  ids: string[],
  until: Date,
  now: Date,
): Promise<void> {
  if (!ids.length) return;
  await db
    .updateTable('certificates')
    .set((eb) => ({
      next_attempt_at: eb.case().when('renewal_failures', '>', 0).then(now.toISOString()).else(null).end(),
      claimed_by: null,
    }))
    .where('id', 'in', ids)
    .where('next_attempt_at', '=', until.toISOString())
    .execute();
}

/**
 * Ends this holder's claims on certificates whose renewal ended (renewed, or failed and
 * given its retry): once its pass is over, a claim still naming it would read as left by
 * a dead pass and be taken over. A renewed certificate is replaced already (nothing to do).
 */
export async function endClaims(db: Kysely<CertificateTables>, ids: string[], holder: string): Promise<void> {
  if (!ids.length) return;
  await db
    .updateTable('certificates')
    .set({ claimed_by: null })
    .where('id', 'in', ids)
    .where('claimed_by', '=', holder)
    .execute();
}

/**
 * The holders of claims still running (the caller asks their leases whether they live). Read
 * by the certificates_claims index, which holds only claimed rows: a claim ends with its
 * renewal (the row replaced), its failure (a retry) or its release.
 */
export async function claimHolders(db: Kysely<CertificateTables>, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('certificates')
    .select('claimed_by')
    .distinct()
    .where('claimed_by', 'is not', null)
    .where('status', '=', 'active')
    .where('next_attempt_at', '>', now.toISOString())
    .execute();
  return rows.flatMap((r) => (r.claimed_by ? [r.claimed_by] : []));
}

/**
 * Whether a due certificate is claimed by no one: given back by a stopping daemon, or just
 * fallen due. Read by certificates_due, as the claim reads it.
 */
export async function unclaimedDue(db: Kysely<CertificateTables>, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('certificates')
    .select('id')
    .where('status', '=', 'active')
    .where('renew_after', '<=', now.toISOString())
    .where('next_attempt_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return !!row;
}
