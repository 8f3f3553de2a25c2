import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSiteFolder, removeSiteFolder, SymlinkRefused } from '../../src/targets/site-folder.js';
import { createTarget, LocalTarget, type Target } from '../../src/targets/index.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { labNginxTest, labWebserver, playbooksCopy, uniq } from '../helpers/vhost-lab.js';
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

function startSwapper(folder: string, linkTo: string, stopFile: string): ChildProcess {
  return spawn('sh', ['-c', SWAPPER, 'swapper', folder, linkTo, stopFile], { stdio: 'ignore' });
}

async function stopSwapper(p: ChildProcess, stopFile: string, folder: string): Promise<void> {
  writeFileSync(stopFile, '');
  if (p.exitCode === null) await new Promise((r) => p.once('exit', r));
  // Leave the folder real, whatever state the last swap left it in.
  if (!existsSync(folder) && existsSync(`${folder}.real`)) rmSync(`${folder}.real`, { recursive: true, force: true });
}

describe('site folders under a racing symlink swapper', () => {
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
          else await createSiteFolder(target, webRoot, join(app, 'public', 'new'), { mode: 0o755, page: 'placeholder' });
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
    v = victim(dir);
    d = await startTestDaemon({ playbooksDir: playbooksCopy(), config: { targets: { local: { type: 'local' } }, webservers: { web: labWebserver(lab.nginx!, dir) }, limits: { jobs: { max: 1000, windowSeconds: 60 } } } });
    A = await d.tenant(tenant, { domains: [domain], servers: ['web'] });
  });

  afterEach(() => {
    const t = labNginxTest(lab);
    expect(t.ok, t.output).toBe(true);
  });

  afterAll(async () => {
    if (d) {
      for (const r of await d.store.tenants.listResources({ kind: 'vhost' })) await d.runJob('vhost.delete', { domain: r.name });
      await d.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('deleting a site with its files while a folder inside is swapped for a link deletes nothing outside', async () => {
    const app = join(dir, 'www', domain, 'app');
    const root = join(app, 'public');
    // Each round is a fair race (about one in five hit the old code's window between check and delete).
    for (let round = 0; round < 14; round++) {
      mkdirSync(root, { recursive: true });
      const made = await d.runJob('vhost.create', { webserver: 'web', domain, root }, { token: A.token });
      expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
      const stop = join(dir, `stop-del-${round}`);
      const swapper = startSwapper(app, v.root, stop);
      let del;
      try {
        del = await d.runJob('vhost.delete', { domain, removeFiles: true }, { token: A.token });
      } finally {
        await stopSwapper(swapper, stop, app);
      }
      expect(v.intact(), `round ${round}: a file outside the site was deleted`).toBe(true);
      if (del.status !== 'succeeded') {
        // Refused or stopped half-way: said as it is, never "nothing was left half-done".
        expect(JSON.stringify(del.error)).not.toMatch(/half-done/);
        for (const r of await d.store.tenants.listResources({ kind: 'vhost', tenantId: tenant })) await d.runJob('vhost.delete', { domain: r.name });
      }
    }
  });

  it('creating a site in a folder being swapped for a link creates nothing outside', async () => {
    const app = join(dir, 'www', domain, 'app2');
    for (let round = 0; round < 8; round++) {
      mkdirSync(app, { recursive: true });
      const stop = join(dir, `stop-make-${round}`);
      const swapper = startSwapper(app, v.root, stop);
      let made;
      try {
        made = await d.runJob('vhost.create', { webserver: 'web', domain, root: join(app, `public${round}`) }, { token: A.token });
      } finally {
        await stopSwapper(swapper, stop, app);
      }
      expect(v.intact(), `round ${round}: something was created or changed outside the site`).toBe(true);
      if (made.status === 'succeeded') await d.runJob('vhost.delete', { domain, removeFiles: true }, { token: A.token });
      else expect(made.error.message).toMatch(/symbolic link|lien symbolique/);
    }
  });
});
