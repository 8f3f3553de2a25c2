import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, serein } from './helpers/process.js';
import { until } from './helpers/until.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

describe('the serein daemon as a process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'serein-daemon-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function configFile(name: string, extra = ''): Promise<{ file: string; url: string }> {
    const port = await freePort();
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `server:\n  port: ${port}\nstore:\n  driver: sqlite\n  path: ${name}.db\nstateDir: ${name}-state\nplaybooks: ${fixtures}\n${extra}`,
    );
    return { file, url: `http://127.0.0.1:${port}` };
  }

  it('starts, prints the first admin token once, answers /healthz, and stops cleanly on SIGTERM', async () => {
    const { file, url } = await configFile('start');
    const first = serein(['serve', '--config', file]);
    const token = await until(
      async () => /admin token: (srn_a_\S+)/.exec(first.output())?.[1],
      30_000,
      'the admin token',
    );
    expect((await until(() => fetch(`${url}/healthz`), 30_000, 'healthz')).status).toBe(200);
    expect((await fetch(`${url}/v1/playbooks`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const second = serein(['serve', '--config', file]);
    await until(() => fetch(`${url}/healthz`), 30_000, 'healthz again');
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).not.toContain('admin token:');
  });

  it('refuses a wrong configuration with exit code 2, naming the file, the line and the key', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'server:\n  host: 127.0.0.1\n  port: "eighty"\nworkers:\n  concurrency: 0\n');
    const child = serein(['serve', '--config', file]);
    expect(await child.exited).toBe(2);
    expect(child.output()).toContain(`${file}:3:`);
    expect(child.output()).toContain('server.port');
    expect(child.output()).toContain(`${file}:5:`);
    expect(child.output()).toContain('workers.concurrency');
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, 'servr:\n  port: 1\n');
    const child2 = serein(['serve', '--config', typo]);
    expect(await child2.exited).toBe(2);
    expect(child2.output()).toMatch(/typo\.yaml:1:.*servr/);
  });

  it('after SIGKILL mid-step, the restarted daemon finishes the job: undone, nothing done twice', async () => {
    const { file, url } = await configFile('kill');
    const work = join(dir, 'work');
    mkdirSync(work);
    const first = serein(['serve', '--config', file]);
    const token = await until(
      async () => /admin token: (srn_a_\S+)/.exec(first.output())?.[1],
      30_000,
      'the admin token',
    );
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const submitted = (await (
      await fetch(`${url}/v1/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ playbook: 'sample.slow', inputs: { dir: work } }),
      })
    ).json()) as any;
    await until(async () => existsSync(join(work, 'count.txt')), 30_000, 'the job to reach its waiting step');
    first.kill('SIGKILL');
    await first.exited;
    writeFileSync(join(work, 'flag'), ''); // lets the orphaned program of the killed daemon end
    expect(existsSync(join(work, 'created.txt'))).toBe(true);
    const second = serein(['serve', '--config', file]);
    const job = await until(
      async () => {
        const res = (await (await fetch(`${url}/v1/jobs/${submitted.job.id}`, { headers })).json()) as any;
        return ['failed', 'needs-attention', 'succeeded'].includes(res.job.status) ? res.job : undefined;
      },
      30_000,
      'the job to end',
    );
    second.kill('SIGTERM');
    await second.exited;
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('interrupted');
    expect(existsSync(join(work, 'created.txt'))).toBe(false);
    expect(readFileSync(join(work, 'count.txt'), 'utf8')).toBe('run\nundone\n');
  });
});
