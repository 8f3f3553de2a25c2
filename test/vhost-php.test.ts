import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../src/actions/site-user.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { getWithHost, labWebserver, playbooksCopy, uniq } from './helpers/vhost-lab.js';
import { deleteSitesAndStop, expectNginxTestPasses } from './helpers/vhost-teardown.js';
import { useLab, type LabInfo } from './lab/client.js';

// A site of its own (issue 23): each site its system user, its folders, its PHP pool; one
// tenant's code never reads another's files. Against the lab's nginx and php-fpm.

const getent = (db: 'passwd' | 'group', name: string) => spawnSync('getent', [db, name], { encoding: 'utf8' });
const uidOf = (name: string) => Number(getent('passwd', name).stdout.split(':')[2]);

describe('sites with a user and PHP of their own', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let dir: string;
  let playbooks: string;
  let A: { token: string };
  let B: { token: string };
  const domA = `${uniq('pa')}.test`;
  const domB = `${uniq('pb')}.test`;
  const userA = siteUserName(domA);
  const userB = siteUserName(domB);
  const publicOf = (dom: string) => join(dir, 'www', dom, 'public');
  const get = async (host: string, path: string) => getWithHost('127.0.0.1', lab.nginx!.port, host, path);
  // A file the site's own user writes (as its SFTP account would).
  const put = (dom: string, user: string, name: string, content: string, mode = 0o644) => {
    const f = join(publicOf(dom), name);
    writeFileSync(f, content, { mode });
    chownSync(f, uidOf(user), uidOf(user));
    return f;
  };

  beforeAll(async () => {
    lab = await useLab('nginx', 'phpFpm');
    dir = mkdtempSync(join(tmpdir(), 'serein-vhost-php-'));
    chmodSync(dir, 0o755); // as a web root's parents are: each site's user walks through to its own folder
    const f = lab.phpFpm!;
    d = await startTestDaemon({
      playbooksDir: (playbooks = playbooksCopy()),
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
    A = await d.tenant(uniq('ta'), { domains: [domA], servers: ['web'] });
    B = await d.tenant(uniq('tb'), { domains: [domB], servers: ['web'], language: 'fr' });
  });

  afterEach(() => expectNginxTestPasses(lab.nginx!));

  afterAll(async () => {
    await deleteSitesAndStop(d);
    for (const u of [userA, userB]) if (getent('passwd', u).status === 0) spawnSync('userdel', [u]);
    for (const f of readdirSync(lab.nginx!.vhostDir))
      if (f.includes(domA) || f.includes(domB)) rmSync(join(lab.nginx!.vhostDir, f), { force: true });
    for (const f of readdirSync(lab.phpFpm!.poolDir))
      if (f.includes(userA) || f.includes(userB)) rmSync(join(lab.phpFpm!.poolDir, f), { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (playbooks) rmSync(playbooks, { recursive: true, force: true });
  });

  it("the dry run shows the site's user, its PHP pool and its folders, and makes none of them", async () => {
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: domA, php: true }, { dryRun: true });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const plan = JSON.stringify(job.result.plan);
    expect(plan).toContain(`useradd`);
    expect(plan).toContain(`the site's own system user and group ${userA}`);
    expect(plan).toContain(`${join(dir, 'www', domA)} (the server's, 0755)`);
    expect(plan).toContain(`${publicOf(domA)} (${userA}'s`);
    expect(plan).toMatch(/PHP for the site in its own pool, running as w-/);
    expect(getent('passwd', userA).status).toBe(2);
    expect(existsSync(join(dir, 'www', domA))).toBe(false);
  });

  it("runs each site's PHP as its own user, which cannot read another site's files, by open_basedir or by permissions", async () => {
    for (const [dom, who] of [
      [domA, A],
      [domB, B],
    ] as const) {
      const job = await d.runJob('vhost.create', { webserver: 'web', domain: dom, php: true }, { token: who.token });
      const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`);
      expect(job.status, JSON.stringify(asAdmin.body.job.error)).toBe('succeeded');
      expect(job.result).toMatchObject({ php: true, layout: 'own' });
    }
    expect(getent('passwd', userA).stdout).toContain(`serein site ${domA}`);
    expect(getent('passwd', userA).stdout.trim()).toMatch(/:\/usr\/sbin\/nologin$/);
    const home = statSync(join(dir, 'www', domA));
    expect([home.uid, home.mode & 0o7777]).toEqual([0, 0o755]); // the SFTP chroot: root's, nobody else writes
    const pub = statSync(publicOf(domA));
    expect([pub.uid, pub.mode & 0o7777]).toEqual([uidOf(userA), 0o2750]);
    // Numbered apart from the ~900 system ids, which a server of a thousand sites would run out of.
    expect(uidOf(userA)).toBeGreaterThanOrEqual(200000);
    // ...and without subordinate ids, whose range would cover other sites' uids.
    for (const file of ['/etc/subuid', '/etc/subgid'])
      if (existsSync(file)) expect(readFileSync(file, 'utf8')).not.toMatch(new RegExp(`^${userA}:`, 'm'));
    expect((await get(domA, '/')).body).toContain(`${domA} is ready`); // nginx still reads the static page

    put(domA, userA, 'whoami.php', '<?php echo "user=", posix_getpwuid(posix_geteuid())["name"];');
    expect((await get(domA, '/whoami.php')).body).toBe(`user=${userA}`);
    put(domB, userB, 'whoami.php', '<?php echo "user=", posix_getpwuid(posix_geteuid())["name"];');
    expect((await get(domB, '/whoami.php')).body).toBe(`user=${userB}`);

    const secret = put(domB, userB, 'secret.txt', 'B-SECRET', 0o644); // left readable by mistake
    put(
      domA,
      userA,
      'steal.php',
      `<?php $a = @file_get_contents(${JSON.stringify(secret)}); echo "basedir=", var_export($a, true), "\\n";
ini_set("open_basedir", "/"); // open_basedir can only be narrowed: this is refused
echo "shell=", var_export(shell_exec("cat ${secret} 2>&1"), true);`,
    );
    const stolen = (await get(domA, '/steal.php')).body;
    expect(stolen).toContain('basedir=false'); // open_basedir: outside the site's folder
    expect(stolen).toMatch(/shell='cat: .*Permission denied/); // permissions: B's folder is closed to A's user
    expect(stolen).not.toContain('B-SECRET');
  });

  it("a link tenant A plants into B's folder is followed neither by nginx, PHP nor the delete", async () => {
    const secret = join(publicOf(domB), 'secret.txt');
    const link = join(publicOf(domA), 'b-files');
    symlinkSync(publicOf(domB), link);
    spawnSync('chown', ['-h', `${userA}:${userA}`, link]);
    expect((await get(domA, '/b-files/secret.txt')).body).not.toContain('B-SECRET');
    put(
      domA,
      userA,
      'via-link.php',
      `<?php echo var_export(@file_get_contents(${JSON.stringify(`${link}/secret.txt`)}), true);`,
    );
    expect((await get(domA, '/via-link.php')).body).toBe('false');

    const del = await d.runJob('vhost.delete', { domain: domA, confirm: domA, removeFiles: true }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    expect(existsSync(join(dir, 'www', domA))).toBe(false);
    expect(existsSync(secret)).toBe(true); // B's file is where it was
    expect((await get(domB, '/whoami.php')).body).toBe(`user=${userB}`); // and B's PHP still runs
  });

  it('delete removes the pool, the user and its group, after the copy in the trash', async () => {
    // domA's delete above: its user, group and pool are gone, its files have a copy in the trash.
    expect(getent('passwd', userA).status).toBe(2);
    expect(getent('group', userA).status).toBe(2);
    expect(readdirSync(lab.phpFpm!.poolDir).some((f) => f.includes(userA))).toBe(false);
    const copies = await d.api('GET', '/v1/trash', { token: A.token });
    expect(JSON.stringify(copies.body)).toContain(domA);
    expect((await get(domA, '/whoami.php')).body).not.toContain('user=');
  });
});
