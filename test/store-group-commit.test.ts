// The job store's group commit (src/store/group-commit.ts): what many running jobs write in
// one turn of the event loop goes to the store together, each write is stored by the time
// its caller goes on, the job log keeps its order, and a refused write fails alone.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../src/store/schema.js';
import { Statements } from '../src/store/group-commit.js';
import { JobStore } from '../src/store/jobs.js';
import { Store } from '../src/store/store.js';
import { storeDatabase } from './helpers/db-lab.js';
import { tempDir } from './helpers/tmp.js';
import { useLab } from './lab/client.js';

/**
 * A Kysely of its own on the store's file that counts the INSERT statements into each table reaching the
 * database (its log sees every statement run, those the job store compiled once too).
 */
function insertCounter(path: string): { db: Kysely<Database>; inserts: Map<string, number> } {
  const inserts = new Map<string, number>();
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new SQLite(path) }),
    log(event) {
      const table = /^insert into "(\w+)"/.exec(event.query.sql)?.[1];
      if (table) inserts.set(table, (inserts.get(table) ?? 0) + 1);
    },
  });
  return { db, inserts };
}

describe('the job store writes running jobs’ events and steps together', () => {
  let store: Store;
  let jobs: JobStore;
  let counter: ReturnType<typeof insertCounter>;
  const newJob = async (n: number) =>
    (
      await store.jobs.create({
        playbook: 'test',
        inputs: { n },
        dryRun: false,
        tenantId: null,
        tokenId: null,
        resource: null,
        target: null,
        language: 'en',
      })
    ).job.id;

  beforeAll(async () => {
    const path = join(tempDir('serein-group-commit-'), 'store.db');
    store = await Store.open({ driver: 'sqlite', path });
    counter = insertCounter(path);
    jobs = new JobStore(counter.db, 'sqlite');
  });
  afterAll(async () => {
    await counter?.db.destroy();
    await store?.close();
  });

  it('the log lines of 20 jobs written in one turn are one INSERT, each stored in order when its caller goes on', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => newJob(i)));
    counter.inserts.clear();
    await Promise.all(
      ids.map(async (id) => {
        await jobs.addEvent(id, 'log', 'first', { n: 1 });
        // Stored by the time the caller goes on: a reader sees it at once.
        expect((await store.jobs.events(id)).map((e) => e.message)).toEqual(['first']);
        await jobs.addEvent(id, 'log', 'second');
      }),
    );
    // Each turn's lines (20 jobs' first, then their second) went in one statement, not one each.
    expect(counter.inserts.get('job_events')).toBe(2);
    for (const id of ids) {
      const events = await store.jobs.events(id);
      expect(events.map((e) => e.message)).toEqual(['first', 'second']);
      expect(events[0].data).toEqual({ n: 1 });
    }
  });

  it('a turn’s log lines are one INSERT even when the jobs write their steps between them', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => newJob(200 + i)));
    counter.inserts.clear();
    await Promise.all(
      ids.map(async (id) => {
        // Each job: a line, its step, another line, in one turn with the 19 others.
        const first = jobs.addEvent(id, 'step', 'apply started');
        const step = jobs.startStep(id, 0, 'apply', 'x.apply');
        const second = jobs.addEvent(id, 'log', 'working');
        await Promise.all([first, step, second]);
      }),
    );
    expect(counter.inserts.get('job_events')).toBe(1);
    for (const id of ids) {
      expect((await store.jobs.events(id)).map((e) => e.message)).toEqual(['apply started', 'working']);
      expect((await store.jobs.steps(id))[0]).toMatchObject({ name: 'apply', status: 'running' });
    }
  });

  it('a checkpoint is stored before its caller goes on, and a refused write fails alone', async () => {
    const id = await newJob(100);
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const writes = [
      ...lines.map((m) => jobs.addEvent(id, 'log', m)),
      jobs.startStep(id, 0, 'apply', 'x.apply'),
      // No such job: its step row breaks the foreign key and is refused, in the same turn as the others.
      jobs.startStep('no-such-job', 0, 'apply', 'x.apply'),
    ];
    const settled = await Promise.allSettled(writes);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    expect(settled.at(-1)!.status).toBe('rejected');
    await jobs.checkpointStep(id, 0, { made: '/srv/www/site' });
    expect((await store.jobs.steps(id))[0]).toMatchObject({ status: 'running', checkpoint: { made: '/srv/www/site' } });
    expect((await store.jobs.events(id)).map((e) => e.message)).toEqual(lines);
  });
});

// The step records and log lines go through statements compiled once per shape (src/store/group-commit.ts
// Statements): every shape, written twice (compiled, then reused), reads back whole on both stores.
describe.each(['sqlite', 'postgres'] as const)('the job store’s compiled-once statements on %s', (driver) => {
  let store: Store;
  let pgDb: { url: string; drop(): Promise<void> } | undefined;
  beforeAll(async () => {
    if (driver === 'sqlite')
      store = await Store.open({ driver, path: join(tempDir('serein-statements-'), 'store.db') });
    else {
      pgDb = await storeDatabase(await useLab('postgres'), 'serein_statements');
      store = await Store.open({ driver, url: pgDb.url });
    }
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await pgDb?.drop();
  });

  it('store each value in its own column, the first time and the next', async () => {
    for (const n of [1, 2]) {
      const { job } = await store.jobs.create({
        playbook: 'test',
        inputs: { n },
        dryRun: false,
        tenantId: null,
        tokenId: null,
        resource: null,
        target: null,
        language: 'en',
      });
      await Promise.all([
        store.jobs.startStep(job.id, 0, `check${n}`, 'x.check'),
        store.jobs.addEvent(job.id, 'step', `check ${n} started`, { n }),
      ]);
      await store.jobs.checkpointStep(job.id, 0, { made: `/srv/www/${n}` });
      await Promise.all([
        store.jobs.endStep(job.id, 0, 'done', { output: { url: `http://${n}` } }),
        store.jobs.addEvent(job.id, 'log', `line ${n}`),
        store.jobs.addEvent(job.id, 'step', `check ${n} done`),
      ]);
      await store.jobs.startStep(job.id, 1, `apply${n}`, 'x.apply');
      await store.jobs.setStepStatus(job.id, 1, 'failed', `broke ${n}`);
      await store.jobs.setStepStatus(job.id, 1, 'compensated');
      await store.jobs.startStep(job.id, 1, `apply${n}`, 'x.apply'); // again, as after a restart: the same row
      expect(await store.jobs.steps(job.id)).toMatchObject([
        { idx: 0, name: `check${n}`, action: 'x.check', status: 'done', checkpoint: { made: `/srv/www/${n}` } },
        { idx: 1, name: `apply${n}`, action: 'x.apply', status: 'running', error: `broke ${n}`, checkpoint: null },
      ]);
      expect((await store.jobs.steps(job.id))[0]).toMatchObject({ output: { url: `http://${n}` }, error: null });
      expect((await store.jobs.events(job.id)).map((e) => [e.jobId, e.kind, e.message, e.data, typeof e.at])).toEqual([
        [job.id, 'step', `check ${n} started`, { n }, 'string'],
        [job.id, 'log', `line ${n}`, null, 'string'],
        [job.id, 'step', `check ${n} done`, null, 'string'],
      ]);
    }
  });

  it('refuse parameters listed out of the order Kysely compiles them in, at their first use', async () => {
    const statements = new Statements();
    const build = (db: Kysely<Database>) =>
      db.updateTable('job_steps').set({ status: 'done' }).where('job_id', '=', 'j').where('idx', '=', 0);
    await expect(statements.run(store.db, 'out of order', build, ['j', 0, 'done'])).rejects.toThrow(/out of/);
  });
});
