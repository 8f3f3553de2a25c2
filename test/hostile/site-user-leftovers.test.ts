import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../../src/actions/site-user.js';
import { checkMachine } from '../../src/check/index.js';
import { LocalTarget } from '../../src/targets/local.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { getWithHost, labNginxTest, labWebserver, uniq } from '../helpers/vhost-lab.js';
import { useLab, type LabInfo } from '../lab/client.js';

// What a deleted site's user leaves behind (isolation review of issue 23): its files and
// account kept for the domain must not pass to the next tenant given that domain, and
// nothing it scheduled or left running may outlive its site.

const getent = (db: 'passwd' | 'group', name: string) => spawnSync('getent', [db, name], { encoding: 'utf8' });
const idOf = (db: 'passwd' | 'group', name: string) => Number(getent(db, name).stdout.split(':')[2]);
const asUser = (user: string, argv: string[], input?: string) =>
  spawnSync('/usr/sbin/runuser', ['-u', user, '--', ...argv], {
    encoding: 'utf8',
    input,
    env: { PATH: '/usr/bin:/bin' },
  });
const crontabOf = (user: string) => `/var/spool/cron/crontabs/${user}`;

describe("a deleted site's user", () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let dir: string;
  let A: { token: string };
  let B: { token: string };
  const tenantA = uniq('ta');
  const tenantB = uniq('tb');
  const domMoved = `${uniq('mv')}.test`;
  const domOld = `${uniq('od')}.test`;
  const domCron = `${uniq('cr')}.test`;
  const domLogA = `${uniq('la')}.test`;
  const domLogB = `${uniq('lb')}.test`;
  const domShort = `${uniq('sh')}.test`;
  const domTrash = `${uniq('tr')}.test`;
  const domPhp = `${uniq('ph')}.test`;
  // The name a site got before its user's name had 40 bits of hash (20 letters, 6 hex digits).
  const shortName = `w-${domShort.replace(/[^a-z0-9]+/g, '-').slice(0, 20)}-${createHash('sha256').update(domShort).digest('hex').slice(0, 6)}`;
  const users = [domMoved, domOld, domCron, domLogA, domLogB, domShort, domTrash, domPhp, shortName].map((x) =>
    x.startsWith('w-') ? x : siteUserName(x),
  );
  const publicOf = (dom: string) => join(dir, 'www', dom, 'public');

  beforeAll(async () => {
    lab = await useLab('nginx', 'phpFpm');
    const f = lab.phpFpm!;
    dir = mkdtempSync(join(tmpdir(), 'serein-site-leftovers-'));
    chmodSync(dir, 0o755);
    d = await startTestDaemon({
      config: {
        targets: { local: { type: 'local' } },
        webservers: {
          web: labWebserver(lab.nginx!, dir, 'local', {
            siteUsers: true,
            nginxGroup: 'nogroup',
            php: { fpm: f.fpm, poolDir: f.poolDir, socketDir: f.socketDir, pidFile: f.pidFile, listenOwner: 'nobody' },
          }),
        },
      },
    });
    A = await d.tenant(tenantA, {
      domains: [domMoved, domOld, domCron, domLogA, domShort, domTrash, domPhp],
      servers: ['web'],
    });
    B = await d.tenant(tenantB, { domains: [domLogB], servers: ['web'], language: 'fr' });
  });

  afterEach(() => {
    const t = labNginxTest(lab.nginx!);
    expect(t.ok, t.output).toBe(true);
  });

  afterAll(async () => {
    if (d) {
      for (const r of await d.store.tenants.listResources({ kind: 'vhost' }))
        await d.runJob('vhost.delete', { domain: r.name, removeFiles: true });
      await d.stop();
    }
    for (const u of users) {
      spawnSync('pkill', ['-KILL', '-U', u]);
      rmSync(crontabOf(u), { force: true });
      if (getent('passwd', u).status === 0) spawnSync('userdel', [u]);
      if (getent('group', u).status === 0) spawnSync('groupdel', [u]);
      for (const f of ['/etc/cron.deny', '/etc/at.deny']) spawnSync('sed', ['-i', `/^${u}$/d`, f]);
    }
    if (lab?.phpFpm)
      for (const f of readdirSync(lab.phpFpm.poolDir))
        if (users.some((u) => f.includes(u))) rmSync(join(lab.phpFpm.poolDir, f), { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is not handed to the next tenant given the domain, with the files it kept', async () => {
    const made = await d.runJob('vhost.create', { webserver: 'web', domain: domMoved }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    writeFileSync(join(publicOf(domMoved), 'secret.txt'), 'tenant A only');
    const user = siteUserName(domMoved);
    chownSync(join(publicOf(domMoved), 'secret.txt'), idOf('passwd', user), idOf('group', 'nogroup'));
    // Deleted with its files kept (the default), then the domain moved to tenant B by an admin.
    expect((await d.runJob('vhost.delete', { domain: domMoved, confirm: domMoved }, { token: A.token })).status).toBe(
      'succeeded',
    );
    expect(getent('passwd', user).status).toBe(0);
    const take = await d.api('DELETE', `/v1/tenants/${tenantA}/resources/domain/${domMoved}`);
    expect(take.status, JSON.stringify(take.body)).toBe(204);
    const give = await d.api('POST', `/v1/tenants/${tenantB}/resources`, { body: { kind: 'domain', name: domMoved } });
    expect(give.status, JSON.stringify(give.body)).toBe(201);

    // B's site is refused: A's user and files stay A's, served under no site of B's.
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: domMoved }, { token: B.token });
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'site_kept_for_another' });
    expect(job.error.message).toMatch(/hébergeur/);
    const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`);
    expect(JSON.stringify(asAdmin.body.job.error)).toContain(tenantA);
    expect(await d.store.tenants.getResource('vhost', domMoved)).toBeFalsy();
    const served = await getWithHost('127.0.0.1', lab.nginx!.port, domMoved, '/secret.txt');
    expect(served.body).not.toContain('tenant A only');
    expect(getent('passwd', user).stdout).toContain(`serein site ${domMoved} ${tenantA}`);

    // Given back to A, its own kept files are its site again, then deleted with them.
    await d.api('DELETE', `/v1/tenants/${tenantB}/resources/domain/${domMoved}`);
    await d.api('POST', `/v1/tenants/${tenantA}/resources`, { body: { kind: 'domain', name: domMoved } });
    const again = await d.runJob('vhost.create', { webserver: 'web', domain: domMoved }, { token: A.token });
    expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
    expect((await getWithHost('127.0.0.1', lab.nginx!.port, domMoved, '/secret.txt')).body).toBe('tenant A only');
    const gone = await d.runJob(
      'vhost.delete',
      { domain: domMoved, removeFiles: true, confirm: domMoved },
      { token: A.token },
    );
    expect(gone.status, JSON.stringify(gone.error)).toBe('succeeded');
    expect(getent('passwd', user).status).not.toBe(0);
  });

  it('kept from a site made before users named their tenant, belongs to no tenant', async () => {
    const user = siteUserName(domOld);
    const made = spawnSync('useradd', [
      '-M',
      '-U',
      '-s',
      '/usr/sbin/nologin',
      '-c',
      `serein site ${domOld}`,
      '--',
      user,
    ]);
    expect(made.status).toBe(0);
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: domOld }, { token: A.token });
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'site_kept_for_another' });
    expect(existsSync(join(dir, 'www', domOld))).toBe(false);
  });

  it('schedules nothing, and what it left running or scheduled ends with its site', async () => {
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: domCron }, { token: A.token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const user = siteUserName(domCron);
    // The site's code (its PHP, a shell it reaches) cannot use cron or at.
    expect(asUser(user, ['crontab', '-'], '* * * * * id\n').status).not.toBe(0);
    expect(asUser(user, ['at', 'now', '+', '1', 'hour'], 'id\n').status).not.toBe(0);
    // serein check warns of a site user left out (one made before), not of this one.
    const warned = async () => {
      const deps = { config: d.daemon.config, target: () => new LocalTarget('local') };
      const [f] = await checkMachine(deps, { webserver: 'web', parts: ['scheduling'] });
      return f.note ?? '';
    };
    expect(await warned()).not.toContain(user);
    expect(spawnSync('sed', ['-i', `/^${user}$/d`, '/etc/at.deny']).status).toBe(0);
    expect(await warned()).toContain(user);
    expect(spawnSync('sh', ['-c', 'echo "$1" >> /etc/at.deny', 'sh', user]).status).toBe(0);
    // A crontab it has all the same (left from before), and a process it left running.
    const tab = crontabOf(user);
    writeFileSync(tab, '* * * * * id\n', { mode: 0o600 });
    chownSync(tab, idOf('passwd', user), idOf('group', 'crontab'));
    const sleeper = spawn('/usr/sbin/runuser', ['-u', user, '--', 'sleep', '600'], { stdio: 'ignore' });
    const running = () => spawnSync('pgrep', ['-U', user, '-x', 'sleep']).status === 0;
    await until(running, 10_000, 'the site user to run its process');

    // Deleted with its files kept: its user stays (it owns them), nothing of it runs or is scheduled.
    const del = await d.runJob('vhost.delete', { domain: domCron, confirm: domCron }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    expect(getent('passwd', user).status).toBe(0);
    expect(existsSync(tab)).toBe(false);
    await until(() => !running(), 10_000, 'the site user to run nothing');
    expect(sleeper.exitCode ?? sleeper.signalCode).not.toBeNull();
  });

  it("reads neither another site's logs nor the PHP pools' files", async () => {
    for (const [dom, who] of [
      [domLogA, A],
      [domLogB, B],
    ] as const) {
      const job = await d.runJob('vhost.create', { webserver: 'web', domain: dom, php: true }, { token: who.token });
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    }
    expect((await getWithHost('127.0.0.1', lab.nginx!.port, domLogB, '/')).status).toBe(200); // a line in B's log
    const logB = join(dir, 'logs', `${domLogB}.access.log`);
    await until(() => existsSync(logB), 10_000, "B's access log");
    const userA = siteUserName(domLogA);
    // As A's code would, through its shell: B's log (and who B's visitors are) is not A's to read.
    const read = asUser(userA, ['cat', logB]);
    expect(read.status).not.toBe(0);
    expect(read.stdout).not.toContain(domLogB);
    expect(asUser(userA, ['ls', join(dir, 'logs')]).status).not.toBe(0);
    // The pool files name every site and tenant: php-fpm's master (root) reads them, nobody else.
    for (const dom of [domLogA, domLogB]) {
      const pool = join(lab.phpFpm!.poolDir, `serein-${siteUserName(dom)}.conf`);
      expect(statSync(pool).mode & 0o777).toBe(0o640);
      expect(statSync(pool).uid).toBe(0);
    }
  });

  it("is named with 40 bits of its domain's hash: a colliding domain is not found by trying names", () => {
    for (const dom of ['a.test', `${'victim-shop-'.repeat(6)}example.fr`, 'xn--caf-dma.example']) {
      const name = siteUserName(dom);
      expect(name).toMatch(/^w-[a-z0-9-]{0,18}-[0-9a-f]{10}$/);
      expect(name.length).toBeLessThanOrEqual(32);
    }
    // Two domains sharing their first letters still get two users.
    expect(siteUserName(`${'x'.repeat(30)}.a.test`)).not.toBe(siteUserName(`${'x'.repeat(30)}.b.test`));
  });

  it('keeps the name its record holds, one made with the shorter hash too', async () => {
    const made = await d.runJob('vhost.create', { webserver: 'web', domain: domShort }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    // As a site made before: its user (same uid, same files) and its record under the former name.
    const now = siteUserName(domShort);
    expect(spawnSync('usermod', ['-l', shortName, '--', now]).status).toBe(0);
    expect(spawnSync('groupmod', ['-n', shortName, '--', now]).status).toBe(0);
    const rec = (await d.store.tenants.getResource('vhost', domShort))!;
    await d.store.tenants.putResource({ ...rec, data: { ...rec.data, user: shortName } });
    // Updated with PHP: the same user runs it, no second user is made.
    const again = await d.runJob('vhost.create', { webserver: 'web', domain: domShort, php: true }, { token: A.token });
    expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
    expect(again.result.user).toBe(shortName);
    expect(getent('passwd', now).status).not.toBe(0);
    const gone = await d.runJob(
      'vhost.delete',
      { domain: domShort, removeFiles: true, confirm: domShort },
      { token: A.token },
    );
    expect(gone.status, JSON.stringify(gone.error)).toBe('succeeded');
    expect(getent('passwd', shortName).status).not.toBe(0);
  });

  it("restores a site's files under the site's own lock, as its create and delete take it", async () => {
    const made = await d.runJob('vhost.create', { webserver: 'web', domain: domTrash }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    const del = await d.runJob(
      'vhost.delete',
      { domain: domTrash, removeFiles: true, confirm: domTrash },
      { token: A.token },
    );
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    const trash = (await d.api('GET', '/v1/trash', { token: A.token })).body.trash as { id: string; name: string }[];
    const item = trash.find((t) => t.name === domTrash)!;
    const res = await d.api('POST', '/v1/jobs', {
      token: A.token,
      body: { playbook: 'trash.restore', inputs: { item: item.id } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    // Queued under vhost:<site>: a vhost.create or vhost.delete of that name waits for it, and it for them.
    expect((await d.store.jobs.get(res.body.job.id))!.resource).toBe(`vhost:${domTrash}`);
    const done = await d.waitJob(res.body.job.id, A.token);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  });

  it("keeps its PHP's temporary files and sessions in its own folders, not in the shared /tmp", async () => {
    const made = await d.runJob('vhost.create', { webserver: 'web', domain: domPhp, php: true }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    const user = siteUserName(domPhp);
    const home = join(dir, 'www', domPhp);
    for (const f of ['tmp', 'sessions']) {
      const st = statSync(join(home, f));
      expect([st.uid, st.mode & 0o7777]).toEqual([idOf('passwd', user), 0o700]);
    }
    const script = join(publicOf(domPhp), 'state.php');
    writeFileSync(
      script,
      '<?php session_start(); $_SESSION["n"] = 1; $t = tempnam(sys_get_temp_dir(), "up");' +
        ' echo sys_get_temp_dir(), "|", session_save_path(), "|", session_id(), "|", $t;',
    );
    chownSync(script, idOf('passwd', user), idOf('group', 'nogroup'));
    const r = await getWithHost('127.0.0.1', lab.nginx!.port, domPhp, '/state.php');
    expect(r.status, r.body).toBe(200);
    const [tmp, saved, id, temp] = r.body.split('|');
    expect([tmp, saved]).toEqual([join(home, 'tmp'), join(home, 'sessions')]);
    // PHP writes the session when the script ends: its file is in the site's folder, not in /tmp.
    await until(() => existsSync(join(home, 'sessions', `sess_${id}`)), 10_000, 'the session file');
    expect(existsSync(join('/tmp', `sess_${id}`))).toBe(false);
    expect(temp.startsWith(join(home, 'tmp') + '/')).toBe(true);
  });
});
