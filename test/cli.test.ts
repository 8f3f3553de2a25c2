import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { serein } from './helpers/process.js';
import { tempDir } from './helpers/tmp.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

describe('the serein command', () => {
  let d: TestDaemon;
  let dir: string;
  beforeAll(async () => {
    d = await startTestDaemon({ playbooksDir: fixtures });
    dir = tempDir('serein-cli-');
  });
  afterAll(() => d.stop());

  const run = async (args: string[], token = d.adminToken) => {
    const child = serein(args, { SEREIN_URL: d.url, SEREIN_TOKEN: token });
    const code = await child.exited;
    return { code, out: child.output() };
  };

  it('runs an operation with --input values and waits for its outcome', async () => {
    const { code, out } = await run(['run', 'sample.write', '-i', 'server=local', '-i', `dir=${dir}`, '-i', 'name=cli', '-i', 'message=from the cli; $(id)', '--json']);
    expect(code).toBe(0);
    const job = JSON.parse(out);
    expect(job.status).toBe('succeeded');
    expect(job.result.echoed).toBe('from the cli; $(id)');
  });

  it('shows a dry-run plan with its diff, and a failure with its fix and exit code 3', async () => {
    const dry = await run(['run', 'sample.write', '-i', 'server=local', '-i', `dir=${dir}`, '-i', 'name=plan', '-i', 'message=m', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('+hello m');
    const failed = await run(['run', 'sample.write', '-i', 'server=local', '-i', `dir=${dir}`, '-i', 'name=f', '-i', 'message=m', '-i', 'fail=true']);
    expect(failed.code).toBe(3);
    expect(failed.out).toContain('→ Nothing was left half-done');
  });

  it('refuses bad input with the reason, and lists jobs', async () => {
    const bad = await run(['run', 'sample.write', '-i', 'server=local', '-i', `dir=${dir}`, '-i', 'name=x;y', '-i', 'message=m']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/Input "name".*not an allowed name/);
    const jobs = await run(['jobs']);
    expect(jobs.out).toMatch(/succeeded\s+sample\.write/);
  });

  it('creates tenants and tokens on the store directly, for bootstrap and recovery', async () => {
    const config = join(dir, 'c.yaml');
    writeFileSync(config, `store:\n  driver: sqlite\n  path: cli.db\nstateDir: state\nplaybooks: ${fixtures}\n`);
    expect((await run(['-c', config, 'tenant', 'create', 'acme', '--name', 'ACME', '--language', 'fr'])).code).toBe(0);
    expect((await run(['-c', config, 'tenant', 'give', 'acme', 'domain', 'acme.fr'])).out).toContain('domain acme.fr now belongs to acme');
    const token = await run(['-c', config, 'token', 'create', '--tenant', 'acme']);
    expect(token.out).toMatch(/token: +srn_c_\S+/);
    const clash = await run(['-c', config, 'tenant', 'give', 'acme', 'domain', 'not a domain']);
    expect(clash.code).toBe(1);
  });
});
