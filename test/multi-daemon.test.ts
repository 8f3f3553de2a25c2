import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDatabase } from './helpers/db-lab.js';
import { useLab } from './lab/client.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

describe('several daemons sharing one PostgreSQL store', () => {
  let daemons: TestDaemon[] = [];
  let dir: string;
  let db: { url: string; drop(): Promise<void> } | undefined;

  beforeAll(async () => {
    const lab = await useLab('postgres');
    db = await storeDatabase(lab, 'serein_multi');
    const url = db.url;
    dir = mkdtempSync(join(tmpdir(), 'serein-multi-'));
    const config = { store: { driver: 'postgres', url }, stateDir: join(dir, 'state') };
    daemons = await Promise.all([0, 1].map(() => startTestDaemon({ playbooksDir: fixtures, config })));
  });

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs 200 jobs, each exactly once, spread over both daemons', async () => {
    const file = join(dir, 'ran.txt');
    const ids = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const d = daemons[i % 2];
        const res = await d.api('POST', '/v1/jobs', { body: { playbook: 'sample.append', inputs: { file } } });
        expect(res.status).toBe(202);
        return res.body.job.id as string;
      }),
    );
    const jobs = await Promise.all(ids.map((id, i) => daemons[(i + 1) % 2].waitJob(id)));
    expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(200);
    expect(new Set(lines)).toEqual(new Set(ids));
    const owners = await daemons[0].store.db.selectFrom('jobs').select('owner').distinct().execute();
    expect(owners.length).toBe(2);
  });
});
