import type { AlertInput, RaiseAlert } from '../alerts.js';
import type { Config } from '../config/schema.js';
import type { Language } from '../errors.js';
import type { Logger } from '../log.js';
import type { SendMail } from '../notify/mailer.js';
import type { Message } from '../notify/messages.js';
import { escapeHtml, nameOf, type ClientNotices } from '../notify/notices.js';
import { allClear, answered, fixSent, takenCare, type AllClear } from '../notify/watch-messages.js';
import {
  stageOf,
  type Escalation,
  type EscalationSignal,
  type Resolution,
  type SignalOptions,
  type Suggestion,
} from '../store/escalations.js';
import type { Job } from '../store/jobs.js';
import type { Store } from '../store/store.js';
import { attemptOf, describe } from './describe.js';
import { renewalFailed } from './renewals.js';
import type { Then } from './then.js';

export {
  attemptOf,
  describe,
  problemOfJob,
  problemOfSite,
  siteOfJob,
  suggestionLine,
  suggestionVersion,
} from './describe.js';

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

/** A claim that is taken once and never again (one email per change of state, one reminder per step). */
export const ONCE_MS = 100 * 365 * 86_400_000;

/**
 * One conversation per tenant and problem, from the first sighting to the all-clear, and
 * the escalation admins act on when it needs a person. The client and the admins read the
 * same row (stages: noticed → told → handling → resolved, src/store/conversation.ts):
 * - `signal` opens or joins it; handed to admins (`escalate`), it is delivered once (admin
 *   feed, Slack-compatible webhooks, admin emails), so a stuck client is one message;
 * - `tell` emails the client about the problem at most once a day, whatever noticed it;
 * - `take`, `answer`, `sendFix`, `started` are a person's acts, each one email to the client;
 * - `close` ends it with who ended the cause: the client gets « c'est réglé » once, admins
 *   who heard of it get the recovery. A problem that comes back opens a new one.
 */
export class Escalations {
  constructor(
    private readonly deps: EscalationDeps,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Adds signals to the tenant's conversation about this problem, opening it when none is open; delivered to admins when handed to them now. */
  async signal(tenantId: string, problem: string, signals: EscalationSignal[], o: SignalOptions): Promise<Escalation> {
    const { escalation, escalated } = await this.deps.store.escalations.signal(tenantId, problem, signals, o);
    if (escalated) await this.deliver(escalation);
    return escalation;
  }

  /** The tenant's open conversation about a problem, if any. */
  open(tenantId: string, problem: string): Promise<Escalation | undefined> {
    return this.deps.store.escalations.openFor(tenantId, problem);
  }

  /** Hears every admin alert: a request handed to a person (and words of frustration) is a signal; a failed renewal is a site's problem. */
  async afterAlert(a: AlertInput): Promise<void> {
    try {
      if (a.kind === 'request-handoff' && a.tenantId) await this.handoff(a);
      else if (a.kind === 'certificate-renewal-failed') await renewalFailed(this, this.deps.store, a);
    } catch (err) {
      this.deps.logger.warn(
        { alert: { kind: a.kind }, err: (err as Error).message },
        'could not record the escalation signal',
      );
    }
  }

  private async handoff(a: AlertInput): Promise<void> {
    const tenantId = a.tenantId!;
    const d = (a.detail ?? {}) as {
      text?: unknown;
      language?: unknown;
      frustrated?: unknown;
      proposal?: { playbook?: unknown; inputs?: unknown } | null;
    };
    const text = typeof d.text === 'string' ? d.text : a.message;
    const frustrated = d.frustrated === true;
    // Words of frustration are most likely about what is already open for this client: added there.
    const open = frustrated ? (await this.deps.store.escalations.list({ tenantId }))[0] : undefined;
    const at = this.clock().toISOString();
    const signal: EscalationSignal = {
      at,
      kind: frustrated ? 'frustrated' : 'request-handoff',
      message: a.message,
      words: { text, language: typeof d.language === 'string' ? d.language : undefined },
    };
    // What serein understood of the words, when it did, is the operation to run for them.
    const p = d.proposal;
    const suggestion =
      p && typeof p.playbook === 'string' && p.inputs && typeof p.inputs === 'object'
        ? { playbook: p.playbook, inputs: p.inputs as Record<string, unknown> }
        : undefined;
    const subject = a.subject && a.subject !== 'request' && !a.subject.startsWith('request:') ? a.subject : 'request';
    await this.signal(tenantId, open?.problem ?? (subject === 'request' ? 'request' : `request:${subject}`), [signal], {
      summary: open?.summary ?? `${tenantId} asked for something serein cannot do alone: "${text}"`,
      suggestion,
      cause: open ? undefined : { kind: 'request', site: subject === 'request' ? undefined : subject, words: text },
    });
  }

  /**
   * Tells the client about the problem in their language: recorded on the page at once
   * (step `told`), emailed at most once a day for the whole conversation, so a drift
   * warning and a failed renewal of the same site never make two emails a day.
   */
  async tell(e: Escalation, canFix: boolean, write: (lang: Language) => Message): Promise<void> {
    if (!e.steps.some((s) => s.kind === 'told'))
      await this.deps.store.escalations.update(e.id, this.now(), (x) => ({
        steps: [...x.steps, { at: this.now(), kind: 'told' }],
      }));
    await this.email(`conv:${e.id}`, e.tenantId, canFix, write, 23 * 3_600_000);
  }

  /**
   * Ends the conversation, once: the client gets the all-clear (email and page) when they
   * had heard of it, admins the recovery when they had; false when it had already ended.
   */
  async close(
    e: Escalation,
    r: Omit<Resolution, 'at'>,
    clear: Partial<AllClear> = {},
    o: { email?: boolean } = {},
  ): Promise<boolean> {
    const at = this.now();
    if (!(await this.deps.store.escalations.resolve(e.id, at, r))) return false;
    const heard = stageOf(e) !== 'noticed' || e.cause?.kind === 'request';
    const name = clear.name ?? e.cause?.site ?? subjectName(e);
    if (heard && o.email !== false)
      await this.email(`conv:${e.id}:resolved`, e.tenantId, false, (lang) =>
        allClear(lang, { name, by: r.by, what: r.what, cameBack: !!e.cameBack, ...clear }),
      );
    if (e.escalatedAt || e.adminsAlerted) {
      const tenant = await this.deps.store.tenants.get(e.tenantId);
      await this.deps.raise({
        kind: 'escalation-resolved',
        tenantId: e.tenantId,
        subject: `escalation:${e.id}`,
        message: `${tenant ? `${tenant.id} (${tenant.name})` : e.tenantId} recovered: ${e.summary}. ${r.reason}${r.by === 'client' ? ' (fixed by the client)' : ''}.`,
        detail: { escalationId: e.id, problem: e.problem, resolution: { ...r, at } },
      });
    }
    return true;
  }

  /** An admin takes it: `by` as admins read it, `name` as the client does; the client hears who is on it when they knew of it. */
  async take(e: Escalation, by: string, name: string): Promise<void> {
    if (!(await this.deps.store.escalations.take(e.id, by, this.now(), name))) return;
    if (stageOf(e) === 'told' && (e.cause?.kind === 'request' || e.steps.some((s) => s.kind === 'told')))
      await this.email(`conv:${e.id}:taken`, e.tenantId, false, (lang) =>
        takenCare(lang, { name: subjectName(e), by: name }),
      );
  }

  /** An admin answers the client in words: on their page and by email (the text escaped in HTML); `resolve` ends it with the answer. */
  async answer(e: Escalation, by: string, name: string, text: string, resolve: boolean): Promise<Escalation> {
    const at = this.now();
    if (e.state === 'open') await this.deps.store.escalations.take(e.id, by, at, name);
    const n = e.steps.filter((s) => s.kind === 'answered').length;
    await this.deps.store.escalations.update(e.id, at, (x) => ({
      steps: [...x.steps, { at, kind: 'answered', by: name, text }],
    }));
    await this.email(`conv:${e.id}:answer:${n}`, e.tenantId, false, (lang) =>
      answered(lang, { name: subjectName(e), by: name, text }),
    );
    const now = (await this.deps.store.escalations.get(e.id))!;
    if (resolve)
      await this.close(
        now,
        { by: 'team', what: 'answered', reason: `answered by ${name}`, byName: name },
        {},
        { email: false },
      );
    return (await this.deps.store.escalations.get(e.id))!;
  }

  /** An admin sends the client the exact DNS change to make (no DNS host serein can change serves their domain). */
  async sendFix(e: Escalation, by: string, name: string): Promise<Escalation> {
    const changes = e.fixToSend?.changes ?? [];
    const at = this.now();
    if (e.state === 'open') await this.deps.store.escalations.take(e.id, by, at, name);
    // Both languages: the client reads the changes on their page in theirs, admins in English.
    await this.deps.store.escalations.update(e.id, at, (x) => ({
      steps: [...x.steps, { at, kind: 'fix-sent', by: name, text: changes.map((c) => c.en).join('\n'), changes }],
    }));
    const site = e.cause?.site ?? subjectName(e);
    const sent = e.steps.filter((s) => s.kind === 'fix-sent').length;
    await this.email(`conv:${e.id}:fix:${sent}`, e.tenantId, false, (lang) =>
      fixSent(lang, {
        site,
        by: name,
        changes: changes.map((c) => c[lang]),
        found: (e.cause?.found ?? []).map((f) => f[lang]),
      }),
    );
    return (await this.deps.store.escalations.get(e.id))!;
  }

  /**
   * Records that an admin started the suggestion they reviewed for the tenant (the
   * escalation is then taken by them): the operation to run after it and the version are
   * kept with the job, so a suggestion replaced while it runs never changes what follows.
   */
  async started(
    e: Escalation,
    job: Job,
    reviewed: Suggestion & { version: string },
    by: string,
    name = by,
    tokenId?: string,
  ): Promise<void> {
    const at = this.now();
    if (e.state === 'open') await this.deps.store.escalations.take(e.id, by, at, name);
    const then = reviewed.then ? { then: { playbook: reviewed.then.playbook, inputs: reviewed.then.inputs } } : {};
    await this.deps.store.escalations.setDone(
      e.id,
      { jobId: job.id, by, at, byName: name, tokenId, version: reviewed.version, ran: job.playbook, ...then },
      at,
    );
  }

  /**
   * A "do it for them" job ended. Success: when the suggestion runs another operation after
   * it (dns.fix, then the issuance it blocked), that one starts with the same rights and
   * actor; otherwise the conversation ends, as done for them, or as fixed by the client when
   * the cause was gone before (the admin only ran what was left). Failure: one more attempt.
   */
  async doneJobFinished(
    job: Job,
    submitThen?: (e: Escalation, then: Then) => Promise<Job | undefined>,
  ): Promise<boolean> {
    const e = await this.deps.store.escalations.byDoneJob(job.id);
    if (!e?.done) return false;
    const at = this.now();
    // Whoever records its end first (the watch, or a click that found it ended) goes on; the other stops here.
    if (!(await this.deps.store.escalations.finishDone(e.id, job.id, job.status, at))) return true;
    if (job.status !== 'succeeded') {
      await this.deps.store.escalations.signal(
        e.tenantId,
        e.problem,
        [
          attemptOf(
            job,
            'failures',
            `run for the client by ${e.done.by}: ${job.status}${job.error ? `: ${job.error.message}` : ''}`,
          ),
        ],
        { summary: e.summary },
      );
      return true;
    }
    // Only what the admin reviewed, never the suggestion as it is now.
    const then = e.done.then;
    if (then && submitThen) {
      const next = await submitThen(e, then);
      if (next) {
        await this.deps.store.escalations.setDone(
          e.id,
          {
            jobId: next.id,
            by: e.done.by,
            at,
            byName: e.done.byName,
            tokenId: e.done.tokenId,
            fixedCause: job.playbook === 'dns.fix',
            ran: then.playbook,
          },
          at,
        );
        return true;
      }
    }
    const teamFixed = job.playbook === 'dns.fix' || !!e.done.fixedCause;
    const causeFound = !!e.cause?.found?.length;
    const byClient = causeFound && !teamFixed;
    const name = e.cause?.site ?? nameOf(job);
    const what =
      job.playbook === 'certificate.issue' ? 'issued' : job.playbook === 'certificate.renew' ? 'renewed' : 'done';
    await this.close(
      e,
      {
        by: byClient ? 'client' : 'team',
        what: byClient ? what : 'done',
        reason: byClient
          ? `the client had fixed the cause; ${job.playbook} then succeeded, run by ${e.done.by}`
          : `${job.playbook} done for them by ${e.done.by}`,
        byName: e.done.byName,
      },
      { name, playbook: job.playbook, until: typeof job.result?.expires === 'string' ? job.result.expires : undefined },
    );
    return true;
  }

  /** Tells the client something in their language (src/notify), at most once a day per key; nothing when mail is off. */
  async tellClient(...args: Parameters<ClientNotices['tell']>): Promise<void> {
    await this.deps.notices?.tell(...args);
  }

  /** The deps, for the watches built on this (renewals, reminders). */
  get services(): EscalationDeps {
    return this.deps;
  }

  /** The watch's clock, as an ISO time (tests inject it). */
  now(): string {
    return this.clock().toISOString();
  }

  /** One email per key: `gapMs` apart at most (a problem that lasts), or once (a change of state). */
  private async email(
    key: string,
    tenantId: string,
    canFix: boolean,
    write: (lang: Language) => Message,
    gapMs = ONCE_MS,
  ): Promise<void> {
    try {
      await this.deps.notices?.tell(key, tenantId, canFix, write, gapMs);
    } catch (err) {
      this.deps.logger.warn({ notice: key, err: (err as Error).message }, 'could not email the client');
    }
  }

  /** Hands the escalation to admins: the admin feed and webhooks, and the admins' emails. */
  async deliver(e: Escalation, o: { reminder?: string } = {}): Promise<void> {
    const tenant = await this.deps.store.tenants.get(e.tenantId);
    const text = `${o.reminder ? `${o.reminder}\n` : ''}${describe(e, tenant ? `${tenant.id} (${tenant.name})` : e.tenantId)}`;
    const kind = o.reminder ? 'escalation-reminder' : 'escalation';
    await this.deps.raise({
      kind,
      tenantId: e.tenantId,
      subject: `escalation:${e.id}`,
      message: text,
      detail: {
        escalationId: e.id,
        problem: e.problem,
        signals: e.signals,
        suggestion: e.suggestion,
        failures: e.signals
          .filter((s) => s.jobId)
          .map((s) => ({ jobId: s.jobId, playbook: s.playbook, ...s.diagnosis })),
      },
    });
    if (!o.reminder) await this.emailAdmins(e, text, `${tenant?.name ?? e.tenantId} needs a hand: ${e.summary}`);
  }

  /** The admins' emails (config alerts.emails); false when there are none to send to. */
  async emailAdmins(e: Escalation, text: string, subject: string): Promise<boolean> {
    const { mailer, config, logger } = this.deps;
    if (!mailer || !config.alerts.emails.length) return false;
    try {
      const html = `<!doctype html><html><body><pre style="font-family: sans-serif; white-space: pre-wrap">${escapeHtml(text)}</pre></body></html>`;
      await Promise.all(
        config.alerts.emails.map((to) =>
          mailer.send({ to, subject: `[serein] ${subject}`.slice(0, 200), text: `${text}\n`, html, language: 'en' }),
        ),
      );
      return true;
    } catch (err) {
      logger.warn({ escalation: e.id, err: (err as Error).message }, 'could not email the escalation to admins');
      return false;
    }
  }
}

/** What a conversation is about, as a client names it: the site, else what they asked. */
export function subjectName(e: Pick<Escalation, 'problem' | 'cause'>): string {
  if (e.cause?.site) return e.cause.site;
  const m = /^(?:site|request|operation):(.+)$/.exec(e.problem);
  if (m && m[1] !== 'request') return m[1];
  // Their words, cut between two words (never "mon sit"), with an ellipsis when cut.
  const words = e.cause?.words ?? '…';
  return `“${words.length <= 40 ? words : `${words.slice(0, 41).replace(/\s+\S*$/, '')}…`}”`;
}
