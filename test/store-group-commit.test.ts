// The job store's group commit (src/store/group-commit.ts): what many running jobs write in
// one turn of the event loop goes to the store together, each write is stored by the time
// its caller goes on, the job log keeps its order, and a refused write fails alone.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsertQueryNode, TableNode, type KyselyPlugin } from 'kysely';
import { JobStore } from '../src/store/jobs.js';
import { Store } from '../src/store/store.js';
import { tempDir } from './helpers/tmp.js';

/** Counts the INSERT statements into each table that reach the database. */
function insertCounter(): { plugin: KyselyPlugin; inserts: Map<string, number> } {
  const inserts = new Map<string, number>();
  return {
    inserts,
    plugin: {
      transformQuery({ node }) {
        const into = InsertQueryNode.is(node) ? node.into : undefined;
        if (into && TableNode.is(into)) {
          const table = into.table.identifier.name;
          inserts.set(table, (inserts.get(table) ?? 0) + 1);
        }
        return node;
      },
      transformResult: async ({ result }) => result,
    },
  };
}

describe('the job store writes running jobs’ events and steps together', () => {
  let store: Store;
  let jobs: JobStore;
  const counter = insertCounter();
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
    store = await Store.open({ driver: 'sqlite', path: join(tempDir('serein-group-commit-'), 'store.db') });
    jobs = new JobStore(store.db.withPlugin(counter.plugin), 'sqlite');
  });
  afterAll(() => store?.close());

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
