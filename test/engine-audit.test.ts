// The jobs' audit lines under a burst (issue 25, "500 at once"): the lines of the jobs
// submitted in one turn of the loop go to the store in one INSERT, not one statement and
// commit each, and every job still has its line, submitted and finished, when its caller
// goes on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditStore } from '../src/store/audit.js';
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
});
