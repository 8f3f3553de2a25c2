/**
 * A plug-in runs as root inside serein, so a plug-in file that another user could change
 * is a way to root: serein refuses it, as sshd's StrictModes refuses such keys, when the
 * file or any folder on its path up to / is writable by group or others (a sticky folder
 * such as /tmp excepted) or belongs to another user. `serein serve` does not start and
 * says which file or folder and the command that fixes it; the module is never run (it
 * would leave a mark). Real files, modes and owners in a temporary folder (tests run as root).
 */
import { chmodSync, chownSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlugins } from '../../src/plugins.js';
import { serein } from '../helpers/process.js';
import { until } from '../helpers/until.js';
import { tempDir } from '../helpers/tmp.js';

/** A plug-in module that leaves a mark beside itself when it is run. */
function plugin(dir: string, name = 'plugin.mjs'): { file: string; ran: () => boolean } {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = join(realpathSync(dir), name);
  writeFileSync(
    file,
    "import { writeFileSync } from 'node:fs';\nwriteFileSync(new URL('./ran', import.meta.url), 'ran');\nexport const kinds = [];\n",
    { mode: 0o644 },
  );
  chmodSync(file, 0o644);
  return { file, ran: () => existsSync(join(dir, 'ran')) };
}

describe('plug-in files', () => {
  it('serein serve refuses a plug-in anyone can write, naming it and the fix, and runs none of it', async () => {
    const dir = tempDir('serein-plugin-');
    const p = plugin(join(dir, 'plugins'));
    chmodSync(p.file, 0o666);
    const configFile = join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      [
        'server: { host: 127.0.0.1, port: 0 }',
        `store: { driver: sqlite, path: ${join(dir, 'serein.db')} }`,
        `stateDir: ${join(dir, 'state')}`,
        `playbooks: ${resolve(import.meta.dirname, '../../playbooks')}`,
        `plugins: [${p.file}]`,
        'renewal: { enabled: false }',
      ].join('\n'),
    );
    const child = serein(['serve', '--config', configFile]);
    // Ready instead of stopped is the failure: said at once, the daemon stopped.
    await until(
      async () => child.exitCode !== null || child.output().includes('serein is ready'),
      60_000,
      'serein serve to stop or be ready',
    );
    if (child.exitCode === null) child.kill('SIGTERM');
    expect(await child.exited, child.output()).toBe(1);
    expect(child.output()).toContain(`plug-in ${p.file} can be changed by other users (mode 666)`);
    expect(child.output()).toContain(`Fix: chmod go-w ${p.file}`);
    expect(child.output()).not.toContain('admin token');
    expect(p.ran()).toBe(false);
  });

  it('refuses a group-writable file, a writable folder on its path, another owner, and a link to such a file', async () => {
    const dir = realpathSync(tempDir('serein-plugin-'));
    const group = plugin(join(dir, 'group'));
    chmodSync(group.file, 0o664);
    await expect(loadPlugins([group.file])).rejects.toThrow(
      `plug-in ${group.file} can be changed by other users (mode 664)`,
    );

    const open = plugin(join(dir, 'open', 'inner'));
    chmodSync(join(dir, 'open'), 0o777);
    await expect(loadPlugins([open.file])).rejects.toThrow(
      `the folder ${join(dir, 'open')}, on the path of plug-in ${open.file}, can be changed by other users (mode 777): serein runs plug-ins as root and loads none that another user could change. Fix: chmod go-w ${join(dir, 'open')}`,
    );

    const owned = plugin(join(dir, 'owned'));
    chownSync(owned.file, 65534, 65534);
    await expect(loadPlugins([owned.file])).rejects.toThrow(
      `plug-in ${owned.file} belongs to user 65534: serein runs plug-ins as root and loads none that another user could change. Fix: chown root ${owned.file}`,
    );

    const target = plugin(join(dir, 'target'));
    chmodSync(target.file, 0o646);
    const link = join(dir, 'link.mjs');
    symlinkSync(target.file, link);
    await expect(loadPlugins([link])).rejects.toThrow(
      `plug-in ${target.file} can be changed by other users (mode 646)`,
    );

    for (const p of [group, open, owned, target]) expect(p.ran()).toBe(false);
  });

  it('loads it once fixed, and under a sticky folder anyone may write (such as /tmp)', async () => {
    const dir = realpathSync(tempDir('serein-plugin-'));
    const p = plugin(join(dir, 'sticky', 'plugins'));
    chmodSync(p.file, 0o666);
    chmodSync(join(dir, 'sticky'), 0o1777);
    await expect(loadPlugins([p.file])).rejects.toThrow(`Fix: chmod go-w ${p.file}`);
    chmodSync(p.file, 0o644);
    expect(await loadPlugins([p.file])).toEqual([]);
    expect(p.ran()).toBe(true);
  });
});
