import type { AuditEntry, AuditStore } from './audit.js';

/** Lines per INSERT: 9 values each, well under SQLite's and PostgreSQL's bound parameters. */
const LINES_PER_INSERT = 500;

type Line = Omit<AuditEntry, 'id' | 'at'>;

/**
 * The audit lines written in one turn of the event loop, stored in one INSERT: the renewal
 * schedule ends many renewals at once (a page of a million-certificate fleet), and one
 * statement and commit per line was most of a pass's own time. Each caller's promise
 * settles once its line is stored, as with AuditStore.append; a batch the store refuses is
 * written again line by line, so only the line at fault fails.
 */
export class AuditBatch {
  private queue: { line: Line; done: (err?: unknown) => void }[] = [];
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly audit: AuditStore) {}

  /** Adds a line; settles once it is stored. */
  append(line: Line): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line, done: (err) => (err ? reject(err) : resolve()) });
      if (this.queue.length > 1) return;
      // setImmediate: every renewal ending in this turn adds its line first.
      setImmediate(() => {
        this.last = this.last.then(() => this.flush());
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    for (let i = 0; i < batch.length; i += LINES_PER_INSERT) {
      const part = batch.slice(i, i + LINES_PER_INSERT);
      try {
        await this.audit.appendMany(part.map((w) => w.line));
        for (const w of part) w.done();
      } catch {
        for (const w of part) await this.audit.append(w.line).then(() => w.done(), w.done);
      }
    }
  }
}
