/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in order and a
 * freed slot passes straight to the next waiter. Used wherever a resource takes only so
 * many users: ACME orders per daemon (`acme.concurrency`), channels of one SSH
 * connection, execs in one container.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('Semaphore limit must be a positive integer');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else this.active--;
    }
  }
}

/**
 * A first-come-first-served async mutex. One nginx configuration must never be changed by
 * two jobs at once: one job's `nginx -t` would otherwise test (and its reload publish)
 * another job's half-written files.
 */
export class Mutex extends Semaphore {
  constructor() {
    super(1);
  }
}

/** Maps with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const pool = new Semaphore(Math.max(1, limit));
  return Promise.all(items.map((item, i) => pool.run(() => fn(item, i))));
}

/** Resolves after `ms`, or rejects at once when the signal aborts: the only kind of wait serein does. */
export function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
