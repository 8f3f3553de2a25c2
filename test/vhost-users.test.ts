import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../src/actions/site-user.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { getWithHost, labNginxTest, labWebserver, playbooksCopy, uniq } from './helpers/vhost-lab.js';
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { useLab, type LabInfo } from './lab/client.js';

// A site of its own as a provider runs it (issue 23): nginx's workers not root but a user of
// their own, whose group is the only one given each site's public folder. Through that
// group nginx serves a site's files and its PHP; one site's user reads nothing of another's.
// The lab's shared nginx keeps root workers (every test file's folders are 0700 temporary
// folders): this file runs a private nginx with a `user` line.

const getent = (db: 'passwd' | 'group', name: string) => spawnSync('getent', [db, name], { encoding: 'utf8' });
const idOf = (db: 'passwd' | 'group', name: string) => Number(getent(db, name).stdout.split(':')[2]);
/** A program run as a site's own user (as its SFTP session or its PHP would). */
const asUser = (user: string, argv: string[], cwd = '/') =>
  spawnSync('/usr/sbin/runuser', ['-u', user, '--', ...argv], {
    cwd,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin' },
  });

describe('sites of their own, served by nginx workers that are not root', () => {
  let lab: LabInfo;
  let nginx: NginxInfo & { stop(): Promise<void> };
  let d: TestDaemon;
  let dir: string;
  let playbooks: string;
  let A: { token: string };
  let B: { token: string };
  // nginx's worker: a user and group of its own, made for this file and removed after.
  const web = `srnweb${uniq('').slice(0, 6)}`;
  const domA = `${uniq('ua')}.test`;
  const domB = `${uniq('ub')}.test`;
  const [userA, userB] = [siteUserName(domA), siteUserName(domB)];
  const publicOf = (dom: string) => join(dir, 'www', dom, 'public');
  const get = (host: string, path = '/') => getWithHost('127.0.0.1', nginx.port, host, path);

  beforeAll(async () => {
    lab = await useLab('nginx', 'phpFpm');
    const made = spawnSync('useradd', ['-M', '-r', '-U', '-s', '/usr/sbin/nologin', '--', web], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    nginx = await startPrivateNginx(lab.nginx!.binary, { user: `${web} ${web}` });
    dir = mkdtempSync(join(tmpdir(), 'serein-vhost-users-'));
    chmodSync(dir, 0o755); // as a web root's parents are: nginx's workers walk through to each site
    const f = lab.phpFpm!;
    d = await startTestDaemon({
      playbooksDir: (playbooks = playbooksCopy()),
      config: {
        targets: { local: { type: 'local' } },
        webservers: {
          // siteUsers left to its default: on, for a local target.
          web: labWebserver(nginx, dir, 'local', {
            nginxGroup: web,
            php: { fpm: f.fpm, poolDir: f.poolDir, socketDir: f.socketDir, pidFile: f.pidFile, listenOwner: web },
          }),
        },
      },
    });
    A = await d.tenant(uniq('ta'), { domains: [domA], servers: ['web'] });
    B = await d.tenant(uniq('tb'), { domains: [domB], servers: ['web'] });
  });

  afterEach(() => {
    const t = labNginxTest(nginx);
    expect(t.ok, t.output).toBe(true);
  });

  afterAll(async () => {
    if (d) {
      for (const r of await d.store.tenants.listResources({ kind: 'vhost' }))
        await d.runJob('vhost.delete', { domain: r.name, removeFiles: true });
      await d.stop();
    }
    for (const u of [userA, userB]) if (getent('passwd', u).status === 0) spawnSync('userdel', [u]);
    if (lab?.phpFpm)
      for (const f of readdirSync(lab.phpFpm.poolDir))
        if (f.includes(userA) || f.includes(userB)) rmSync(join(lab.phpFpm.poolDir, f), { force: true });
    await nginx?.stop();
    if (getent('passwd', web).status === 0) spawnSync('userdel', [web]);
    if (getent('group', web).status === 0) spawnSync('groupdel', [web]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (playbooks) rmSync(playbooks, { recursive: true, force: true });
  });

  it("serves each site's files through nginx's group, and one site's user cannot read another's", async () => {
    const workers = spawnSync(
      'ps',
      ['-o', 'user=', '--ppid', String(Number(spawnSync('cat', [nginx.pidFile], { encoding: 'utf8' }).stdout))],
      {
        encoding: 'utf8',
      },
    );
    expect(workers.stdout.trim().split('\n')).toEqual([web]); // the workers are not root
    for (const [dom, who, php] of [
      [domA, A, true],
      [domB, B, false],
    ] as const) {
      const job = await d.runJob('vhost.create', { webserver: 'web', domain: dom, php }, { token: who.token });
      const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`);
      expect(job.status, JSON.stringify(asAdmin.body.job.error)).toBe('succeeded');
      expect(job.result).toMatchObject({ layout: 'own', user: siteUserName(dom), php });
    }
    const pub = statSync(publicOf(domA));
    expect([pub.uid, pub.gid, pub.mode & 0o7777]).toEqual([idOf('passwd', userA), idOf('group', web), 0o2750]);
    expect((await get(domA)).body).toContain(`${domA} is ready`);

    // Files the site's user writes (its SFTP account, its PHP) get nginx's group from the folder: served...
    for (const [dom, user] of [
      [domA, userA],
      [domB, userB],
    ]) {
      const w = asUser(
        user,
        ['sh', '-c', `umask 027 && mkdir -p css && echo "${dom} style" > css/site.css`],
        publicOf(dom),
      );
      expect(w.status, w.stderr).toBe(0);
    }
    const css = statSync(join(publicOf(domA), 'css', 'site.css'));
    expect([css.uid, css.gid, css.mode & 0o777]).toEqual([idOf('passwd', userA), idOf('group', web), 0o640]);
    expect(await get(domA, '/css/site.css')).toMatchObject({ status: 200, body: `${domA} style\n` });
    expect(await get(domB, '/css/site.css')).toMatchObject({ status: 200, body: `${domB} style\n` });
    // ...and a file the user keeps to itself is not: nginx reads as its own user, not as root.
    expect(asUser(userA, ['sh', '-c', 'echo private > notes.txt && chmod 600 notes.txt'], publicOf(domA)).status).toBe(
      0,
    );
    const kept = await get(domA, '/notes.txt');
    expect([403, 404]).toContain(kept.status);
    expect(kept.body).not.toContain('private');

    // Its PHP runs as the site's user through the pool's socket, which only nginx's worker may use.
    expect(
      asUser(
        userA,
        ['sh', '-c', `printf '%s' '<?php echo "user=", posix_getpwuid(posix_geteuid())["name"];' > who.php`],
        publicOf(domA),
      ).status,
    ).toBe(0);
    expect((await get(domA, '/who.php')).body).toBe(`user=${userA}`);

    // One site's user reads nothing of another's: neither its folder nor a file in it.
    for (const [user, other] of [
      [userA, domB],
      [userB, domA],
    ]) {
      const ls = asUser(user, ['ls', publicOf(other)]);
      expect([ls.status, ls.stderr]).toEqual([2, expect.stringMatching(/Permission denied/)]);
      const cat = asUser(user, ['cat', join(publicOf(other), 'css', 'site.css')]);
      expect([cat.status, cat.stderr]).toEqual([1, expect.stringMatching(/Permission denied/)]);
    }
    // Nor can it write in its own home (root's: the SFTP chroot) or in the web root.
    expect(asUser(userA, ['touch', join(dir, 'www', domA, 'x')]).status).not.toBe(0);
    expect(asUser(userA, ['touch', join(dir, 'www', 'x')]).status).not.toBe(0);
  });
});
