import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from './db.js';
import { GroupCommit, stepWrites } from './group-commit.js';
import { decodeCursor, DEFAULT_PAGE, pageSize, toPage, type Page, type PageRequest } from './page.js';
import type { Database } from './schema.js';
import { json, parse, toJob, type Job, type JobEvent, type JobStatus, type StepRecord } from './job-records.js';

// The shapes live in job-records.ts; callers keep importing them from the job store.
export { TERMINAL } from './job-records.js';
export type { Job, JobEvent, JobStatus, StepRecord };

const now = () => new Date().toISOString();

/**
 * Durable jobs: every state change is written before the engine moves on, so a daemon
 * killed at any moment leaves enough behind for the next one to finish the job.
 */
export class JobStore {
  /** The running jobs' events and step records, one transaction per turn of the loop (see GroupCommit). */
  private readonly writes: GroupCommit;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {
    this.writes = new GroupCommit(db);
  }

  /**
   * Creates a queued job, or returns the existing one when the idempotency key was seen.
   * With `maxActive`, the tenant's queued and running jobs are counted and the job inserted
   * in one transaction (per tenant across daemons on PostgreSQL), so a burst of parallel
   * requests cannot slip past the quota: `tooMany` is thrown instead.
   */
  async create(j: {
    playbook: string;
    inputs: Record<string, unknown>;
    dryRun: boolean;
    tenantId: string | null;
    forTenant?: string | null;
    actedBy?: string | null;
    tokenId: string | null;
    idempotencyKey?: string | null;
    resource: string | null;
    target: string | null;
    language: 'en' | 'fr';
    maxActive?: { max: number; tooMany: (max: number) => Error };
  }): Promise<{ job: Job; created: boolean }> {
    if (j.idempotencyKey) {
      const existing = await this.byIdempotencyKey(j.idempotencyKey);
      if (existing) return { job: existing, created: false };
    }
    const row: Database['jobs'] = {
      id: randomUUID(),
      playbook: j.playbook,
      inputs: JSON.stringify(j.inputs),
      dry_run: j.dryRun ? 1 : 0,
      status: 'queued',
      tenant_id: j.tenantId,
      for_tenant: j.forTenant ?? j.tenantId,
      acted_by: j.actedBy ?? null,
      token_id: j.tokenId,
      idempotency_key: j.idempotencyKey ?? null,
      resource: j.resource,
      target: j.target,
      language: j.language,
      plan: null,
      result: null,
      secret_result: null,
      error: null,
      owner: null,
      lease_until: null,
      created_at: now(),
      started_at: null,
      finished_at: null,
    };
    const insert = (db: Kysely<Database>) => db.insertInto('jobs').values(row).execute();
    let refused: Error | undefined;
    try {
      const quota = j.maxActive;
      // Alone, not with the turn's other writes: a submission waiting behind a burst's step records answered
      // later, and 500 at once took twice as long to submit (bench/vhost.bench.ts).
      if (!quota || !j.tenantId) await insert(this.db);
      else {
        const tenantId = j.tenantId;
        await this.db.transaction().execute(async (trx) => {
          if (this.dialect === 'postgres')
            await sql`SELECT pg_advisory_xact_lock(7312002, hashtext(${tenantId}))`.execute(trx);
          const row = await trx
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('tenant_id', '=', tenantId)
            .where('status', 'in', ['queued', 'running'])
            .executeTakeFirstOrThrow();
          if (Number(row.n) >= quota.max) throw (refused = quota.tooMany(quota.max));
          await insert(trx);
        });
      }
    } catch (err) {
      if (refused) throw refused;
      // Two requests with one key at the same moment: the loser returns the winner's job.
      const existing = j.idempotencyKey ? await this.byIdempotencyKey(j.idempotencyKey) : undefined;
      if (existing) return { job: existing, created: false };
      throw err;
    }
    // The row as inserted: reading it back cost a query per job submitted.
    return { job: toJob(row), created: true };
  }

  async byIdempotencyKey(key: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
    return row && toJob(row);
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toJob(row);
  }

  /**
   * Recent jobs, newest first. `tenantId`: the jobs a tenant asked for; `forTenant`: every
   * job on that tenant's resources, whoever asked; `dryRun: false` leaves checks out.
   */
  async list(
    f: {
      tenantId?: string;
      forTenant?: string;
      dryRun?: boolean;
      status?: string;
      playbook?: string;
      resource?: string;
      limit?: number;
    } = {},
  ): Promise<Job[]> {
    return (await this.page({ ...f, limit: f.limit ?? DEFAULT_PAGE })).items;
  }

  /** One page of jobs, newest first (created_at, then id), and the cursor of the next: the API's and the CLI's list. */
  async page(
    f: {
      tenantId?: string;
      forTenant?: string;
      dryRun?: boolean;
      status?: string;
      playbook?: string;
      resource?: string;
      /** Only these jobs: a client waiting on many reads them in one request instead of one each. */
      ids?: readonly string[];
    } & PageRequest = {},
  ): Promise<Page<Job>> {
    const limit = pageSize(f.limit);
    let q = this.db.selectFrom('jobs').selectAll();
    if (f.ids) q = f.ids.length ? q.where('id', 'in', f.ids) : q.where(sql<boolean>`1 = 0`);
    if (f.cursor) {
      const [at, id] = decodeCursor(f.cursor, 2).map(String);
      q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]));
    }
    if (f.tenantId) q = q.where('tenant_id', '=', f.tenantId);
    if (f.forTenant) q = q.where('for_tenant', '=', f.forTenant);
    if (f.dryRun !== undefined) q = q.where('dry_run', '=', f.dryRun ? 1 : 0);
    if (f.resource) q = q.where('resource', '=', f.resource);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.playbook) q = q.where('playbook', '=', f.playbook);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, (r) => [r.created_at, r.id], toJob);
  }

  /**
   * Atomically takes up to `max` queued jobs for this daemon, respecting one running job
   * per resource and `perTarget` running jobs per target, across every daemon sharing
   * the database. PostgreSQL serialises claims with a transaction-scoped advisory lock;
   * SQLite has a single writer already.
   */
  async claim(owner: string, max: number, perTarget: (target: string) => number, leaseMs: number): Promise<Job[]> {
    if (max <= 0) return [];
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(7312001)`.execute(trx);
      const running = await trx
        .selectFrom('jobs')
        .select(['resource', 'target'])
        .where('status', '=', 'running')
        .execute();
      const busy = new Set(running.map((r) => r.resource).filter(Boolean));
      const perTargetCount = new Map<string, number>();
      for (const r of running) if (r.target) perTargetCount.set(r.target, (perTargetCount.get(r.target) ?? 0) + 1);
      // Only what picking reads: a burst claims again as each job ends, and every queued row's inputs read each time cost the loop more than the claim.
      const queued = await trx
        .selectFrom('jobs')
        .select(['id', 'resource', 'target'])
        .where('status', '=', 'queued')
        .orderBy('created_at')
        .limit(200)
        .execute();
      const picked: string[] = [];
      for (const j of queued) {
        if (picked.length >= max) break;
        if (j.resource && busy.has(j.resource)) continue;
        if (j.target && (perTargetCount.get(j.target) ?? 0) >= perTarget(j.target)) continue;
        picked.push(j.id);
        if (j.resource) busy.add(j.resource);
        if (j.target) perTargetCount.set(j.target, (perTargetCount.get(j.target) ?? 0) + 1);
      }
      if (picked.length === 0) return [];
      const startedAt = now();
      await trx
        .updateTable('jobs')
        .set({
          status: 'running',
          owner,
          lease_until: new Date((await this.clock(trx)) + leaseMs).toISOString(),
          started_at: startedAt,
        })
        .where('id', 'in', picked)
        .where('status', '=', 'queued')
        .execute();
      const rows = await trx
        .selectFrom('jobs')
        .selectAll()
        .where('id', 'in', picked)
        .where('owner', '=', owner)
        .execute();
      return rows.map(toJob);
    });
  }

  /**
   * Takes over running jobs whose daemon stopped renewing its lease (it died), so they
   * can be compensated. `everyOtherOwner` is for SQLite, where only one daemon runs.
   */
  async claimOrphans(owner: string, leaseMs: number, everyOtherOwner: boolean): Promise<Job[]> {
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(7312001)`.execute(trx);
      let q = trx.selectFrom('jobs').select('id').where('status', '=', 'running').where('owner', '!=', owner);
      const at = await this.clock(trx);
      if (!everyOtherOwner) q = q.where('lease_until', '<', new Date(at).toISOString());
      const ids = (await q.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      await trx
        .updateTable('jobs')
        .set({ owner, lease_until: new Date(at + leaseMs).toISOString() })
        .where('id', 'in', ids)
        .execute();
      return (await trx.selectFrom('jobs').selectAll().where('id', 'in', ids).execute()).map(toJob);
    });
  }

  /**
   * Milliseconds since the epoch by the clock leases are read against: PostgreSQL's, which
   * every daemon sharing the store reads alike, so a daemon whose clock jumped ahead does not
   * take the running jobs of the others for orphans (nor one behind keep a dead daemon's jobs).
   * SQLite: one daemon, its own clock.
   */
  private async clock(db: Kysely<Database>): Promise<number> {
    if (this.dialect !== 'postgres') return Date.now();
    const r = await sql<{ ms: string }>`SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms`.execute(
      db,
    );
    return Number(r.rows[0].ms);
  }

  /** Keeps this daemon's claim on its running jobs alive. */
  async renewLeases(owner: string, ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('jobs')
      .set({ lease_until: new Date((await this.clock(this.db)) + leaseMs).toISOString() })
      .where('owner', '=', owner)
      .where('id', 'in', ids)
      .execute();
  }

  async setPlan(id: string, plan: unknown): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ plan: json(plan) })
      .where('id', '=', id)
      .execute();
  }

  async finish(
    id: string,
    status: JobStatus,
    f: { result?: unknown; secretResult?: string | null; error?: unknown },
  ): Promise<void> {
    // Stored with the turn's other writes (one commit for the jobs ending together), before the caller goes on.
    await this.writes.write((db) =>
      db
        .updateTable('jobs')
        .set({
          status,
          result: json(f.result),
          secret_result: f.secretResult ?? null,
          error: json(f.error),
          finished_at: now(),
          lease_until: null,
        })
        .where('id', '=', id)
        .execute(),
    );
  }

  /** Erases the secret part of a result once it has been shown: it is never shown twice. */
  async takeSecretResult(id: string): Promise<string | null> {
    const row = await this.db.selectFrom('jobs').select('secret_result').where('id', '=', id).executeTakeFirst();
    if (!row?.secret_result) return null;
    const res = await this.db
      .updateTable('jobs')
      .set({ secret_result: null })
      .where('id', '=', id)
      .where('secret_result', '=', row.secret_result)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0 ? row.secret_result : null;
  }

  async steps(jobId: string): Promise<StepRecord[]> {
    const rows = await this.db.selectFrom('job_steps').selectAll().where('job_id', '=', jobId).orderBy('idx').execute();
    return rows.map((r) => ({
      idx: r.idx,
      name: r.name,
      action: r.action,
      status: r.status as StepRecord['status'],
      checkpoint: parse(r.checkpoint),
      output: parse(r.output),
      error: r.error,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }

  /** Each step's name, action and status, in order: what a job's audit line lists, without its checkpoint and output to parse. */
  async stepStatuses(jobId: string): Promise<Pick<StepRecord, 'name' | 'action' | 'status'>[]> {
    const rows = await this.db
      .selectFrom('job_steps')
      .select(['name', 'action', 'status'])
      .where('job_id', '=', jobId)
      .orderBy('idx')
      .execute();
    return rows.map((r) => ({ name: r.name, action: r.action, status: r.status as StepRecord['status'] }));
  }

  async startStep(jobId: string, idx: number, name: string, action: string): Promise<void> {
    await this.writes.write((db, s) => stepWrites.start(db, s, jobId, idx, name, action));
  }

  async checkpointStep(jobId: string, idx: number, checkpoint: unknown): Promise<void> {
    await this.writes.write((db, s) => stepWrites.update(db, s, jobId, idx, { checkpoint: json(checkpoint) }));
  }

  async endStep(
    jobId: string,
    idx: number,
    status: StepRecord['status'],
    f: { output?: unknown; error?: string } = {},
  ): Promise<void> {
    const set = { status, output: json(f.output), error: f.error ?? null, finished_at: now() };
    await this.writes.write((db, s) => stepWrites.update(db, s, jobId, idx, set));
  }

  async setStepStatus(jobId: string, idx: number, status: StepRecord['status'], error?: string): Promise<void> {
    await this.writes.write((db, s) => stepWrites.update(db, s, jobId, idx, { status, ...(error ? { error } : {}) }));
  }

  async addEvent(jobId: string, kind: string, message: string, data?: unknown): Promise<void> {
    await this.writes.event({ job_id: jobId, at: now(), kind, message, data: json(data) });
  }

  async events(jobId: string, afterId = 0): Promise<JobEvent[]> {
    const rows = await this.db
      .selectFrom('job_events')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('id', '>', afterId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      jobId: r.job_id,
      at: r.at,
      kind: r.kind,
      message: r.message,
      data: parse(r.data),
    }));
  }
}
