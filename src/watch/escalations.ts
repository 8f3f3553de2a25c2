import { createHash } from 'node:crypto';
import type { AlertInput, RaiseAlert } from '../alerts.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { SendMail } from '../notify/mailer.js';
import { escapeHtml, nameOf, type ClientNotices } from '../notify/notices.js';
import { doneForThem } from '../notify/watch-messages.js';
import type { Escalation, EscalationSignal, Suggestion } from '../store/escalations.js';
import type { Job } from '../store/jobs.js';
import type { Store } from '../store/store.js';

declare module '../engine/action.js' {
  interface Services {
    /** Stuck clients handed to a human: signals in, one escalation per tenant and problem out. */
    readonly escalations: Escalations;
  }
}

/** What an escalation needs: the store, the config, how admins are alerted and emailed, how clients are told. */
export interface EscalationDeps {
  store: Store;
  config: Config;
  logger: Logger;
  /** The admin feed and webhooks (not the client-notice wrapper: an escalation is for admins). */
  raise: RaiseAlert;
  mailer?: SendMail;
  notices?: ClientNotices;
}

/** The problem a job is about, for "one escalation per tenant and problem": the operation. */
export const problemOfJob = (job: Pick<Job, 'playbook'>) => `operation:${job.playbook}`;

/** A job's attempt as an admin reads it: when, what, and the diagnosis it recorded. */
export function attemptOf(job: Job, kind: EscalationSignal['kind'], message?: string): EscalationSignal {
  const e = job.error;
  return {
    at: job.finishedAt ?? job.createdAt,
    kind,
    message: message ?? `${job.playbook} ${job.status}${e ? `: ${e.message}` : ''}`,
    jobId: job.id,
    playbook: job.playbook,
    diagnosis: e ? { code: e.code, message: e.message, hint: e.hint, detail: e.detail } : undefined,
  };
}

/**
 * Opens escalations when a client is stuck and hands them to an admin with what they need
 * to act in seconds: the tenant, each attempt with its diagnosis, the client's own words,
 * and the operation to run for them. One escalation per tenant and problem; later signals
 * are added to it, and only its opening is delivered (admin feed, Slack-compatible
 * webhooks, admin emails), so a stuck client means one message, not a flood.
 */
export class Escalations {
  constructor(
    private readonly deps: EscalationDeps,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Adds signals to the tenant's escalation for this problem, opening (and delivering) it when none is open. */
  async signal(tenantId: string, problem: string, signals: EscalationSignal[], o: { summary: string; suggestion?: Suggestion | null }): Promise<Escalation> {
    const { escalation, opened } = await this.deps.store.escalations.signal(tenantId, problem, signals, o);
    if (opened) await this.deliver(escalation);
    return escalation;
  }

  /** Hears every admin alert: a request handed to a human (and its words of frustration) is a signal. */
  async afterAlert(a: AlertInput): Promise<void> {
    if (a.kind !== 'request-handoff' || !a.tenantId) return;
    try {
      const d = (a.detail ?? {}) as { text?: unknown; language?: unknown; frustrated?: unknown; proposal?: { playbook?: unknown; inputs?: unknown } | null };
      const text = typeof d.text === 'string' ? d.text : a.message;
      const frustrated = d.frustrated === true;
      // Words of frustration are most likely about what is already open for this client: added there.
      const open = frustrated ? (await this.deps.store.escalations.list({ tenantId: a.tenantId }))[0] : undefined;
      const signal: EscalationSignal = { at: this.clock().toISOString(), kind: frustrated ? 'frustrated' : 'request-handoff', message: a.message, words: { text, language: typeof d.language === 'string' ? d.language : undefined } };
      // What serein understood of the words, when it did, is the operation to run for them.
      const p = d.proposal;
      const suggestion = p && typeof p.playbook === 'string' && p.inputs && typeof p.inputs === 'object' ? { playbook: p.playbook, inputs: p.inputs as Record<string, unknown> } : undefined;
      await this.signal(a.tenantId, open?.problem ?? 'request', [signal], { summary: open?.summary ?? `${a.tenantId} asked for something serein cannot do alone: "${text}"`, suggestion });
    } catch (err) {
      this.deps.logger.warn({ alert: { kind: a.kind }, err: (err as Error).message }, 'could not record the escalation signal');
    }
  }

  /** Records that an admin started the suggested operation for the tenant (the escalation is then taken by them). */
  async started(e: Escalation, job: Job, by: string): Promise<void> {
    const at = this.clock().toISOString();
    if (e.state === 'open') await this.deps.store.escalations.take(e.id, by, at);
    await this.deps.store.escalations.setDone(e.id, { jobId: job.id, by, at }, at);
  }

  /** A "do it for them" job ended: success resolves the escalation and tells the client; failure is one more attempt. */
  async doneJobFinished(job: Job): Promise<boolean> {
    const e = await this.deps.store.escalations.byDoneJob(job.id);
    if (!e?.done) return false;
    const tenantId = e.tenantId;
    const at = this.clock().toISOString();
    await this.deps.store.escalations.setDone(e.id, { ...e.done, status: job.status }, at);
    if (job.status !== 'succeeded') {
      await this.deps.store.escalations.signal(tenantId, e.problem, [attemptOf(job, 'failures', `run for the client by ${e.done.by}: ${job.status}${job.error ? `: ${job.error.message}` : ''}`)], { summary: e.summary });
      return true;
    }
    await this.deps.store.escalations.resolve(e.id, at);
    const name = nameOf(job);
    await this.deps.notices?.tell(`done:${e.id}`, tenantId, false, (lang) => doneForThem(lang, { playbook: job.playbook, name, at }));
    return true;
  }

  /** Tells the client something in their language (src/notify), at most once a day per key; nothing when mail is off. */
  async tellClient(...args: Parameters<ClientNotices['tell']>): Promise<void> {
    await this.deps.notices?.tell(...args);
  }

  private async deliver(e: Escalation): Promise<void> {
    const tenant = await this.deps.store.tenants.get(e.tenantId);
    const text = describe(e, tenant ? `${tenant.id} (${tenant.name})` : e.tenantId);
    await this.deps.raise({ kind: 'escalation', tenantId: e.tenantId, subject: `escalation:${e.id}`, message: text, detail: { escalationId: e.id, problem: e.problem, signals: e.signals, suggestion: e.suggestion, failures: e.signals.filter((s) => s.jobId).map((s) => ({ jobId: s.jobId, playbook: s.playbook, ...s.diagnosis })) } });
    const { mailer, config, logger } = this.deps;
    if (!mailer || !config.alerts.emails.length) return;
    try {
      const subject = `[serein] ${tenant?.name ?? e.tenantId} needs a hand: ${e.summary}`.slice(0, 200);
      const html = `<!doctype html><html><body><pre style="font-family: sans-serif; white-space: pre-wrap">${escapeHtml(text)}</pre></body></html>`;
      await Promise.all(config.alerts.emails.map((to) => mailer.send({ to, subject, text: `${text}\n`, html, language: 'en' })));
    } catch (err) {
      logger.warn({ escalation: e.id, err: (err as Error).message }, 'could not email the escalation to admins');
    }
  }
}

/**
 * A suggestion's fingerprint: its operation and inputs, keys sorted. "Do it for them" names
 * the one the admin reviewed, so a suggestion replaced since (by a later failure or
 * request) is refused rather than run: what the admin clicked is what runs.
 */
export function suggestionVersion(s: Suggestion): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sorted(x)])) : v;
  return createHash('sha256').update(JSON.stringify(sorted({ playbook: s.playbook, inputs: s.inputs }))).digest('hex').slice(0, 16);
}

/** The escalation in a few lines an admin reads in seconds (webhooks, emails, the admin feed). */
export function describe(e: Escalation, tenant: string): string {
  const lines = [`${tenant} is stuck: ${e.summary}`];
  for (const s of e.signals) {
    lines.push(`• ${s.at.slice(0, 16).replace('T', ' ')} UTC: ${s.message}${s.diagnosis?.hint ? ` (fix: ${s.diagnosis.hint})` : ''}`);
    if (s.words) lines.push(`  the client wrote: "${s.words.text}"`);
  }
  if (e.suggestion) lines.push(`Suggested, with the client's rights: ${e.suggestion.playbook} ${JSON.stringify(e.suggestion.inputs)}. "Do it for them": serein escalation do ${e.id} --suggestion ${suggestionVersion(e.suggestion)}`);
  return lines.join('\n');
}
