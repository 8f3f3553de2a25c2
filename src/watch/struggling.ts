import type { BackgroundService } from '../engine/background.js';
import type { Engine } from '../engine/engine.js';
import { CLIENT_CAUSED } from '../errors.js';
import type { Job } from '../store/jobs.js';
import { attemptOf, problemOfJob } from './escalations.js';

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
  private readonly listener = (job: Job) => void this.onFinished(job).catch((err) => this.engine.services.logger.warn({ err }, 'struggling-client watch failed'));

  constructor(
    private readonly engine: Pick<Engine, 'services' | 'events'>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.engine.events.on('finished', this.listener);
    const every = this.engine.services.config.escalations.sweepMinutes * 60_000;
    this.timer = setInterval(() => void this.sweep().catch((err) => this.engine.services.logger.warn({ err }, 'escalation sweep failed')), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.engine.events.off('finished', this.listener);
    if (this.timer) clearInterval(this.timer);
  }

  /** One finished job: a signal when it shows the client stuck. */
  async onFinished(job: Job): Promise<void> {
    const { store, config, escalations } = this.engine.services;
    if (job.dryRun) return;
    if (await escalations.doneJobFinished(job)) return;
    // A refusal the client caused in its own folder says what to do first: not a client who is stuck.
    if (job.status === 'failed' && CLIENT_CAUSED.has(job.error?.code ?? '')) return;
    const owner = job.forTenant ?? job.tenantId;
    if (job.status === 'needs-attention' && owner) {
      await escalations.signal(owner, problemOfJob(job), [attemptOf(job, 'needs-attention', `${job.playbook} stopped half-way and could not be fully undone: ${job.error?.message ?? ''}`)], { summary: `${job.playbook} needs someone to finish it by hand`, suggestion: null });
      return;
    }
    // A failure counts against the client who asked (an admin's or the schedule's failures have their own alerts,
    // even when run with the client's rights).
    if (job.status !== 'failed' || !job.tenantId || job.actedBy) return;
    const since = new Date(this.clock().getTime() - config.escalations.windowMinutes * 60_000).toISOString();
    const failed = (await store.jobs.list({ tenantId: job.tenantId, playbook: job.playbook, status: 'failed', dryRun: false, limit: 50 })).filter((j) => !j.actedBy && (j.finishedAt ?? '') >= since);
    const open = (await store.escalations.list({ tenantId: job.tenantId })).some((e) => e.problem === problemOfJob(job));
    if (failed.length < config.escalations.failures && !open) return;
    const attempts = (open ? [job] : failed.slice().reverse()).map((j) => attemptOf(j, 'failures'));
    await escalations.signal(job.tenantId, problemOfJob(job), attempts, {
      summary: `${job.playbook} failed ${failed.length} times in ${config.escalations.windowMinutes} minutes`,
      suggestion: { playbook: job.playbook, inputs: job.inputs },
    });
  }

  /** Failures that no success of the same operation followed within `unresolvedMinutes`: the client gave up, or is waiting. */
  async sweep(now = this.clock()): Promise<number> {
    const { store, config, escalations } = this.engine.services;
    const limit = now.getTime() - config.escalations.unresolvedMinutes * 60_000;
    const from = new Date((this.lastSweep?.getTime() ?? now.getTime() - SWEEP_LOOKBACK_MS) - config.escalations.unresolvedMinutes * 60_000).toISOString();
    this.lastSweep = now;
    const failed = (await store.jobs.list({ status: 'failed', dryRun: false, limit: 500 })).filter((j) => j.tenantId && !j.actedBy && j.finishedAt && j.finishedAt >= from && new Date(j.finishedAt).getTime() <= limit);
    let opened = 0;
    for (const job of failed) {
      if (CLIENT_CAUSED.has(job.error?.code ?? '')) continue;
      // Whoever succeeded since on the client's things counts (an admin who did it for them included).
      const later = await store.jobs.list({ forTenant: job.forTenant ?? job.tenantId!, playbook: job.playbook, status: 'succeeded', dryRun: false, limit: 1 });
      if (later[0] && later[0].createdAt > job.finishedAt!) continue;
      const after = Math.round((now.getTime() - new Date(job.finishedAt!).getTime()) / 60_000);
      await escalations.signal(job.tenantId!, problemOfJob(job), [attemptOf(job, 'no-success', `${job.playbook} failed and nothing succeeded in the ${after} minutes since: ${job.error?.message ?? ''}`)], {
        summary: `${job.playbook} failed and was not done since`,
        suggestion: { playbook: job.playbook, inputs: job.inputs },
      });
      opened++;
    }
    return opened;
  }
}

/** The watch as the daemon starts it (src/daemon.ts). */
export function strugglingClientWatch(engine: Engine): BackgroundService {
  return new StrugglingWatch(engine);
}
