import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

// A client waiting on many jobs (a panel after a burst) reads them in one request by their ids, not one GET each.
describe('the job list by ids', () => {
  let d: TestDaemon;
  let dir: string;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    d = await startTestDaemon({ playbooksDir: fixtures });
    dir = mkdtempSync(join(tmpdir(), 'serein-ids-'));
    alice = (await d.tenant('alice', { servers: ['local'] })).token;
    bob = (await d.tenant('bob', { servers: ['local'] })).token;
  }, 60_000);
  afterAll(async () => {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (name: string, token?: string) =>
    d.runJob('sample.write', { server: 'local', dir, name, message: 'hi' }, { token });

  it('answers only the jobs named, and only those the caller may see', async () => {
    const [a1, a2, a3, b1] = [
      await run('a1', alice),
      await run('a2', alice),
      await run('a3', alice),
      await run('b1', bob),
    ];
    const ids = (token: string | undefined, list: string[]) =>
      d.api('GET', `/v1/jobs?ids=${list.join(',')}`, { token }).then((r) => {
        expect(r.status).toBe(200);
        return (r.body.jobs as { id: string; status: string }[]).map((j) => j.id).sort();
      });
    expect(await ids(alice, [a1.id, a3.id])).toEqual([a1.id, a3.id].sort());
    // Another tenant's job named among them does not exist for this caller.
    expect(await ids(alice, [a2.id, b1.id])).toEqual([a2.id]);
    expect(await ids(undefined, [a1.id, b1.id])).toEqual([a1.id, b1.id].sort());
    const none = await d.api('GET', '/v1/jobs?ids=00000000-0000-4000-8000-000000000000');
    expect(none.body.jobs).toEqual([]);
  });

  it('refuses what is not a list of job ids, and more than a page of them', async () => {
    expect((await d.api('GET', '/v1/jobs?ids=1%20OR%201=1')).status).toBe(400);
    const many = Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect((await d.api('GET', `/v1/jobs?ids=${many.join(',')}`)).status).toBe(400);
  });
});
