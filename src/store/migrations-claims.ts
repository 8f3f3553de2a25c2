import { sql, type Kysely } from 'kysely';

/**
 * 0020: a renewal claim names the pass holding it (`claimed_by`), whose lease (a lock that
 * dies with its daemon, src/store/locks.ts) tells the other daemons whether it still lives:
 * a daemon killed during a pass no longer keeps its page of renewals for the claim's 30
 * minutes. The partial index holds only the claimed rows (a few hundred at a million
 * certificates), so finding the holders of running claims costs nothing when none runs.
 */
export async function renewalClaims(db: Kysely<any>): Promise<void> {
  const columns = (await db.introspection.getTables()).find((t) => t.name === 'certificates')?.columns ?? [];
  // SQLite runs a migration outside a transaction: one stopped half-way is run again whole.
  if (!columns.some((c) => c.name === 'claimed_by'))
    await db.schema.alterTable('certificates').addColumn('claimed_by', 'text').execute();
  await db.schema
    .createIndex('certificates_claims')
    .ifNotExists()
    .on('certificates')
    .column('claimed_by')
    .where(sql.ref('claimed_by'), 'is not', null)
    .execute();
}
