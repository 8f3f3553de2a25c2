import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Where an escalation stands: waiting for an admin, taken by one, or over. */
export type EscalationState = 'open' | 'taken' | 'resolved';

/** One reason the client looks stuck, as it happened: what was tried, when, and what was found. */
export interface EscalationSignal {
  at: string;
  /** failures: the same operation failed repeatedly; needs-attention: an undo failed; no-success: a failure never followed by a success; request-handoff / frustrated: the client's own words; drift: a renewal that will fail, not fixed in time. */
  kind: 'failures' | 'needs-attention' | 'no-success' | 'request-handoff' | 'frustrated' | 'drift';
  /** One line for the admin. */
  message: string;
  jobId?: string;
  playbook?: string;
  /** The diagnosis of that attempt, as the job recorded it. */
  diagnosis?: { code?: string; message?: string; hint?: string; detail?: unknown };
  /** The client's words, when the signal came from a request. */
  words?: { text: string; language?: string };
}

/** The operation an admin can run for the client with one click, with its inputs. */
export interface Suggestion { playbook: string; inputs: Record<string, unknown> }

/** An escalation, as admins list it. */
export interface Escalation {
  id: string;
  tenantId: string;
  problem: string;
  state: EscalationState;
  takenBy: string | null;
  openedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  summary: string;
  signals: EscalationSignal[];
  suggestion: Suggestion | null;
  /** "Do it for them": the job an admin started on the tenant's behalf. */
  done: { jobId: string; by: string; at: string; status?: string } | null;
}

type Data = Pick<Escalation, 'summary' | 'signals' | 'suggestion' | 'done'>;
type Row = Database['escalations'];

const toEscalation = (r: Row): Escalation => ({
  id: r.id,
  tenantId: r.tenant_id,
  problem: r.problem,
  state: r.state as EscalationState,
  takenBy: r.taken_by,
  openedAt: r.opened_at,
  updatedAt: r.updated_at,
  resolvedAt: r.resolved_at,
  ...(JSON.parse(r.data) as Data),
});

/**
 * Escalations kept across restarts and daemons. One unresolved escalation per tenant and
 * problem is guaranteed by a unique key that is cleared when it is resolved, so two
 * signals arriving at once still make one escalation.
 */
export class EscalationStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Opens the tenant's escalation for this problem, or adds the signals to the one already open; `opened` says which. */
  async signal(tenantId: string, problem: string, signals: EscalationSignal[], o: { summary: string; suggestion?: Suggestion | null }): Promise<{ escalation: Escalation; opened: boolean }> {
    const openKey = `${tenantId}|${problem}`;
    const s = signals[signals.length - 1];
    const data: Data = { summary: o.summary, signals, suggestion: o.suggestion ?? null, done: null };
    const inserted = await this.db
      .insertInto('escalations')
      .values({ id: randomUUID(), tenant_id: tenantId, problem, open_key: openKey, state: 'open', taken_by: null, opened_at: s.at, updated_at: s.at, resolved_at: null, data: JSON.stringify(data) })
      .onConflict((oc) => oc.column('open_key').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { escalation: (await this.byKey(openKey))!, opened: true };
    const escalation = await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('escalations').selectAll().where('open_key', '=', openKey).executeTakeFirstOrThrow();
      const e = toEscalation(row);
      // A signal already recorded (the same job seen twice) is not added again.
      const fresh = signals.filter((n) => !e.signals.some((o) => o.kind === n.kind && o.at === n.at && o.jobId === n.jobId));
      const next: Data = { summary: o.summary, signals: [...e.signals, ...fresh].slice(-50), suggestion: o.suggestion ?? e.suggestion, done: e.done };
      await trx.updateTable('escalations').set({ data: JSON.stringify(next), updated_at: s.at }).where('id', '=', e.id).execute();
      return { ...e, ...next, updatedAt: s.at };
    });
    return { escalation, opened: false };
  }

  private async byKey(openKey: string): Promise<Escalation | undefined> {
    const r = await this.db.selectFrom('escalations').selectAll().where('open_key', '=', openKey).executeTakeFirst();
    return r && toEscalation(r);
  }

  async get(id: string): Promise<Escalation | undefined> {
    const r = await this.db.selectFrom('escalations').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toEscalation(r);
  }

  /** Newest first; unresolved ones unless a state is asked. */
  async list(f: { state?: EscalationState; tenantId?: string; limit?: number } = {}): Promise<Escalation[]> {
    let q = this.db.selectFrom('escalations').selectAll();
    q = f.state ? q.where('state', '=', f.state) : q.where('state', '!=', 'resolved');
    if (f.tenantId) q = q.where('tenant_id', '=', f.tenantId);
    return (await q.orderBy('updated_at', 'desc').limit(f.limit ?? 200).execute()).map(toEscalation);
  }

  /** Escalations resolved by a job an admin ran for the tenant, newest first (what the client's page says was done for them). */
  async doneFor(tenantId: string, since: string): Promise<Escalation[]> {
    const rows = await this.db.selectFrom('escalations').selectAll().where('tenant_id', '=', tenantId).where('state', '=', 'resolved').where('resolved_at', '>=', since).orderBy('resolved_at', 'desc').limit(20).execute();
    return rows.map(toEscalation).filter((e) => e.done?.status === 'succeeded');
  }

  async take(id: string, by: string, at: string): Promise<boolean> {
    const res = await this.db.updateTable('escalations').set({ state: 'taken', taken_by: by, updated_at: at }).where('id', '=', id).where('state', '!=', 'resolved').executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async resolve(id: string, at: string): Promise<boolean> {
    const res = await this.db.updateTable('escalations').set({ state: 'resolved', open_key: null, resolved_at: at, updated_at: at }).where('id', '=', id).where('state', '!=', 'resolved').executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Records the job run on the tenant's behalf (and, later, how it ended). */
  async setDone(id: string, done: Escalation['done'], at: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('escalations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const e = toEscalation(row);
      const data: Data = { summary: e.summary, signals: e.signals, suggestion: e.suggestion, done };
      await trx.updateTable('escalations').set({ data: JSON.stringify(data), updated_at: at }).where('id', '=', id).execute();
    });
  }

  /** The unresolved escalation whose "do it for them" job this is, if any (any tenant: not every job names the tenant it is for). */
  async byDoneJob(jobId: string): Promise<Escalation | undefined> {
    return (await this.list({ limit: 1000 })).find((e) => e.done?.jobId === jobId);
  }
}

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
      .values({ certificate_id: certificateId, tenant_id: tenantId, name, first_seen: now, last_seen: now, escalated: 0, data })
      .onConflict((oc) => oc.column('certificate_id').doUpdateSet({ last_seen: now, data }))
      .execute();
    return (await this.get(certificateId))!;
  }

  async get(certificateId: string): Promise<DriftFinding | undefined> {
    const r = await this.db.selectFrom('drift_findings').selectAll().where('certificate_id', '=', certificateId).executeTakeFirst();
    return r && toFinding(r);
  }

  async list(tenantId?: string): Promise<DriftFinding[]> {
    let q = this.db.selectFrom('drift_findings').selectAll();
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    return (await q.orderBy('first_seen').execute()).map(toFinding);
  }

  async markEscalated(certificateId: string): Promise<void> {
    await this.db.updateTable('drift_findings').set({ escalated: 1 }).where('certificate_id', '=', certificateId).execute();
  }

  /** The problem is gone (or the certificate is): forget it. */
  async clear(certificateId: string): Promise<void> {
    await this.db.deleteFrom('drift_findings').where('certificate_id', '=', certificateId).execute();
  }
}

function toFinding(r: Database['drift_findings']): DriftFinding {
  const rest = JSON.parse(r.data) as Pick<DriftFinding, 'problems' | 'renewAfter' | 'notAfter'>;
  return { certificateId: r.certificate_id, tenantId: r.tenant_id, name: r.name, firstSeen: r.first_seen, lastSeen: r.last_seen, escalated: !!r.escalated, ...rest };
}
