import { Cron } from 'croner';
import type { BackgroundService } from '../engine/background.js';
import type { Logger } from '../log.js';
import type { LockStore } from '../store/locks.js';

/**
 * What the scheduled passes (the drift watch, the trash's purge, the disk usage pass) share:
 * a croner schedule that never runs two of its passes at once (`protect`) and never keeps
 * the daemon alive (`unref`), a pass called by hand (a test, or the schedule) joining the
 * one in progress, and a stop that waits for it. Daemons sharing a store each run the
 * schedule, and one pass runs for all of them: the daemon that takes the pass's lock first
 * (src/store/locks.ts) does it, the others let it be and report nothing done (two at once
 * purged each copy twice, with two audit lines). A pass that throws is logged as `<what>
 * failed`; each pass reports its own per-item failures and goes on with the next item.
 */
export abstract class ScheduledPass<R> implements BackgroundService {
  private cron?: Cron;
  private running?: Promise<R>;

  protected constructor(
    /** In the log line of a pass that failed whole ("trash purge failed"). */
    private readonly what: string,
    private readonly log: Logger,
    /** The store's locks: one pass at a time across the daemons sharing it. */
    private readonly locks: LockStore,
  ) {}

  /** The croner schedule from the configuration; undefined when the pass is turned off. */
  protected abstract schedule(): string | undefined;

  /** The pass itself. */
  protected abstract run(): Promise<R>;

  /** What a pass reports when another daemon is doing it: nothing done here. */
  protected abstract nothing(): R;

  start(): void {
    const schedule = this.schedule();
    if (!schedule) return;
    this.cron = new Cron(
      schedule,
      { protect: true, unref: true, catch: (err) => this.log.error({ err }, `${this.what} failed`) },
      async () => {
        await this.pass();
      },
    );
  }

  async stop(): Promise<void> {
    this.cron?.stop();
    await this.running?.catch(() => undefined);
  }

  /** One pass; concurrent calls share the pass in progress, and another daemon's in progress makes it nothing. */
  pass(): Promise<R> {
    this.running ??= this.locks
      .tryHold(`scheduled pass ${this.what}`, () => this.run())
      .then((done) => {
        if (!done) this.log.debug(`${this.what}: another daemon is doing it`);
        return done ? done.value : this.nothing();
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
