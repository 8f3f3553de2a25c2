import { isDeepStrictEqual } from 'node:util';
import { CompiledQuery, type Compilable, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { Database } from './schema.js';

/** A write the job store queues: a row of the job log, or any other statement. */
type Write =
  | { event: Insertable<Database['job_events']>; done: (err?: unknown) => void }
  | { run: (db: Kysely<Database>, statements: Statements) => Promise<unknown>; done: (err?: unknown) => void };

/** A job log row's columns, in the order its statement lists them. */
const EVENT_COLUMNS = ['job_id', 'at', 'kind', 'message', 'data'] as const;

/**
 * The job store's hottest statements (every step's record, every log line), compiled once
 * per shape: building and compiling a query with Kysely cost more than running it, two
 * thirds of each of the thousands of statements a burst of jobs writes. Their parameters
 * are listed by hand; the first compile of each shape checks they are Kysely's own, in its
 * order, so a list out of order fails at its first use (in the tests) instead of storing
 * one value in another's column.
 */
export class Statements {
  private readonly texts = new Map<string, string>();

  async run(
    db: Kysely<Database>,
    shape: string,
    build: (db: Kysely<Database>) => Compilable,
    parameters: readonly unknown[],
  ): Promise<unknown> {
    let text = this.texts.get(shape);
    if (text === undefined) {
      const compiled = build(db).compile();
      if (!isDeepStrictEqual(compiled.parameters, parameters))
        throw new Error(`the job store's statement "${shape}" lists its parameters out of Kysely's order`);
      this.texts.set(shape, (text = compiled.sql));
    }
    return db.executeQuery(CompiledQuery.raw(text, [...parameters]));
  }
}

/** Rows of the job log put in one INSERT (5 values each, well under every driver's limit). */
const EVENTS_PER_INSERT = 200;

/**
 * Group commit of the job store's writes: the events and step records that every running
 * job writes in one turn of the event loop go to the store in one transaction (the events
 * in one INSERT), instead of one transaction each. Each caller's promise settles only once
 * its transaction has committed, so whatever a caller does after awaiting a write (a
 * checkpoint before the change it guards, above all) still comes after the write is in the
 * store: the crash guarantees are those of one transaction per write. Batches are written
 * one after the other, so the job log keeps the order its lines were written in.
 */
export class GroupCommit {
  private queue: Write[] = [];
  private scheduled = false;
  private last: Promise<void> = Promise.resolve();
  private readonly statements = new Statements();

  constructor(private readonly db: Kysely<Database>) {}

  /** Adds one line to a job's log; settles once it is stored. */
  event(row: Insertable<Database['job_events']>): Promise<void> {
    return new Promise((resolve, reject) => this.push({ event: row, done: (e) => (e ? reject(e) : resolve()) }));
  }

  /** Runs one write in the next batch; settles once it is stored. */
  write(run: (db: Kysely<Database>, statements: Statements) => Promise<unknown>): Promise<void> {
    return new Promise((resolve, reject) => this.push({ run, done: (e) => (e ? reject(e) : resolve()) }));
  }

  private push(w: Write): void {
    this.queue.push(w);
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate: every job that runs in this turn of the loop adds its writes first.
    setImmediate(() => {
      this.last = this.last.then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    try {
      if (batch.length === 1) await apply(this.db, this.statements, batch);
      else await this.db.transaction().execute((trx) => apply(trx, this.statements, batch));
    } catch (err) {
      if (batch.length === 1) return batch[0].done(err);
      // One write refused (a job gone, a constraint): the transaction stored nothing, so each
      // write is tried alone and only the one at fault fails.
      for (const w of batch) await apply(this.db, this.statements, [w]).then(() => w.done(), w.done);
      return;
    }
    for (const w of batch) w.done();
  }
}

/**
 * The batch's writes: the other statements in the order they were asked for, then every log
 * line in one INSERT per EVENTS_PER_INSERT, in the order they were written. A job's lines
 * keep their order, and as the batch is one transaction nobody reads a line before the step
 * records written beside it; with many jobs, steps and lines come interleaved, and one
 * INSERT per run of lines between two step records was one statement per line.
 */
async function apply(db: Kysely<Database>, statements: Statements, batch: Write[]): Promise<void> {
  const rows: Insertable<Database['job_events']>[] = [];
  for (const w of batch) {
    if ('event' in w) rows.push(w.event);
    else await w.run(db, statements);
  }
  for (let i = 0; i < rows.length; i += EVENTS_PER_INSERT) {
    // Each row with every column, in one order: the statement's shape is its number of rows.
    const some = rows.slice(i, i + EVENTS_PER_INSERT).map((r) => ({
      job_id: r.job_id,
      at: r.at,
      kind: r.kind,
      message: r.message,
      data: r.data ?? null,
    }));
    await statements.run(
      db,
      `job_events ${some.length}`,
      (db) => db.insertInto('job_events').values(some),
      some.flatMap((r) => EVENT_COLUMNS.map((c) => r[c])),
    );
  }
}

/** The statements of a job's step records, run by the job store through its GroupCommit. */
export const stepWrites = {
  /** A step begins (again, after a restart: the same row). */
  start: (db: Kysely<Database>, statements: Statements, jobId: string, idx: number, name: string, action: string) => {
    const at = new Date().toISOString();
    return statements.run(
      db,
      'job_steps start',
      (db) =>
        db
          .insertInto('job_steps')
          .values({
            job_id: jobId,
            idx,
            name,
            action,
            status: 'running',
            checkpoint: null,
            output: null,
            error: null,
            started_at: at,
            finished_at: null,
          })
          .onConflict((oc) => oc.columns(['job_id', 'idx']).doUpdateSet({ status: 'running', started_at: at })),
      [jobId, idx, name, action, 'running', null, null, null, at, null, 'running', at],
    );
  },
  /** A step's checkpoint, status, output or error: the columns set, in the order given, make the statement's shape. */
  update: (
    db: Kysely<Database>,
    statements: Statements,
    jobId: string,
    idx: number,
    set: Updateable<Database['job_steps']>,
  ) => {
    // Kysely leaves out a column set to undefined: so does the shape.
    const columns = (Object.keys(set) as (keyof typeof set)[]).filter((c) => set[c] !== undefined);
    return statements.run(
      db,
      `job_steps set ${columns.join(',')}`,
      (db) => db.updateTable('job_steps').set(set).where('job_id', '=', jobId).where('idx', '=', idx),
      [...columns.map((c) => set[c]), jobId, idx],
    );
  },
};
