/**
 * Faults injected for real around a vhost change, each ending clean: nothing half-created,
 * `nginx -t` passing, a plain message for the client and the detail for the admin.
 * - nginx not reloading (its master process gone: `nginx -s reload` fails);
 * - nginx taking the reload signal but keeping its old configuration (its master out of
 *   file descriptors, set with prlimit: no new worker starts);
 * - the site folder's file system full (a 64 KiB tmpfs, filled) or read-only (a read-only
 *   bind mount);
 * - the SSH connection cut mid-step: the sshd process serving serein's connection is
 *   SIGKILLed while `nginx -t` runs through it (the lab's sshd itself keeps running).
 * Faults covered elsewhere are listed in the README's Reliability section.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { getWithHost, labWebserver, playbooksCopy, uniq } from './helpers/vhost-lab.js';
import { deleteSitesAndStop, expectNginxTestPasses } from './helpers/vhost-teardown.js';
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { until } from './helpers/until.js';
import { tempDir } from './helpers/tmp.js';
import { siteUserName } from '../src/actions/site-user.js';
import { useLab } from './lab/client.js';

const mounted: string[] = [];
function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: 'pipe' });
  mounted.push(args[args.length - 1]);
}

describe('faults around a vhost change', () => {
  let live: NginxInfo & { stop(): Promise<void> };
  let stopped: NginxInfo & { stop(): Promise<void> };
  let starved: NginxInfo & { stop(): Promise<void> };
  let d: TestDaemon;
  let dir: string;
  let playbooks: string;
  let A: { token: string };
  const tenant = uniq('tf');
  const dom = `${uniq('f')}.test`;
  const full = () => join(dir, 'full');
  const ro = () => join(dir, 'ro');
  const cutFlag = () => join(dir, 'cut-next-test');

  beforeAll(async () => {
    const lab = await useLab('nginx', 'sshd');
    live = await startPrivateNginx(lab.nginx!.binary);
    stopped = await startPrivateNginx(lab.nginx!.binary);
    starved = await startPrivateNginx(lab.nginx!.binary);
    dir = tempDir('serein-faults-');
    for (const p of [full(), ro()]) mkdirSync(p);
    // A full file system: a 64 KiB tmpfs with one file taking all of it.
    mount(['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', full()]);
    spawnSync('dd', ['if=/dev/zero', `of=${join(full(), 'filler')}`, 'bs=4k', 'count=64'], { stdio: 'ignore' });
    // A read-only file system: the folder bound onto itself, then remounted read-only.
    mount(['--bind', ro(), ro()]);
    execFileSync('mount', ['-o', 'remount,ro,bind', ro()]);
    // nginx as the SSH target runs it: `nginx -t` cuts its own SSH connection once when the flag is there
    // (it SIGKILLs the sshd process serving the connection, its nearest sshd ancestor), then runs for real.
    const wrapper = join(dir, 'nginx-cut.sh');
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase " $* " in *" -t "*) if rm "${cutFlag()}" 2>/dev/null; then\n  p=$PPID\n  while [ "$p" -gt 1 ]; do\n    if [ "$(cat /proc/$p/comm)" = sshd ]; then kill -KILL "$p"; exit 9; fi\n    p=$(awk '{print $4}' /proc/$p/stat)\n  done\nfi;; esac\nexec "$@"\n`,
      { mode: 0o755 },
    );
    const s = lab.sshd!;
    d = await startTestDaemon({
      playbooksDir: (playbooks = playbooksCopy()),
      config: {
        targets: {
          local: { type: 'local' },
          labssh: {
            type: 'ssh',
            host: s.host,
            port: s.port,
            username: s.username,
            privateKeyPath: s.privateKeyPath,
            hostKeySha256: s.hostKeySha256,
          },
        },
        webservers: {
          cut: labWebserver(live, dir, 'labssh', { nginx: [wrapper, ...(labWebserver(live, dir).nginx as string[])] }),
          live: labWebserver(live, dir),
          stopped: labWebserver(stopped, dir),
          starved: labWebserver(starved, dir),
          full: labWebserver(live, dir, 'local', { webRoot: full() }),
          ro: labWebserver(live, dir, 'local', { webRoot: ro() }),
        },
      },
    });
    A = await d.tenant(tenant, { domains: [dom], servers: ['live', 'stopped', 'starved', 'full', 'ro', 'cut'] });
  });

  afterEach(() => expectNginxTestPasses(live, stopped, starved));

  afterAll(async () => {
    await deleteSitesAndStop(d);
    for (const m of mounted.reverse()) spawnSync('umount', [m]);
    await live?.stop();
    await stopped?.stop();
    await starved?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (playbooks) rmSync(playbooks, { recursive: true, force: true });
  });

  /** Nothing of `name` left: no configuration file (nor a stray one), no record, no site folder. */
  async function nothingLeft(name: string, n: NginxInfo, webRoot: string) {
    expect(
      readdirSync(n.vhostDir).filter((f) => f.includes(name)),
      readdirSync(n.vhostDir).join(' '),
    ).toEqual([]);
    expect(await d.store.tenants.getResource('vhost', name)).toBeUndefined();
    expect(existsSync(join(webRoot, name))).toBe(false);
    expect(spawnSync('getent', ['passwd', siteUserName(name)]).status).toBe(2); // nor the site's own user
  }

  it("nginx not reloading (its master gone): the change is undone and the client told plainly, the admin given nginx's words", async () => {
    // The fault: nginx's master is stopped behind serein's back; its configuration still passes -t.
    process.kill(Number(readPid(stopped.pidFile)), 'SIGTERM');
    await until(async () => !existsSync(stopped.pidFile), 30_000, 'the stopped nginx to remove its pid file');
    const name = `reload.${dom}`;
    const job = await d.runJob('vhost.create', { webserver: 'stopped', domain: name }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('nginx_reload_failed');
    expect(job.error.message).toBe('The web server could not reload its configuration; the change was undone.');
    expect(job.error.detail).toBeUndefined();
    const admin = (await d.api('GET', `/v1/jobs/${job.id}`)).body.job;
    expect(admin.error.detail).toMatch(/^reload of stopped failed: .*nginx\.pid/s);
    await nothingLeft(name, stopped, join(dir, 'www'));
  });

  it('nginx taking the reload signal but keeping its old configuration (its master out of file descriptors): the change is undone, said as a failed reload', async () => {
    const keep = `keeps.${dom}`;
    expect((await d.runJob('vhost.create', { webserver: 'starved', domain: keep }, { token: A.token })).status).toBe(
      'succeeded',
    );
    // The fault: the master may open no more files, so the reload cannot open the new
    // configuration's logs; nginx accepts the signal, logs the error and keeps the old one.
    const master = readPid(starved.pidFile);
    const limit = execFileSync(
      'prlimit',
      ['--pid', master, '--nofile', '--raw', '--noheadings', '--output', 'SOFT,HARD'],
      { encoding: 'utf8' },
    )
      .trim()
      .split(/\s+/);
    execFileSync('prlimit', ['--pid', master, `--nofile=8:${limit[1]}`]); // the soft limit only: lowering the hard one could not be undone
    try {
      const name = `starved.${dom}`;
      const job = await d.runJob('vhost.create', { webserver: 'starved', domain: name }, { token: A.token });
      expect(job.status).toBe('failed');
      expect(job.error.code).toBe('nginx_reload_failed');
      expect(job.error.message).toBe('The web server could not reload its configuration; the change was undone.');
      const admin = (await d.api('GET', `/v1/jobs/${job.id}`)).body.job;
      expect(admin.error.detail).toMatch(
        /^reload of starved failed: nginx started no worker on the new configuration .* kept the previous one/,
      );
      await nothingLeft(name, starved, join(dir, 'www'));
      expect((await getWithHost('127.0.0.1', starved.port, keep)).body).toContain(`${keep} is ready`); // the others still served
    } finally {
      execFileSync('prlimit', ['--pid', master, `--nofile=${limit[0]}:${limit[1]}`]);
    }
  });

  it('the site folder on a full file system: nothing is half-created, and the message says the disk is full', async () => {
    const keep = `keepf.${dom}`;
    expect((await d.runJob('vhost.create', { webserver: 'live', domain: keep }, { token: A.token })).status).toBe(
      'succeeded',
    );
    const name = `full.${dom}`;
    const job = await d.runJob('vhost.create', { webserver: 'full', domain: name }, { token: A.token });
    expect(job.status).toBe('failed');
    const admin = (await d.api('GET', `/v1/jobs/${job.id}`)).body.job;
    expect(job.error).toEqual({
      code: 'disk_full',
      message: "The server's disk is full, so the change could not be written.",
      hint: 'Nothing was left half-done. Your provider has been given the details; try again once they have fixed the disk.',
    });
    expect(admin.error.detail).toMatch(/full\.[^ ]+ failed: .*No space left on device/);
    await nothingLeft(name, live, full());
    expect((await getWithHost('127.0.0.1', live.port, keep)).body).toContain(`${keep} is ready`); // the others still served
  });

  it('the site folder on a read-only file system: nothing is created, and the message says it is read-only', async () => {
    const name = `ro.${dom}`;
    const job = await d.runJob('vhost.create', { webserver: 'ro', domain: name }, { token: A.token });
    expect(job.status).toBe('failed');
    const admin = (await d.api('GET', `/v1/jobs/${job.id}`)).body.job;
    expect(job.error.code).toBe('disk_read_only'); // not "a symbolic link", as it read before
    expect(job.error.message).toBe("The server's disk is read-only at the moment, so the change could not be written.");
    expect(admin.error.detail).toMatch(/cannot create .*ro\.[^ ]+: Read-only file system/);
    await nothingLeft(name, live, ro());
  });

  it('the SSH connection cut while nginx -t runs through it: the change is undone over a new connection, nothing is left', async () => {
    const keep = `keepc.${dom}`;
    expect((await d.runJob('vhost.create', { webserver: 'live', domain: keep }, { token: A.token })).status).toBe(
      'succeeded',
    );
    const name = `cut.${dom}`;
    writeFileSync(cutFlag(), '');
    const job = await d.runJob('vhost.create', { webserver: 'cut', domain: name }, { token: A.token });
    expect(existsSync(cutFlag())).toBe(false); // the connection was cut for real
    const admin = (await d.api('GET', `/v1/jobs/${job.id}`)).body.job;
    const events = (await d.store.jobs.events(job.id)).map((e: { message: string }) => e.message);
    console.log(
      `ssh cut: ${job.status} ${JSON.stringify(job.error)} / admin: ${admin.error?.detail} / ${JSON.stringify(events)}`,
    );
    expect(job.status).toBe('failed');
    expect(job.error.message).toBe('We could not reach or change the server.');
    expect(job.error.hint).toMatch(/Nothing was left half-done/);
    expect(admin.error.detail).toMatch(/labssh/);
    await nothingLeft(name, live, join(dir, 'www'));
    expect((await getWithHost('127.0.0.1', live.port, keep)).body).toContain(`${keep} is ready`);
  });
});

function readPid(file: string): string {
  return execFileSync('cat', [file], { encoding: 'utf8' }).trim();
}
