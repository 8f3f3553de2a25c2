import type { Services } from '../engine/action.js';

/**
 * A first-come-first-served async mutex. One nginx configuration must never be changed by
 * two jobs at once: one job's `nginx -t` would otherwise test (and its reload publish)
 * another job's half-written files.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs fn when every earlier holder is done; the lock is released even if fn throws. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const before = this.tail;
    this.tail = before.then(() => mine);
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * The lock of one webserver's configuration, shared by every job of this daemon (jobs on
 * other daemons are already serialised per resource by the engine). Anything that writes
 * into that nginx's configuration outside safeApplyNginx must hold it.
 */
export function nginxLock(services: Services, webserver: string): Mutex {
  return services.shared(`nginx-lock:${webserver}`, () => new Mutex());
}
