/**
 * How many admin sessions may be open at once on one database server, and a queue for the
 * rest. Hand-written (a dozen lines) rather than p-limit: p-limit is not a direct dependency
 * and limits a function call, while a session holds its slot from open to close.
 */
export class Slots {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  /** Waits for a free slot; the function returned gives it back (a second call does nothing). */
  async acquire(): Promise<() => void> {
    if (this.held < this.max) this.held++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over as is
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    };
  }
}
