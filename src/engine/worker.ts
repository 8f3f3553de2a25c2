import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from '../log.js';
import type { Job, JobStore } from '../store/jobs.js';

export interface WorkerOptions {
  jobs: JobStore;
  logger: Logger;
  concurrency: number;
  perTarget: (target: string) => number;
  /** SQLite: one daemon owns the database, so every job found running at start is orphaned. */
  soleOwner: boolean;
  run(job: Job, signal: AbortSignal): Promise<void>;
  recover(job: Job): Promise<void>;
}

const LEASE_MS = 20_000;
const HEARTBEAT_MS = 5_000;
const IDLE_MAX_MS = 1_000;

/**
 * Claims queued jobs and runs them within the concurrency limits. Woken at once when
 * a job is submitted here; polls with backoff for jobs submitted to another daemon.
 * Leases let a surviving daemon compensate the jobs of one that died.
 */
export class Worker {
  readonly owner = randomUUID();
  private readonly active = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly o: WorkerOptions) {
    // Every running job (up to workers.concurrency) listens on this one stop signal: not a leak.
    setMaxListeners(0, this.abort.signal);
  }

  start(): void {
    this.loopDone = this.loop();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS).unref();
  }

  /** Called when work may be waiting: a job was submitted or one finished. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming; waits up to `graceMs` for running jobs, which are otherwise recovered on the next start. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.wake();
    await this.loopDone;
    const all = Promise.allSettled([...this.active.values()]);
    const timer = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([all, timer]);
    this.abort.abort();
  }

  private async loop(): Promise<void> {
    await this.recoverOrphans(this.o.soleOwner);
    let idle = 25;
    while (!this.stopped) {
      let claimed: Job[] = [];
      try {
        claimed = await this.o.jobs.claim(
          this.owner,
          this.o.concurrency - this.active.size,
          this.o.perTarget,
          LEASE_MS,
        );
      } catch (err) {
        this.o.logger.error({ err }, 'could not claim jobs');
      }
      for (const job of claimed) this.track(job.id, this.o.run(job, this.abort.signal));
      if (claimed.length > 0) {
        idle = 25;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, idle);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeUp = undefined;
      idle = Math.min(idle * 2, IDLE_MAX_MS);
    }
  }

  private track(id: string, p: Promise<void>): void {
    const done = p
      .catch((err) => this.o.logger.error({ err, jobId: id }, 'job runner crashed'))
      .finally(() => {
        this.active.delete(id);
        this.wake();
      });
    this.active.set(id, done);
  }

  private async beat(): Promise<void> {
    try {
      await this.o.jobs.renewLeases(this.owner, [...this.active.keys()], LEASE_MS);
      if (!this.o.soleOwner) await this.recoverOrphans(false);
    } catch (err) {
      this.o.logger.warn({ err }, 'lease renewal failed');
    }
  }

  private async recoverOrphans(everyOtherOwner: boolean): Promise<void> {
    const orphans = await this.o.jobs.claimOrphans(this.owner, LEASE_MS, everyOtherOwner);
    for (const job of orphans) {
      this.o.logger.warn({ jobId: job.id, playbook: job.playbook }, 'compensating a job interrupted by a daemon stop');
      this.track(job.id, this.o.recover(job));
    }
  }
}
