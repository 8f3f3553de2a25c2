import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteUserName } from '../../src/actions/site-user.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { labNginxTest, labWebserver, uniq } from '../helpers/vhost-lab.js';
import { useLab, type LabInfo } from '../lab/client.js';

/**
 * A hostile client and the trash: it can write anything in its own site folder, so it
 * plants links to another tenant's folder and to /etc, or swaps a folder for such a link
 * while serein archives it; neither ever brings another tenant's or the host's files into
 * its copy. And a copy that is not what serein made (as if the trash could be written by
 * someone else) never writes outside the folder it is restored into.
 */

let lab: LabInfo;
let d: TestDaemon;
let dir: string;
let A: { token: string };
let B: { token: string };
const tenantA = uniq('ta');
const tenantB = uniq('tb');
const domA = `${uniq('a')}.test`;
const domB = `${uniq('b')}.test`;
const secret = `B-SECRET-${uniq('s')}`;
// A site's files: its public folder, its own system user's (the layout a local target gives each site).
const folderOf = (name: string) => join(dir, 'www', name, 'public');
const idOf = (db: 'passwd' | 'group', name: string) =>
  Number(spawnSync('getent', [db, name], { encoding: 'utf8' }).stdout.split(':')[2]);

/** Every member of a copy, as `tar -tv` lists it (type letter first). */
const members = (file: string) => spawnSync('tar', ['-tzvf', file], { encoding: 'utf8' }).stdout.trim().split('\n');
/** The copy's bytes, unpacked: what any file in it holds. */
const contents = (file: string) => gunzipSync(readFileSync(file)).toString('latin1');

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

async function stopSwapper(p: ChildProcess, stopFile: string, folder: string): Promise<void> {
  writeFileSync(stopFile, '');
  // Killed by a signal (the site's user removed with its processes), it has no exit code but has exited.
  if (p.exitCode === null && p.signalCode === null) await new Promise((r) => p.once('exit', r));
  if (!existsSync(folder) && existsSync(`${folder}.real`)) rmSync(`${folder}.real`, { recursive: true, force: true });
}

beforeAll(async () => {
  lab = await useLab('nginx');
  dir = mkdtempSync(join(tmpdir(), 'serein-trash-hostile-'));
  chmodSync(dir, 0o755); // the swapper runs as the site's own user, as a client's own scripts do: it must reach its folder
  // Site folders owned by the site's own user, as with an SFTP account: its processes can swap anything in them.
  d = await startTestDaemon({
    config: {
      webservers: {
        web: labWebserver(lab.nginx!, dir),
        mine: labWebserver(lab.nginx!, dir),
      },
    },
  });
  A = await d.tenant(tenantA, { domains: [domA], servers: ['web', 'mine'] });
  B = await d.tenant(tenantB, { domains: [domB], servers: ['web'], language: 'fr' });
  expect((await d.runJob('vhost.create', { webserver: 'web', domain: domB }, { token: B.token })).status).toBe(
    'succeeded',
  );
  writeFileSync(join(folderOf(domB), 'secret.txt'), secret);
});

afterAll(async () => {
  await d?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  const t = labNginxTest(lab);
  expect(t.ok, t.output).toBe(true);
  expect(readFileSync(join(folderOf(domB), 'secret.txt'), 'utf8')).toBe(secret);
});

const bIntact = () =>
  readdirSync(folderOf(domB)).sort().join(',') === 'index.html,secret.txt' &&
  readFileSync(join(folderOf(domB), 'secret.txt'), 'utf8') === secret;

describe('the trash and a hostile tenant', () => {
  it("links planted in a site folder to another tenant's folder and to /etc are kept as links, never followed into the copy", async () => {
    const site = `links.${domA}`;
    expect((await d.runJob('vhost.create', { webserver: 'web', domain: site }, { token: A.token })).status).toBe(
      'succeeded',
    );
    symlinkSync(folderOf(domB), join(folderOf(site), 'theirs'));
    symlinkSync('/etc', join(folderOf(site), 'etc'));
    mkdirSync(join(folderOf(site), 'sub'));
    symlinkSync('/etc/passwd', join(folderOf(site), 'sub', 'passwd'));
    symlinkSync(join(folderOf(domB), 'secret.txt'), join(folderOf(site), 'sub', 'secret.txt'));
    const del = await d.runJob('vhost.delete', { domain: site, confirm: site, removeFiles: true }, { token: A.token });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
    const item = (await d.store.trash.list(tenantA)).find((t) => t.name === site)!;
    const list = members(item.file);
    for (const link of ['./theirs', './etc', './sub/passwd', './sub/secret.txt'])
      expect(
        list.find((m) =>
          m.endsWith(
            ` ${link} -> ${link === './theirs' ? folderOf(domB) : link === './etc' ? '/etc' : link === './sub/passwd' ? '/etc/passwd' : join(folderOf(domB), 'secret.txt')}`,
          ),
        )?.[0],
        link,
      ).toBe('l');
    expect(list.filter((m) => /\.\/(theirs|etc)\//.test(m))).toEqual([]);
    const bytes = contents(item.file);
    expect(bytes.includes(secret)).toBe(false);
    expect(bytes.includes('root:x:0:0')).toBe(false);
    expect(bIntact()).toBe(true);
    expect(existsSync('/etc/passwd')).toBe(true);

    // Back as it was: the links are links again, inside the tenant's folder, and nothing outside changed.
    const back = await d.runJob('trash.restore', { item: item.id }, { token: A.token });
    expect(back.status, JSON.stringify(back.error)).toBe('succeeded');
    expect(spawnSync('readlink', [join(folderOf(site), 'theirs')], { encoding: 'utf8' }).stdout.trim()).toBe(
      folderOf(domB),
    );
    expect(bIntact()).toBe(true);
    rmSync(folderOf(site), { recursive: true });
  });

  it('a folder swapped for a link to another tenant while it is archived never brings their files into the copy', async () => {
    const site = `race.${domA}`;
    const inner = join(folderOf(site), 'app');
    const outcomes: string[] = [];
    for (let round = 0; round < 10; round++) {
      expect((await d.runJob('vhost.create', { webserver: 'mine', domain: site }, { token: A.token })).status).toBe(
        'succeeded',
      );
      mkdirSync(join(inner, 'deep'), { recursive: true });
      for (let i = 0; i < 40; i++) writeFileSync(join(inner, 'deep', `f${i}.txt`), 'tenant file '.repeat(50));
      const user = siteUserName(site);
      spawnSync('chown', ['-R', `${user}:${user}`, inner]);
      const stop = join(dir, `stop-${round}`);
      // The client's own process (its site's user), swapping a folder of its site for a link to the other tenant's, as fast as it can.
      const swapper = spawn('sh', ['-c', SWAPPER, 'swapper', inner, folderOf(domB), stop], {
        stdio: 'ignore',
        uid: idOf('passwd', user),
        gid: idOf('group', user),
      });
      let del;
      try {
        del = await d.runJob('vhost.delete', { domain: site, confirm: site, removeFiles: true }, { token: A.token });
      } finally {
        await stopSwapper(swapper, stop, inner);
      }
      outcomes.push(del.status);
      expect(del.status, JSON.stringify(del.error)).not.toBe('needs-attention');
      expect(bIntact(), `round ${round}`).toBe(true);
      for (const item of await d.store.trash.list(tenantA))
        if (existsSync(item.file)) expect(contents(item.file).includes(secret), `round ${round}`).toBe(false);
      // Succeeded, or refused (the link met on the way: nothing deleted, the site back); never another tenant's file in a copy.
      if (del.status !== 'succeeded')
        expect(del.error.message, JSON.stringify(del.error)).toMatch(/^Remove the symbolic link/);
      if (await d.store.tenants.getResource('vhost', site))
        await d.runJob('vhost.delete', { domain: site, confirm: site }, { token: A.token });
      rmSync(folderOf(site), { recursive: true, force: true });
    }
    expect(outcomes.length).toBe(10);
    expect((await d.store.trash.list(tenantA)).filter((t) => t.name === site).length).toBeGreaterThan(0);
  });

  it('a crafted copy (a link then a file through it, a name with ..) never writes outside the folder it is restored into', async () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    const craft = join(dir, 'craft');
    mkdirSync(join(craft, 'inner'), { recursive: true });
    const sh = (script: string) =>
      expect(spawnSync('sh', ['-c', script], { cwd: craft, encoding: 'utf8' }).status, script).toBe(0);
    sh(
      `cd inner && ln -s ${outside} evil && tar -cf ../through-link.tar ./evil && rm evil && mkdir evil && echo pwned > evil/pwned && tar -rf ../through-link.tar ./evil/pwned && gzip -n ../through-link.tar`,
    );
    sh(
      `cd inner && echo pwned > ../escape.txt && tar -cPf ../dotdot.tar ./ok ../escape.txt 2>/dev/null; echo ok > ok && tar -cPf ../dotdot.tar ./ok ../escape.txt && gzip -n ../dotdot.tar`,
    );
    for (const crafted of ['through-link.tar.gz', 'dotdot.tar.gz']) {
      const site = `craft${crafted.length}.${domA}`;
      expect((await d.runJob('vhost.create', { webserver: 'web', domain: site }, { token: A.token })).status).toBe(
        'succeeded',
      );
      expect(
        (await d.runJob('vhost.delete', { domain: site, confirm: site, removeFiles: true }, { token: A.token })).status,
      ).toBe('succeeded');
      const item = (await d.store.trash.list(tenantA)).find((t) => t.name === site)!;
      // As if the trash could be written by someone else: the copy is replaced.
      writeFileSync(item.file, readFileSync(join(craft, crafted)));
      const back = await d.runJob('trash.restore', { item: item.id }, { token: A.token });
      expect(back.status, crafted).toBe('failed');
      expect(readdirSync(outside), crafted).toEqual([]);
      expect(existsSync(join(dir, 'www', 'escape.txt')), crafted).toBe(false);
      expect(existsSync(folderOf(site)), `${crafted}: the half-restored folder is removed`).toBe(false);
    }
  });
});
