// How many programs a new site costs on its target: at hundreds of sites at once, each one
// started is a fork of the daemon on its event loop (issue 25, "500 at once"). On a server
// without site users, a new site's default folder on the daemon's own machine is made with
// none; a folder the client chose deeper, by one script, which refuses a link as the
// preflight's look did; a site already there is still looked at before anything changes.
// With a system user per site, the account is one useradd, the only program that waits for
// the other sites' accounts, and cron and at are denied to it in one script.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { siteUserName } from '../src/actions/site-user.js';
import { SCHEDULER_DENY_FILES } from '../src/check/scheduling.js';
import { LocalTarget } from '../src/targets/local.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest, labWebserver, uniq } from './helpers/vhost-lab.js';
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { useLab } from './lab/client.js';

let d: TestDaemon;
let nginx: NginxInfo & { stop(): Promise<void> };
let client: { token: string };
let webRoot: string;
const dom = `${uniq('pg')}.test`;

beforeAll(async () => {
  const lab = await useLab('nginx');
  nginx = await startPrivateNginx(lab.nginx!.binary);
  const dir = tempDir('serein-programs-');
  webRoot = join(dir, 'www');
  d = await startTestDaemon({
    config: {
      targets: { local: { type: 'local' } },
      webservers: {
        web: labWebserver(nginx, dir, 'local', { batchWindowMs: 0, siteUsers: false }),
      },
    },
  });
  client = await d.tenant(uniq('tp'), { domains: [dom], servers: ['web'] });
});

afterAll(async () => {
  await d?.stop();
  const t = labNginxTest(nginx);
  await nginx?.stop();
  expect(t.ok, t.output).toBe(true);
});

describe('programs started on the target per site', () => {
  it('a new site: its default folder costs no program, a folder chosen inside it one script; an update looks first', async () => {
    const run = vi.spyOn(LocalTarget.prototype, 'run');
    // The scripts a site's folder takes (nginx's own phase, one check and reload per batch of sites, is not counted).
    const programs = () => run.mock.calls.filter(([argv]) => argv[0] === 'sh').map(([argv]) => argv[3]);
    try {
      const name = `one.${dom}`;
      const job = await d.runJob('vhost.create', { webserver: 'web', domain: name }, { token: client.token });
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      expect(programs()).toEqual([]);
      // Made as the script makes it: the placeholder page, the folder opened up once it holds it.
      expect(statSync(join(webRoot, name)).mode & 0o7777).toBe(0o755);
      expect(statSync(join(webRoot, name, 'index.html')).mode & 0o7777).toBe(0o644);
      expect(readFileSync(join(webRoot, name, 'index.html'), 'utf8')).toContain(`${name} is ready`);
      run.mockClear();
      const deeper = `two.${dom}`;
      const root = join(webRoot, deeper, 'site');
      const chosen = await d.runJob(
        'vhost.create',
        { webserver: 'web', domain: deeper, root },
        { token: client.token },
      );
      expect(chosen.status, JSON.stringify(chosen.error)).toBe('succeeded');
      expect(programs()).toEqual(['serein-site-folder']);
      run.mockClear();
      const again = await d.runJob(
        'vhost.create',
        { webserver: 'web', domain: name, aliases: [] },
        { token: client.token },
      );
      expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
      // The preflight's look at a live site's folder, and the apply's before it decides what an undo may take.
      expect(programs()).toEqual(['serein-site-folder', 'serein-site-folder']);
    } finally {
      run.mockRestore();
    }
  });
});

describe('programs started on the target per site with its own user', () => {
  let du: TestDaemon | undefined;
  let own: (NginxInfo & { stop(): Promise<void> }) | undefined;
  const domain = `${uniq('pu')}.test`;
  const user = siteUserName(domain);
  afterAll(async () => {
    await du?.stop();
    if (spawnSync('getent', ['passwd', user]).status === 0) spawnSync('userdel', ['--', user]);
    if (own) {
      const t = labNginxTest(own);
      await own.stop();
      expect(t.ok, t.output).toBe(true);
    }
  });

  it('a new site’s account: one useradd, cron and at denied in one script, the account read once', async () => {
    const lab = await useLab('nginx');
    own = await startPrivateNginx(lab.nginx!.binary);
    const dir = tempDir('serein-programs-users-');
    du = await startTestDaemon({
      config: {
        targets: { local: { type: 'local' } },
        // siteUsers left to its default: on, for a local target.
        webservers: { web: labWebserver(own, dir, 'local', { batchWindowMs: 0 }) },
      },
    });
    const owner = await du.tenant(uniq('tu'), { domains: [domain], servers: ['web'] });
    const run = vi.spyOn(LocalTarget.prototype, 'run');
    // The site's account and folders (nginx's own phase is not counted): a script by its name, a program by its own.
    const programs = () =>
      run.mock.calls
        .map(([argv]) => (argv[0] === 'sh' ? argv[3] : argv[0]))
        .filter((p) => ['getent', 'useradd', 'serein-deny', 'serein-site-layout'].includes(p));
    try {
      const job = await du.runJob('vhost.create', { webserver: 'web', domain, aliases: [] }, { token: owner.token });
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      expect(programs()).toEqual(['getent', 'useradd', 'serein-deny', 'serein-site-layout']);
    } finally {
      run.mockRestore();
    }
    expect(spawnSync('getent', ['passwd', user], { encoding: 'utf8' }).stdout).toContain(`serein site ${domain}`);
    for (const f of SCHEDULER_DENY_FILES) expect(readFileSync(f, 'utf8').split('\n')).toContain(user);
    const gone = await du.runJob('vhost.delete', { domain, removeFiles: true });
    expect(gone.status, JSON.stringify(gone.error)).toBe('succeeded');
    expect(spawnSync('getent', ['passwd', user]).status).toBe(2);
    for (const f of SCHEDULER_DENY_FILES) expect(readFileSync(f, 'utf8').split('\n')).not.toContain(user);
  }, 60_000);
});
