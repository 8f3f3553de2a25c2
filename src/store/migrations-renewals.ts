import type { Kysely } from 'kysely';

/**
 * 0019: the renewal schedule's reads by index at a million certificates. The due
 * certificates are claimed in pages, most urgent first (renew_after, then id): the index
 * holds that whole order, where the one it replaces (status, renew_after) left every page
 * to sort all the certificates due at the same moment. The next retry to wake up for
 * (renewal_failures > 0) read the whole table (a quarter of a second and 400 MB of pages
 * at a million, at every start and after every pass); its index holds only a few rows' range.
 * The renewalInfo questions not asked within the polling interval read the whole table at
 * every pass too (0.25 s at a million, each daemon, though none was stale): by
 * ari_checked_at, those few are found at once (0.06 ms).
 */
export async function renewalIndexes(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('certificates_due')
    .ifNotExists()
    .on('certificates')
    .columns(['status', 'renew_after', 'id'])
    .execute();
  await db.schema.dropIndex('certificates_status').ifExists().execute();
  await db.schema
    .createIndex('certificates_retry')
    .ifNotExists()
    .on('certificates')
    .columns(['status', 'renewal_failures', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('certificates_ari')
    .ifNotExists()
    .on('certificates')
    .columns(['status', 'ari_checked_at'])
    .execute();
}
