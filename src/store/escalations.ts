import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from './db.js';
import type { Database } from './schema.js';
import type { ConversationStep, EscalationData, EscalationSignal, Resolution, Suggestion } from './conversation.js';

export * from './conversation.js';

/** Where an escalation stands for admins: waiting for one, taken by one, or over. */
export type EscalationState = 'open' | 'taken' | 'resolved';

/**
 * An escalation, as admins list it. It is also the conversation the client reads
 * (src/store/conversation.ts): one row per tenant and problem from the first sighting
 * to the all-clear; admins see it once `escalatedAt` is set.
 */
export interface Escalation extends EscalationData {
  id: string;
  tenantId: string;
  /** The subject: `site:<name>` (its certificate: blocked renewal, drift, failed issuance), `request:<subject>`, `operation:<playbook>`. */
  problem: string;
  state: EscalationState;
  takenBy: string | null;
  openedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  /** When admins were handed it; null while only the client was told (the drift watch's first days). */
  escalatedAt: string | null;
}

type Row = Database['escalations'];

const toEscalation = (r: Row): Escalation => {
  const d = JSON.parse(r.data) as Partial<EscalationData>;
  return {
    id: r.id,
    tenantId: r.tenant_id,
    problem: r.problem,
    state: r.state as EscalationState,
    takenBy: r.taken_by,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    resolvedAt: r.resolved_at,
    escalatedAt: r.escalated_at,
    summary: d.summary ?? '',
    signals: d.signals ?? [],
    suggestion: d.suggestion ?? null,
    done: d.done ?? null,
    // Rows written before conversations (migration 0011) read as escalated, never told.
    steps: d.steps ?? [{ at: r.opened_at, kind: 'noticed' }],
    ...(d.cause ? { cause: d.cause } : {}),
    ...(d.cameBack ? { cameBack: d.cameBack } : {}),
    ...(d.resolution ? { resolution: d.resolution } : {}),
    ...(d.fixToSend ? { fixToSend: d.fixToSend } : {}),
    ...(d.adminsAlerted ? { adminsAlerted: d.adminsAlerted } : {}),
  };
};

const dataOf = (e: EscalationData): string => {
  const { summary, signals, suggestion, done, steps, cause, cameBack, resolution, fixToSend, adminsAlerted } = e;
  return JSON.stringify({
    summary,
    signals,
    suggestion,
    done,
    steps,
    cause,
    cameBack,
    resolution,
    fixToSend,
    adminsAlerted,
  });
};

/** The later of two ISO times: "last updated" never moves backwards when an older signal arrives late. */
const later = (a: string, b: string) => (a > b ? a : b);

/** What opening or joining a conversation did: `opened` a new one, `escalated` handed it to admins just now. */
export interface Signalled {
  escalation: Escalation;
  opened: boolean;
  escalated: boolean;
}

/** How a signal is recorded: the admin summary (kept from the first signal), the suggestion, and whether admins are handed it now. */
export interface SignalOptions {
  summary: string;
  suggestion?: Suggestion | null;
  /** Hand it to admins now (default); false: the client is told first, admins later (the drift watch). */
  escalate?: boolean;
  cause?: EscalationData['cause'];
  fixToSend?: EscalationData['fixToSend'] | null;
  /** Admins already heard of it through other alerts (a renewal failure): the end is told to them too. */
  adminsAlerted?: boolean;
}

/**
 * Escalations and conversations kept across restarts and daemons. One unresolved row per
 * tenant and problem is guaranteed by a unique key that is cleared when it is resolved, so
 * two signals arriving at once still make one conversation; a problem that comes back
 * after its end opens a new one that says so (`cameBack`).
 */
export class EscalationStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect = 'sqlite',
  ) {}

  /**
   * A row read to be rewritten in the same transaction: on PostgreSQL it stays locked
   * until the transaction ends, so two daemons changing one conversation at once each
   * add their part (its data is one JSON text: the second write would otherwise replace
   * the first's). SQLite lets one writer in at a time already.
   */
  private locked(trx: Transaction<Database>, id: string) {
    const q = trx.selectFrom('escalations').selectAll().where('id', '=', id);
    return this.dialect === 'postgres' ? q.forUpdate() : q;
  }

  /** Opens the tenant's conversation for this problem, or adds the signals to the one already open. */
  async signal(tenantId: string, problem: string, signals: EscalationSignal[], o: SignalOptions): Promise<Signalled> {
    const openKey = `${tenantId}|${problem}`;
    const at = signals.reduce((m, s) => later(m, s.at), signals[0].at);
    const escalate = o.escalate ?? true;
    const previous = await this.db
      .selectFrom('escalations')
      .select(['id', 'resolved_at'])
      .where('tenant_id', '=', tenantId)
      .where('problem', '=', problem)
      .where('state', '=', 'resolved')
      .orderBy('resolved_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const steps: ConversationStep[] = [
      { at, kind: previous ? 'came-back' : 'noticed' },
      ...(escalate ? [{ at, kind: 'handed-over' as const }] : []),
    ];
    const data: EscalationData = {
      summary: o.summary,
      signals: dedupe([], signals),
      suggestion: o.suggestion ?? null,
      done: null,
      steps,
      cause: o.cause,
      cameBack: previous ? { from: previous.id, resolvedAt: previous.resolved_at! } : undefined,
      fixToSend: o.fixToSend ?? undefined,
      adminsAlerted: o.adminsAlerted || undefined,
    };
    const inserted = await this.db
      .insertInto('escalations')
      .values({
        id: randomUUID(),
        tenant_id: tenantId,
        problem,
        open_key: openKey,
        state: 'open',
        taken_by: null,
        opened_at: at,
        updated_at: at,
        resolved_at: null,
        escalated_at: escalate ? at : null,
        done_job_id: null,
        data: dataOf(data),
      })
      .onConflict((oc) => oc.column('open_key').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0)
      return { escalation: (await this.byKey(openKey))!, opened: true, escalated: escalate };
    return this.db.transaction().execute(async (trx) => {
      const q = trx.selectFrom('escalations').selectAll().where('open_key', '=', openKey);
      const e = toEscalation(await (this.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirstOrThrow());
      const escalatedNow = escalate && !e.escalatedAt;
      // The first summary stays (a sweep's later one would lose "3 times"); every signal is kept once.
      const next: EscalationData = {
        ...e,
        signals: dedupe(e.signals, signals).slice(-50),
        suggestion: o.suggestion === undefined ? e.suggestion : o.suggestion,
        cause: o.cause ?? e.cause,
        fixToSend: o.fixToSend === undefined ? e.fixToSend : (o.fixToSend ?? undefined),
        adminsAlerted: e.adminsAlerted || o.adminsAlerted || undefined,
        steps: escalatedNow ? [...e.steps, { at, kind: 'handed-over' }] : e.steps,
      };
      const updatedAt = later(e.updatedAt, at);
      await trx
        .updateTable('escalations')
        .set({ data: dataOf(next), updated_at: updatedAt, ...(escalatedNow ? { escalated_at: at } : {}) })
        .where('id', '=', e.id)
        .execute();
      return {
        escalation: { ...e, ...next, updatedAt, escalatedAt: e.escalatedAt ?? (escalatedNow ? at : null) },
        opened: false,
        escalated: escalatedNow,
      };
    });
  }

  private async byKey(openKey: string): Promise<Escalation | undefined> {
    const r = await this.db.selectFrom('escalations').selectAll().where('open_key', '=', openKey).executeTakeFirst();
    return r && toEscalation(r);
  }

  /** The tenant's unresolved conversation about this problem, escalated or not. */
  async openFor(tenantId: string, problem: string): Promise<Escalation | undefined> {
    return this.byKey(`${tenantId}|${problem}`);
  }

  async get(id: string): Promise<Escalation | undefined> {
    const r = await this.db.selectFrom('escalations').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toEscalation(r);
  }

  /** What admins list, newest first: escalated ones, unresolved unless a state is asked. */
  async list(f: { state?: EscalationState; tenantId?: string; limit?: number } = {}): Promise<Escalation[]> {
    let q = this.db.selectFrom('escalations').selectAll().where('escalated_at', 'is not', null);
    q = f.state ? q.where('state', '=', f.state) : q.where('state', '!=', 'resolved');
    if (f.tenantId) q = q.where('tenant_id', '=', f.tenantId);
    return (
      await q
        .orderBy('updated_at', 'desc')
        .limit(f.limit ?? 200)
        .execute()
    ).map(toEscalation);
  }

  /** A tenant's conversations, escalated or not: the open ones and those resolved since `since`, newest first. */
  async conversations(tenantId: string, since: string, limit = 50): Promise<Escalation[]> {
    const rows = await this.db
      .selectFrom('escalations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('state', '!=', 'resolved'), eb('resolved_at', '>=', since)]))
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toEscalation);
  }

  /** Unresolved conversations of every tenant (the watch's sweep: reminders, causes gone). */
  async unresolved(limit = 1000): Promise<Escalation[]> {
    return (
      await this.db
        .selectFrom('escalations')
        .selectAll()
        .where('state', '!=', 'resolved')
        .orderBy('opened_at')
        .limit(limit)
        .execute()
    ).map(toEscalation);
  }

  /** Escalations resolved by a job an admin ran for the tenant, newest first (what the client's page says was done for them). */
  async doneFor(tenantId: string, since: string): Promise<Escalation[]> {
    const rows = await this.db
      .selectFrom('escalations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('state', '=', 'resolved')
      .where('resolved_at', '>=', since)
      .orderBy('resolved_at', 'desc')
      .limit(20)
      .execute();
    return rows.map(toEscalation).filter((e) => e.done?.status === 'succeeded' && e.resolution?.by !== 'client');
  }

  /** An admin takes it: `by` as admins read it (label and token), `name` as the client reads it (the label). */
  async take(id: string, by: string, at: string, name = by): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await this.locked(trx, id).executeTakeFirst();
      if (!r || r.state === 'resolved') return false;
      const e = toEscalation(r);
      const data = { ...e, steps: [...e.steps, { at, kind: 'taken' as const, by: name }] };
      await trx
        .updateTable('escalations')
        .set({
          state: 'taken',
          taken_by: by,
          updated_at: later(e.updatedAt, at),
          escalated_at: e.escalatedAt ?? at,
          data: dataOf(data),
        })
        .where('id', '=', id)
        .execute();
      return true;
    });
  }

  /** Ends it, with why and who ended the cause; false when it was already over (the first end wins). */
  async resolve(id: string, at: string, resolution?: Omit<Resolution, 'at'>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await this.locked(trx, id).executeTakeFirst();
      if (!r || r.state === 'resolved') return false;
      const e = toEscalation(r);
      const res: Resolution = {
        at,
        ...(resolution ?? { by: 'team', what: 'resolved', reason: 'resolved by an admin' }),
      };
      const data = { ...e, resolution: res, steps: [...e.steps, { at, kind: 'resolved' as const, by: res.byName }] };
      const done = await trx
        .updateTable('escalations')
        .set({
          state: 'resolved',
          open_key: null,
          resolved_at: at,
          updated_at: later(e.updatedAt, at),
          data: dataOf(data),
        })
        .where('id', '=', id)
        .where('state', '!=', 'resolved')
        .executeTakeFirst();
      return Number(done.numUpdatedRows) > 0;
    });
  }

  /**
   * Changes what a conversation carries (a step, the suggestion, the job done for them), in
   * one transaction on the row as it is now; `change` returning null leaves it as it is
   * (then undefined is returned).
   */
  async update(
    id: string,
    at: string,
    change: (e: Escalation) => Partial<EscalationData> | null,
  ): Promise<Escalation | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const r = await this.locked(trx, id).executeTakeFirst();
      if (!r) return undefined;
      const e = toEscalation(r);
      const changed = change(e);
      if (!changed) return undefined;
      const next = { ...e, ...changed };
      const updatedAt = later(e.updatedAt, at);
      await trx
        .updateTable('escalations')
        .set({ data: dataOf(next), updated_at: updatedAt, done_job_id: next.done?.jobId ?? null })
        .where('id', '=', id)
        .execute();
      return { ...next, updatedAt };
    });
  }

  /** Records the job run on the tenant's behalf (and, later, how it ended). */
  async setDone(id: string, done: Escalation['done'], at: string): Promise<void> {
    await this.update(id, at, (e) => ({
      done,
      steps: done && !done.status ? [...e.steps, { at, kind: 'doing' as const, by: done.byName ?? done.by }] : e.steps,
    }));
  }

  /**
   * Records how the job done for them ended; true only for the one caller that recorded it
   * (the watch that saw it end, or the click that found it already ended), so what follows
   * (the operation after it, the all-clear) happens once.
   */
  async finishDone(id: string, jobId: string, status: string, at: string): Promise<boolean> {
    let mine = false;
    await this.update(id, at, (e) => {
      if (e.done?.jobId !== jobId || e.done.status) return null;
      mine = true;
      return { done: { ...e.done, status } };
    });
    return mine;
  }

  /** The unresolved escalation whose "do it for them" job this is, if any (any tenant: not every job names the tenant it is for). */
  async byDoneJob(jobId: string): Promise<Escalation | undefined> {
    const r = await this.db
      .selectFrom('escalations')
      .selectAll()
      .where('done_job_id', '=', jobId)
      .where('state', '!=', 'resolved')
      .executeTakeFirst();
    return r && toEscalation(r);
  }
}

/** Signals not already recorded: a job is one line whatever watch saw it (a failure, then the sweep's "no success"). */
function dedupe(have: EscalationSignal[], fresh: EscalationSignal[]): EscalationSignal[] {
  const out = [...have];
  for (const n of fresh) {
    const seen = out.some((o) =>
      n.jobId ? o.jobId === n.jobId : o.kind === n.kind && o.at === n.at && o.message === n.message,
    );
    if (!seen) out.push(n);
  }
  return out;
}
