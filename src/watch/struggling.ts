import type { BackgroundService } from '../engine/background.js';
import type { Engine } from '../engine/engine.js';
import { CLIENT_CAUSED } from '../errors.js';
import type { SignalOptions } from '../store/escalations.js';
import type { Job } from '../store/jobs.js';
import { CERTIFICATE_OPERATIONS } from './describe.js';
import { attemptOf, problemOfJob, siteOfJob } from './escalations.js';
import { remind } from './reminders.js';
import { jobSucceeded } from './renewals.js';
import { rescueFor } from './rescue.js';
import { submitThen } from './then.js';

/** How far back the sweep looks for failures that were never followed by a success. */
const SWEEP_LOOKBACK_MS = 24 * 3_600_000;

/**
 * Notices a client who is stuck, before they have to complain, and hands them to an
 * admin through an escalation (src/watch/escalations.ts): the same operation failing
 * `escalations.failures` times within `windowMinutes`, a job left in needs-attention, a
 * failure that no success followed within `unresolvedMinutes`. Checks (dry runs) are not
 * attempts: a check that finds a problem is the check doing its job. It also ends the
 * "do it for them" jobs admins start from an escalation.
 */
export class StrugglingWatch implements BackgroundService {
  private timer?: NodeJS.Timeout;
  private lastSweep?: Date;
  private readonly listener = (job: Job) =>
    void this.onFinished(job).catch((err) =>
      this.engine.services.logger.warn({ err }, 'struggling-client watch failed'),
    );

  constructor(
    private readonly engine: Pick<Engine, 'services' | 'events' | 'submit'>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.engine.events.on('finished', this.listener);
    const every = this.engine.services.config.escalations.sweepMinutes * 60_000;
    this.timer = setInterval(
      () => void this.tick().catch((err) => this.engine.services.logger.warn({ err }, 'escalation sweep failed')),
      every,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.engine.events.off('finished', this.listener);
    if (this.timer) clearInterval(this.timer);
  }

  /** Every sweep: failures left without a success, then reminders of escalations nobody took. */
  async tick(now = this.clock()): Promise<void> {
    await this.sweep(now);
    await remind(this.engine.services.escalations, this.engine.services.config, now);
  }

  /** One finished job: a signal when it shows the client stuck, the end of a conversation when it removes the cause. */
  async onFinished(job: Job): Promise<void> {
    const { store, config, escalations } = this.engine.services;
    if (job.dryRun) return;
    if (await escalations.doneJobFinished(job, (e, then) => submitThen(this.engine, e, then))) return;
    if (job.status === 'succeeded') return jobSucceeded(escalations, store, job);
    // A refusal the client caused in its own folder says what to do first: not a client who is stuck.
    if (job.status === 'failed' && CLIENT_CAUSED.has(job.error?.code ?? '')) return;
    const owner = job.forTenant ?? job.tenantId;
    if (job.status === 'needs-attention' && owner) {
      await escalations.signal(
        owner,
        problemOfJob(job),
        [
          attemptOf(
            job,
            'needs-attention',
            `${job.playbook} stopped half-way and could not be fully undone: ${job.error?.message ?? ''}`,
          ),
        ],
        {
          summary: `${job.playbook} needs someone to finish it by hand`,
          suggestion: null,
          cause: { kind: 'needs-attention', playbook: job.playbook, site: siteOfJob(job) },
        },
      );
      return;
    }
    // A failure counts against the client who asked (an admin's or the schedule's failures have their own alerts,
    // even when run with the client's rights).
    if (job.status !== 'failed' || !job.tenantId || job.actedBy) return;
    const since = new Date(this.clock().getTime() - config.escalations.windowMinutes * 60_000).toISOString();
    const failed = (
      await store.jobs.list({
        tenantId: job.tenantId,
        playbook: job.playbook,
        status: 'failed',
        dryRun: false,
        limit: 50,
      })
    ).filter((j) => !j.actedBy && (j.finishedAt ?? '') >= since && problemOfJob(j) === problemOfJob(job));
    const open = await store.escalations.openFor(job.tenantId, problemOfJob(job));
    if (failed.length < config.escalations.failures && !open?.escalatedAt) return;
    const attempts = (open?.escalatedAt ? [job] : failed.slice().reverse()).map((j) => attemptOf(j, 'failures'));
    await escalations.signal(job.tenantId, problemOfJob(job), attempts, {
      summary: `${job.playbook} failed ${failed.length} times in ${config.escalations.windowMinutes} minutes`,
      ...(await this.rescue(job, open?.cause)),
    });
  }

  /**
   * The rescue for a failed job: for a site's certificate, what removes the cause (dns.fix
   * then the operation, or the change for the client to make), checked now; the failed
   * operation itself only when its cause is gone, or for other operations.
   */
  private async rescue(
    job: Job,
    known?: SignalOptions['cause'],
  ): Promise<Pick<SignalOptions, 'suggestion' | 'fixToSend' | 'cause'>> {
    const failed = { playbook: job.playbook, inputs: job.inputs };
    const site = siteOfJob(job);
    const cause = known ?? { kind: 'failures' as const, playbook: job.playbook, site };
    if (!site || !CERTIFICATE_OPERATIONS.has(job.playbook)) return { suggestion: failed, cause };
    const i = job.inputs as { domains?: string[]; challenge?: 'http-01' | 'dns-01'; webserver?: string };
    try {
      const r = await rescueFor(this.engine.services, (job.forTenant ?? job.tenantId)!, {
        site,
        domains: i.domains,
        challenge: i.challenge,
        webserver: i.webserver,
        failed,
      });
      if (r.cause === 'unknown') return { suggestion: null, cause };
      if (r.cause === 'gone') return { suggestion: r.suggestion, fixToSend: null, cause };
      return { suggestion: r.suggestion, fixToSend: r.fixToSend, cause: { ...cause, found: r.found, fix: r.fix } };
    } catch (err) {
      this.engine.services.logger.warn(
        { job: job.id, err: (err as Error).message },
        'could not check the cause of a failure',
      );
      return { suggestion: null, cause };
    }
  }

  /** Failures that no success of the same operation followed within `unresolvedMinutes`: the client gave up, or is waiting. */
  async sweep(now = this.clock()): Promise<number> {
    const { store, config, escalations } = this.engine.services;
    const limit = now.getTime() - config.escalations.unresolvedMinutes * 60_000;
    const from = new Date(
      (this.lastSweep?.getTime() ?? now.getTime() - SWEEP_LOOKBACK_MS) - config.escalations.unresolvedMinutes * 60_000,
    ).toISOString();
    this.lastSweep = now;
    const failed = (await store.jobs.list({ status: 'failed', dryRun: false, limit: 500 })).filter(
      (j) =>
        j.tenantId && !j.actedBy && j.finishedAt && j.finishedAt >= from && new Date(j.finishedAt).getTime() <= limit,
    );
    let opened = 0;
    for (const job of failed) {
      if (CLIENT_CAUSED.has(job.error?.code ?? '')) continue;
      // Whoever succeeded since on the client's things counts (an admin who did it for them included).
      const later = await store.jobs.list({
        forTenant: job.forTenant ?? job.tenantId!,
        playbook: job.playbook,
        status: 'succeeded',
        dryRun: false,
        limit: 1,
      });
      if (later[0] && later[0].createdAt > job.finishedAt!) continue;
      const after = Math.round((now.getTime() - new Date(job.finishedAt!).getTime()) / 60_000);
      const open = await store.escalations.openFor(job.tenantId!, problemOfJob(job));
      // Already in the conversation (as a failure, or from an earlier sweep): one line per job.
      if (open?.escalatedAt && open.signals.some((s) => s.jobId === job.id)) continue;
      await escalations.signal(
        job.tenantId!,
        problemOfJob(job),
        [
          attemptOf(
            job,
            'no-success',
            `${job.playbook} failed and nothing succeeded in the ${after} minutes since: ${job.error?.message ?? ''}`,
          ),
        ],
        {
          summary: `${job.playbook} failed and was not done since`,
          ...(await this.rescue(job, open?.cause)),
        },
      );
      opened++;
    }
    return opened;
  }
}

/** The watch as the daemon starts it (src/daemon.ts). */
export function strugglingClientWatch(engine: Engine): BackgroundService {
  return new StrugglingWatch(engine);
}
