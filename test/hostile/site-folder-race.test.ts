import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSiteFolder,
  removeSiteFolder,
  SymlinkRefused,
  SYMLINK_EXIT,
  WALK,
} from '../../src/targets/site-folder.js';
import { createTarget, LocalTarget, type Target } from '../../src/targets/index.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { getWithHost, labNginxTest, labWebserver, playbooksCopy, uniq } from '../helpers/vhost-lab.js';
import { StrugglingWatch } from '../../src/watch/struggling.js';
import { siteUserName } from '../../src/actions/site-user.js';
import { useLab, type LabInfo } from '../lab/client.js';

/**
 * A hostile client owns its site folder and can swap any folder inside it for a symbolic
 * link at any moment. A swapper process does exactly that, as fast as it can, while serein
 * (root) creates and deletes site folders: nothing outside the site may ever be touched.
 */

/** Swaps `$1` between the real folder and a link to `$2` until `$3` exists (bounded by a count). */
const SWAPPER = `
real=$1.real
i=0
while [ ! -e "$3" ] && [ $i -lt 200000 ]; do
  i=$((i+1))
  mv -T -- "$1" "$real" 2>/dev/null || continue
  ln -s -- "$2" "$1" 2>/dev/null
  rm -f -- "$1" 2>/dev/null
  mv -T -- "$real" "$1" 2>/dev/null
done`;

/** A folder outside any web root with files a successful attack would delete or change. */
function victim(dir: string): { root: string; intact(): boolean } {
  const root = join(dir, 'victim');
  mkdirSync(join(root, 'public'), { recursive: true });
  writeFileSync(join(root, 'public', 'canary.txt'), 'precious');
  writeFileSync(join(root, 'canary.txt'), 'precious');
  const modes = () => [root, join(root, 'public')].map((p) => statSync(p).mode).join(',');
  const before = modes();
  return {
    root,
    intact: () =>
      readFileSync(join(root, 'public', 'canary.txt'), 'utf8') === 'precious' &&
      readFileSync(join(root, 'canary.txt'), 'utf8') === 'precious' &&
      readdirSync(root).sort().join(',') === 'canary.txt,public' &&
      readdirSync(join(root, 'public')).join(',') === 'canary.txt' &&
      modes() === before,
  };
}

function startSwapper(
  folder: string,
  linkTo: string,
  stopFile: string,
  as: { uid?: number; gid?: number } = {},
): ChildProcess {
  return spawn('sh', ['-c', SWAPPER, 'swapper', folder, linkTo, stopFile], { stdio: 'ignore', ...as });
}

/** A site's own user, as the client's processes run (its SFTP session, its PHP, what it starts). */
const siteUser = (domain: string) => {
  const id = (db: string) =>
    Number(spawnSync('getent', [db, siteUserName(domain)], { encoding: 'utf8' }).stdout.split(':')[2]);
  return { uid: id('passwd'), gid: id('group') };
};

async function stopSwapper(p: ChildProcess, stopFile: string, folder: string): Promise<void> {
  writeFileSync(stopFile, '');
  // Killed by a signal (the site's user removed with its processes), it has no exit code but has exited.
  if (p.exitCode === null && p.signalCode === null) await new Promise((r) => p.once('exit', r));
  // Leave the folder real, whatever state the last swap left it in.
  if (!existsSync(folder) && existsSync(`${folder}.real`)) rmSync(`${folder}.real`, { recursive: true, force: true });
}

describe('site folders under a racing symlink swapper', () => {
  it('the walk refuses every swap with the link exit code (no name left for the shell to fill)', () => {
    // A "\${…}" left in the script is an unset variable under set -u: the shell would stop with
    // another code and a swap would be reported as a broken folder.
    expect(WALK).not.toMatch(/\$\{SYMLINK_EXIT\}/);
    expect(WALK.match(new RegExp(`fail ${SYMLINK_EXIT} `, 'g'))?.length).toBeGreaterThanOrEqual(5);
  });

  const dirs: string[] = [];
  let lab: LabInfo;
  beforeAll(async () => {
    lab = await useLab('sshd');
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  // The lab's sshd runs on this machine as root: the SSH target works on the same folders.
  const targets: [string, () => Target][] = [
    ['local', () => new LocalTarget()],
    ['SSH', () => createTarget('labssh', { type: 'ssh', ...lab.sshd! })],
  ];
  it.each(targets)('create and remove on the %s target never touch a file outside the site', async (_name, make) => {
    const dir = mkdtempSync(join(tmpdir(), 'serein-race-'));
    dirs.push(dir);
    const v = victim(dir);
    const webRoot = join(dir, 'www');
    const site = join(webRoot, 'shop.test');
    const app = join(site, 'app');
    const target = make();
    const rounds = 30;
    let refused = 0;
    let done = 0;
    try {
      for (let round = 0; round < rounds; round++) {
        mkdirSync(join(app, 'public'), { recursive: true });
        writeFileSync(join(app, 'public', 'index.php'), 'tenant file');
        const stop = join(dir, `stop-${round}`);
        const swapper = startSwapper(app, v.root, stop);
        try {
          if (round % 2) await removeSiteFolder(target, webRoot, join(app, 'public'));
          else
            await createSiteFolder(target, webRoot, join(app, 'public', 'new'), { mode: 0o755, page: 'placeholder' });
          done++;
        } catch (err) {
          expect(err).toBeInstanceOf(SymlinkRefused);
          refused++;
        } finally {
          await stopSwapper(swapper, stop, app);
        }
        expect(v.intact(), `round ${round}: a file outside the site was touched`).toBe(true);
        rmSync(site, { recursive: true, force: true });
      }
    } finally {
      await target.close();
    }
    expect(refused + done).toBe(rounds);
  });
});

describe('vhost.create and vhost.delete as a hostile client', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let dir: string;
  let v: ReturnType<typeof victim>;
  let A: { token: string };
  const tenant = uniq('race');
  const domain = `${uniq('r')}.test`;

  beforeAll(async () => {
    lab = await useLab('nginx');
    dir = mkdtempSync(join(tmpdir(), 'serein-race-vhost-'));
    chmodSync(dir, 0o755); // the client's processes run as its site's user: they reach their folder
    v = victim(dir);
    d = await startTestDaemon({
      playbooksDir: playbooksCopy(),
      config: {
        targets: { local: { type: 'local' } },
        webservers: {
          web: labWebserver(lab.nginx!, dir),
          // Where sites share the web server's user (siteUsers off, as on a container target), a client chooses
          // its site's folder inside its own: the folders above the site's files are the client's to swap.
          shared: labWebserver(lab.nginx!, dir, 'local', { siteUsers: false }),
        },
        limits: { jobs: { max: 1000, windowSeconds: 60 } },
      },
    });
    A = await d.tenant(tenant, { domains: [domain], servers: ['web', 'shared'] });
  });

  afterEach(() => {
    const t = labNginxTest(lab);
    expect(t.ok, t.output).toBe(true);
  });

  /**
   * A refusal the client caused in its own folder is that job's plain failure, never a state
   * for an admin: no job needing attention, no alert (feed, webhook, email), no escalation,
   * neither from the live watch nor from a later sweep of failures no success followed.
   */
  async function expectNoAdminNoise(jobs: { status: string; error?: { code: string } }[]): Promise<void> {
    expect(jobs.filter((j) => !['succeeded', 'failed'].includes(j.status)).map((j) => j.status)).toEqual([]);
    for (const j of jobs.filter((j) => j.status === 'failed')) expect(j.error?.code).toBe('site_folder_link');
    await new StrugglingWatch(d.daemon.engine).sweep(new Date(Date.now() + 86_400_000));
    expect(await d.store.alerts.list()).toEqual([]);
    expect(await d.store.escalations.list({ tenantId: tenant })).toEqual([]);
  }

  afterAll(async () => {
    if (d) {
      for (const r of await d.store.tenants.listResources({ kind: 'vhost' }))
        await d.runJob('vhost.delete', { domain: r.name });
      await d.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  // A site user's account made and removed each round: longer than the default under a loaded machine.
  it(
    'deleting a site with its files while a folder inside is swapped for a link deletes nothing outside',
    { timeout: 240_000 },
    async () => {
      // The site's own folder (its user's): the client swaps a folder it made inside.
      const app = join(dir, 'www', domain, 'public', 'app');
      // Each round is a fair race (about one in five hit the old code's window between check and delete).
      const jobs = [];
      for (let round = 0; round < 14; round++) {
        const made = await d.runJob('vhost.create', { webserver: 'web', domain }, { token: A.token });
        expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
        mkdirSync(app, { recursive: true });
        writeFileSync(join(app, 'index.php'), 'tenant file');
        spawnSync('chown', ['-R', `${siteUserName(domain)}:`, app]);
        const stop = join(dir, `stop-del-${round}`);
        const swapper = startSwapper(app, v.root, stop, siteUser(domain));
        let del;
        try {
          del = await d.runJob('vhost.delete', { domain, confirm: domain, removeFiles: true }, { token: A.token });
        } finally {
          await stopSwapper(swapper, stop, app);
        }
        expect(v.intact(), `round ${round}: a file outside the site was deleted`).toBe(true);
        jobs.push(del);
        if (del.status !== 'succeeded') {
          // Refused before anything was deleted: the site is back as it was, its files with it.
          expect(del.error.message, JSON.stringify(del.error)).toMatch(/^Remove the symbolic link/);
          expect(await d.store.tenants.getResource('vhost', domain)).toBeDefined();
          expect(readFileSync(join(app, 'index.php'), 'utf8')).toBe('tenant file');
          await d.runJob('vhost.delete', { domain, confirm: domain }, { token: A.token });
        }
      }
      await expectNoAdminNoise(jobs);
    },
  );

  it('a link the client left in its site folder fails the delete plainly, in English and French: nothing deleted, the site back online', async () => {
    const app = join(dir, 'www', domain, 'app3');
    const root = join(app, 'public');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'index.html'), 'the tenant page');
    const made = await d.runJob('vhost.create', { webserver: 'shared', domain, root }, { token: A.token });
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    // The client's folder, swapped for a link to a place outside its site.
    renameSync(app, `${app}.real`);
    symlinkSync(v.root, app);
    let del;
    try {
      del = await d.runJob('vhost.delete', { domain, confirm: domain, removeFiles: true }, { token: A.token });
    } finally {
      rmSync(app);
      renameSync(`${app}.real`, app);
    }
    expect(v.intact()).toBe(true);
    expect(del.status, JSON.stringify(del.error)).toBe('failed');
    expect(del.error.code).toBe('site_folder_link');
    expect(del.error.message).toBe(
      "Remove the symbolic link from your site's folder (or put back the folder it replaced), then delete the site again.",
    );
    expect(del.error.hint).toMatch(/no file was deleted and your site is online as before/);
    expect(JSON.stringify(del.error)).not.toContain(dir); // no server path for the client
    const fr = (await d.api('GET', `/v1/jobs/${del.id}`, { token: A.token, headers: { 'accept-language': 'fr' } })).body
      .job.error;
    expect(fr.message).toMatch(/^Retirez le lien symbolique du dossier de votre site/);
    expect(fr.hint).toMatch(/aucun fichier n'a été effacé et votre site est en ligne comme avant/);
    // Undone: the site answers again, with its files.
    const page = await getWithHost('127.0.0.1', lab.nginx!.port, domain);
    expect([page.status, page.body]).toEqual([200, 'the tenant page']);
    await expectNoAdminNoise([del]);
    const gone = await d.runJob('vhost.delete', { domain, confirm: domain, removeFiles: true }, { token: A.token });
    expect(gone.status, JSON.stringify(gone.error)).toBe('succeeded');
  });

  it('creating a site in a folder being swapped for a link creates nothing outside', async () => {
    const app = join(dir, 'www', domain, 'app2');
    const jobs = [];
    for (let round = 0; round < 8; round++) {
      mkdirSync(app, { recursive: true });
      const stop = join(dir, `stop-make-${round}`);
      const swapper = startSwapper(app, v.root, stop);
      let made;
      try {
        made = await d.runJob(
          'vhost.create',
          { webserver: 'shared', domain, root: join(app, `public${round}`) },
          { token: A.token },
        );
      } finally {
        await stopSwapper(swapper, stop, app);
      }
      expect(v.intact(), `round ${round}: something was created or changed outside the site`).toBe(true);
      jobs.push(made);
      if (made.status === 'succeeded')
        await d.runJob('vhost.delete', { domain, confirm: domain, removeFiles: true }, { token: A.token });
      else
        expect(made.error.message, JSON.stringify(made.error)).toMatch(
          /^Replace the symbolic link in your site's folder with a real folder/,
        );
    }
    await expectNoAdminNoise(jobs);
  });
});
