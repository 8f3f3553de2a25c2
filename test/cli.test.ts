import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
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

  it('says "nothing yet" for an empty list, in words that fit it', async () => {
    const tenants = await run(['tenant', 'list']);
    expect(tenants.code).toBe(0);
    expect(tenants.out).toBe('No tenants yet: serein tenant create ID --name NAME adds one.\n');
    expect((await run(['certificates'])).out).toMatch(/^No active certificates: serein run certificate\.issue/);
    expect((await run(['certificates', '--name', 'none.example'])).out).toBe('No certificate matches.\n');
    expect((await run(['jobs'])).out).toMatch(/^No jobs yet: serein run PLAYBOOK starts one/);
    expect((await run(['jobs', '--status', 'failed'])).out).toBe('No failed jobs.\n');
  });

  it('prints its version, and a mistyped command in two lines with where to read how, not the whole help', async () => {
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.out.trim()).toBe(
      JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')).version,
    );
    const typo = await run(['jbos']);
    expect(typo.code).toBe(1);
    expect(typo.out).toBe("error: unknown command 'jbos'\n(Did you mean jobs?)\n(serein --help shows how to use it)\n");
    const option = await run(['tenant', 'give', 'acme', 'domain', 'x.fr', '--bogus']);
    expect(option.out).toBe("error: unknown option '--bogus'\n(serein tenant give --help shows how to use it)\n");
    const ours = await run(['token', 'create']);
    expect(ours.code).toBe(1);
    expect(ours.out).toBe(
      'serein: give exactly one of --admin or --tenant ID\n(serein token create --help shows how to use it)\n',
    );
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(
      /Exit codes:\n {2}0 {2}done[\s\S]* {2}3 {2}the operation failed[\s\S]* {2}4 {2}the operation needs attention[\s\S]* {2}5 {2}the daemon cannot be reached/,
    );
  });

  it("answers a refused token with the admin's way to make one, never the client's", async () => {
    for (const [token, why] of [
      ['', 'No token was given.'],
      ['srn_a_0000000000000000000000000000', 'The token given is not valid'],
    ]) {
      const r = await run(['jobs'], token);
      expect(r.code).toBe(2);
      expect(r.out).toContain(why);
      expect(r.out).toContain('serein token create --admin --local');
      expect(r.out).not.toContain('Ask your provider');
    }
    const pasted = await run(['jobs'], 'srn_a_abc def');
    expect(pasted.code).toBe(2);
    expect(pasted.out).toContain('The token in SEREIN_TOKEN holds spaces or characters no token has.');
  });

  it('runs an operation with --input values and waits for its outcome', async () => {
    const { code, out } = await run([
      'run',
      'sample.write',
      '-i',
      'server=local',
      '-i',
      `dir=${dir}`,
      '-i',
      'name=cli',
      '-i',
      'message=from the cli; $(id)',
      '--json',
    ]);
    expect(code).toBe(0);
    const job = JSON.parse(out);
    expect(job.status).toBe('succeeded');
    expect(job.result.echoed).toBe('from the cli; $(id)');
  });

  it('shows a dry-run plan with its diff, and a failure with its fix and exit code 3', async () => {
    const dry = await run([
      'run',
      'sample.write',
      '-i',
      'server=local',
      '-i',
      `dir=${dir}`,
      '-i',
      'name=plan',
      '-i',
      'message=m',
      '--dry-run',
    ]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('+hello m');
    expect(dry.out).toMatch(/: succeeded \(check only\)/);
    const failed = await run([
      'run',
      'sample.write',
      '-i',
      'server=local',
      '-i',
      `dir=${dir}`,
      '-i',
      'name=f',
      '-i',
      'message=m',
      '-i',
      'fail=true',
    ]);
    expect(failed.code).toBe(3);
    expect(failed.out).toContain('→ Nothing was left half-done');
    // An undo that failed too needs an admin: its own exit code.
    expect((await run(['run', 'sample.badundo'])).code).toBe(4);
  });

  it('refuses bad input with the reason, and lists jobs', async () => {
    const bad = await run([
      'run',
      'sample.write',
      '-i',
      'server=local',
      '-i',
      `dir=${dir}`,
      '-i',
      'name=x;y',
      '-i',
      'message=m',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/Input "name".*not an allowed name/);
    const jobs = await run(['jobs']);
    expect(jobs.out).toMatch(/succeeded\s+sample\.write/);
    // A dry run is listed as a check only, a real run without the mark.
    expect(jobs.out).toMatch(/succeeded \(check only\)\s+sample\.write/);
    expect(
      jobs.out.split('\n').filter((l) => /succeeded\s+sample\.write/.test(l) && !l.includes('check only')).length,
    ).toBeGreaterThan(0);
  });

  it('creates tenants and tokens on the daemon SEREIN_URL names, audited there, never on the local store', async () => {
    const config = join(dir, 'c.yaml');
    writeFileSync(config, `store:\n  driver: sqlite\n  path: cli.db\nstateDir: state\nplaybooks: ${fixtures}\n`);
    const created = await run(['-c', config, 'tenant', 'create', 'acme', '--name', 'ACME', '--language', 'fr']);
    expect(created.code).toBe(0);
    expect(created.out).toContain(`tenant acme created on ${d.url}`);
    expect(await d.store.tenants.get('acme')).toMatchObject({ name: 'ACME', language: 'fr' });
    expect(existsSync(join(dir, 'cli.db'))).toBe(false);
    const audit = (await d.api('GET', '/v1/audit?action=tenant.create&subject=acme')).body.entries;
    expect(audit).toHaveLength(1);
    expect((await run(['-c', config, 'tenant', 'give', 'acme', 'domain', 'acme.fr'])).out).toContain(
      'domain acme.fr now belongs to acme',
    );
    const token = await run(['-c', config, 'token', 'create', '--tenant', 'acme']);
    expect(token.out).toMatch(/token: +srn_c_\S+/);
    expect((await run(['tenant', 'list'])).out).toMatch(/acme +fr {2}ACME/);
    const clash = await run(['-c', config, 'tenant', 'give', 'acme', 'domain', 'not a domain']);
    expect(clash.code).toBe(2);
    expect(existsSync(join(dir, 'cli.db'))).toBe(false);
  });

  it('tells a conflict as such, never as a database error', async () => {
    const again = await run(['tenant', 'create', 'acme', '--name', 'Someone else']);
    expect(again.code).toBe(2);
    expect(again.out).toContain('Tenant acme already exists');
    expect(again.out).not.toMatch(/sqlite|unique|constraint/i);
    expect((await run(['tenant', 'create', 'other', '--name', 'Other'])).code).toBe(0);
    const taken = await run(['tenant', 'give', 'other', 'domain', 'shop.acme.fr']);
    expect(taken.code).toBe(2);
    expect(taken.out).toContain('already belongs to another tenant');
    expect(taken.out).not.toMatch(/sqlite|unique|constraint/i);
    expect(
      (await d.api('GET', '/v1/audit?action=tenant.create')).body.entries.filter((e: any) => e.subject === 'acme'),
    ).toHaveLength(1);
  });

  it('makes the first admin token on the local store only when asked, with --local', async () => {
    const config = join(dir, 'bootstrap.yaml');
    writeFileSync(config, `store:\n  driver: sqlite\n  path: bootstrap.db\nstateDir: state\nplaybooks: ${fixtures}\n`);
    const offline = { SEREIN_URL: 'http://127.0.0.1:9', SEREIN_TOKEN: '' };
    const first = serein(['-c', config, 'token', 'create', '--admin', '--local'], offline);
    expect(await first.exited).toBe(0);
    const value = /token: +(srn_a_\S+)/.exec(first.output())?.[1];
    expect(value).toBeDefined();
    expect(first.output()).toContain('local store');
    const store = await Store.open({ driver: 'sqlite', path: join(dir, 'bootstrap.db') });
    try {
      expect(await store.tokens.verify(value!)).toMatchObject({ kind: 'admin' });
      expect((await store.audit.list({ action: 'token.create' }))[0].inputs).toMatchObject({
        kind: 'admin',
        via: 'local',
      });
    } finally {
      await store.close();
    }
    const client = serein(['-c', config, 'token', 'create', '--tenant', 'acme', '--local'], offline);
    expect(await client.exited).toBe(1);
    expect(client.output()).toContain('--local only makes admin tokens');
    const remote = serein(['-c', config, 'tenant', 'create', 'nowhere', '--name', 'N'], offline);
    expect(await remote.exited).toBe(5);
    expect(remote.output()).toContain('Cannot reach serein at http://127.0.0.1:9');
  });
});
