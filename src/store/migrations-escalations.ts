import type { Kysely } from 'kysely';

/** An escalation row as these migrations read it. */
interface Row {
  id: string;
  tenant_id: string;
  problem: string;
  state: string;
  data: string;
}

/**
 * 0015: the job an admin started for the tenant ("do it for them") in a column of its own,
 * indexed, so the end of every job finds its escalation in one indexed read, at any
 * number of open escalations (it read and parsed up to 1,000 rows, and missed the rest).
 */
export async function escalationDoneJob(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('escalations').addColumn('done_job_id', 'text').execute();
  await db.schema.createIndex('escalations_done_job').on('escalations').column('done_job_id').execute();
  const rows: Pick<Row, 'id' | 'data'>[] = await db
    .selectFrom('escalations')
    .select(['id', 'data'])
    .where('state', '!=', 'resolved')
    .execute();
  for (const r of rows) {
    const jobId = (JSON.parse(r.data) as { done?: { jobId?: string } | null }).done?.jobId;
    if (jobId) await db.updateTable('escalations').set({ done_job_id: jobId }).where('id', '=', r.id).execute();
  }
}

/**
 * 0016: a site's conversation is `site:<name>` whatever noticed it; escalations the drift
 * watch opened before were `drift:<name>` and nothing would ever find them again. Each
 * takes the site's key (with the drift as its cause, so the daily check that sees the
 * domain fixed ends it), or is resolved when the site already has an open conversation
 * (that one goes on). And the reminders of untaken escalations, new with this version,
 * start with the escalations handed over from now: those already open were delivered
 * under the old rules, and every one of them would be due at the first sweep at once.
 */
export async function siteProblems(db: Kysely<any>): Promise<void> {
  const at = new Date().toISOString();
  const drift: Row[] = await db
    .selectFrom('escalations')
    .select(['id', 'tenant_id', 'problem', 'state', 'data'])
    .where('problem', 'like', 'drift:%')
    .execute();
  for (const r of drift) {
    const name = r.problem.slice('drift:'.length);
    const problem = `site:${name}`;
    if (r.state === 'resolved') {
      await db.updateTable('escalations').set({ problem }).where('id', '=', r.id).execute();
      continue;
    }
    const openKey = `${r.tenant_id}|${problem}`;
    const data = JSON.parse(r.data) as { cause?: unknown; steps?: unknown[]; resolution?: unknown };
    const open = await db.selectFrom('escalations').select('id').where('open_key', '=', openKey).executeTakeFirst();
    if (open) {
      const resolution = {
        at,
        by: 'serein',
        what: 'resolved',
        reason: `the site's conversation about ${name} goes on (${open.id})`,
      };
      const merged = {
        ...data,
        resolution,
        steps: [...(data.steps ?? [{ at, kind: 'noticed' }]), { at, kind: 'resolved' }],
      };
      await db
        .updateTable('escalations')
        .set({
          problem,
          open_key: null,
          state: 'resolved',
          resolved_at: at,
          updated_at: at,
          data: JSON.stringify(merged),
        })
        .where('id', '=', r.id)
        .execute();
    } else {
      const kept = { ...data, cause: data.cause ?? { kind: 'drift', site: name } };
      await db
        .updateTable('escalations')
        .set({ problem, open_key: openKey, data: JSON.stringify(kept) })
        .where('id', '=', r.id)
        .execute();
    }
  }
  const untaken: Pick<Row, 'id' | 'tenant_id'>[] = await db
    .selectFrom('escalations')
    .select(['id', 'tenant_id'])
    .where('state', '=', 'open')
    .where('escalated_at', 'is not', null)
    .execute();
  for (const r of untaken) {
    for (const n of [1, 2]) {
      await db
        .insertInto('client_notices')
        .values({ key: `remind:${r.id}:${n}`, tenant_id: r.tenant_id, sent_at: at })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
  }
}
