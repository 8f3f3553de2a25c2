// The engine's writes under a burst (issue 25, "500 at once"): the audit lines of the jobs
// submitted in one turn of the loop go to the store in one INSERT, not one statement and
// commit each, and every job still has its line, submitted and finished, when its caller
// goes on; a step's record and its log line share one turn of the job store's writes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditStore } from '../src/store/audit.js';
import { GroupCommit } from '../src/store/group-commit.js';
import { JobStore } from '../src/store/jobs.js';
import type { Caller } from '../src/store/tokens.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { until } from './helpers/until.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

describe('audit lines of many jobs at once', () => {
  let d: TestDaemon;
  let dir: string;
  beforeAll(async () => {
    d = await startTestDaemon({ playbooksDir: fixtures });
    dir = mkdtempSync(join(tmpdir(), 'serein-engine-audit-'));
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('20 jobs submitted in one turn: their lines are one INSERT, each stored when its submit returns', async () => {
    const admin: Caller = { tokenId: 'audit-test', kind: 'admin', tenantId: null, label: 'test' };
    const inserts = vi.spyOn(AuditStore.prototype, 'appendMany');
    let ids: string[];
    try {
      ids = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const { job } = await d.daemon.engine.submit(
            admin,
            { playbook: 'sample.write', inputs: { server: 'local', dir, name: `a${i}`, message: `m${i}` } },
            'en',
          );
          // Stored by the time the submit returns.
          const line = await d.store.audit.list({ action: 'job.submit:sample.write', subject: job.resource! });
          expect(line).toHaveLength(1);
          return job.id;
        }),
      );
      const submitted = inserts.mock.calls.filter(([lines]) => lines[0].action === 'job.submit:sample.write');
      expect(submitted.map(([lines]) => lines.length)).toEqual([20]);
    } finally {
      inserts.mockRestore();
    }
    for (const id of ids) {
      const job = await d.waitJob(id);
      expect(job.status).toBe('succeeded');
    }
    // Each job's end is there too (written just after the job is), once for each.
    const ended = async () =>
      (await d.store.audit.list({ action: 'job.finish:sample.write', limit: 100 }))
        .map((l) => (l.detail as { jobId: string }).jobId)
        .sort();
    await until(async () => (await ended()).length >= ids.length, 30_000, 'every job’s end in the audit');
    expect(await ended()).toEqual([...ids].sort());
  });

  it('a step’s record and its log line are stored in one turn, before the job goes on', async () => {
    // Every turn of the job store's writes, and every checkpoint the actions ask for (a turn each).
    const turns = vi.spyOn(GroupCommit.prototype as unknown as { flush(): Promise<void> }, 'flush');
    const checkpoints = vi.spyOn(JobStore.prototype, 'checkpointStep');
    try {
      const job = await d.runJob('sample.write', { server: 'local', dir, name: 'turns', message: 'one' });
      expect(job.status).toBe('succeeded');
      const steps = await d.store.jobs.steps(job.id);
      const ran = steps.filter((s) => s.status === 'done').length;
      const skipped = steps.filter((s) => s.status === 'skipped').length;
      expect(ran).toBeGreaterThan(1);
      expect(skipped).toBeGreaterThan(0);
      // "running", one turn per step run (its record and "started"), one when it is done, one per skipped, and the
      // job's end with "succeeded".
      expect(turns.mock.calls.length).toBeLessThanOrEqual(2 + 2 * ran + skipped + checkpoints.mock.calls.length);
      const events = (await d.store.jobs.events(job.id)).map((e) => e.message);
      expect(events.filter((m) => m.endsWith(' started'))).toHaveLength(ran);
      expect(events.filter((m) => m.endsWith(' done'))).toHaveLength(ran);
    } finally {
      turns.mockRestore();
      checkpoints.mockRestore();
    }
  });
});
