import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../src/config/schema.js';
import { MAX_OUTPUT_BYTES } from '../src/targets/common.js';
import { createTarget } from '../src/targets/index.js';
import { TargetError, type Target } from '../src/targets/target.js';
import { hostileStrings, splitNul } from './helpers/hostile-strings.js';
import { useLab, type Component, type LabInfo } from './lab/client.js';

interface TargetCase {
  kind: 'local' | 'ssh' | 'docker';
  needs: Component[];
  config: (lab: LabInfo) => TargetConfig;
}

const cases: TargetCase[] = [
  { kind: 'local', needs: [], config: () => ({ type: 'local' }) },
  {
    kind: 'ssh',
    needs: ['sshd'],
    config: (lab) => ({ type: 'ssh', ...lab.sshd!, maxConcurrency: 4 }),
  },
  {
    kind: 'docker',
    needs: ['podman'],
    config: (lab) => ({
      type: 'docker',
      socketPath: lab.podman!.socketPath,
      container: lab.podman!.container,
      maxConcurrency: 4,
    }),
  },
];

describe.each(cases)('$kind target', ({ kind, needs, config }) => {
  let target: Target;
  let dir: string;

  beforeAll(async () => {
    const lab = needs.length > 0 ? await useLab(...needs) : ({} as LabInfo);
    target = createTarget(`lab-${kind}`, config(lab));
    dir = `/tmp/serein-targets-${randomBytes(6).toString('hex')}`;
    await target.mkdir(dir, { mode: 0o700 });
  });

  afterAll(async () => {
    await target?.remove(dir, { recursive: true });
    await target?.close();
  });

  const stat = async (format: string, path: string): Promise<string> => {
    const r = await target.run(['stat', '-c', format, path]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  const ls = async (path: string): Promise<string[]> => {
    const r = await target.run(['ls', '-A', path]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean).sort();
  };

  it('runs argv with stdin and returns the exact output', async () => {
    const r = await target.run(['cat'], { stdin: 'line 1\n  line 2  \n\n' });
    expect(r).toEqual({ code: 0, stdout: 'line 1\n  line 2  \n\n', stderr: '' });

    const bytes = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => i % 256));
    const wc = await target.run(['wc', '-c'], { stdin: bytes });
    expect(wc.stdout.trim()).toBe(String(bytes.length));

    const noStdin = await target.run(['cat']); // stdin is closed, not left open
    expect(noStdin).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('returns a non-zero exit code with stdout and stderr apart', async () => {
    const r = await target.run(['sh', '-c', 'printf out; printf "err\\n" >&2; exit 7']);
    expect(r).toEqual({ code: 7, stdout: 'out', stderr: 'err\n' });
    const missing = await target.run([`serein-no-such-program-${randomBytes(3).toString('hex')}`]);
    expect(missing.code).toBe(127);
  });

  it('passes environment variables literally', async () => {
    const value = "it's $HOME `id` $(id) \\ \n ✓";
    const r = await target.run(['sh', '-c', 'printf %s "$SEREIN_TEST_VALUE"'], { env: { SEREIN_TEST_VALUE: value } });
    expect(r).toEqual({ code: 0, stdout: value, stderr: '' });
  });

  it('kills a program that runs out of time, with everything it started, and returns 124', async () => {
    const seconds = String(randomInt(7_000_000, 8_000_000)); // unique: finds our sleeps among all processes
    const started = Date.now();
    const r = await target.run(['sh', '-c', 'sleep "$1" & sleep "$1"; echo not reached', 'sh', seconds], {
      timeoutMs: 500,
    });
    expect(r.code).toBe(124);
    expect(r.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(10_000);
    const ps = await target.run(['sh', '-c', 'cat /proc/[0-9]*/cmdline 2>/dev/null; true']);
    expect(ps.stdout).toContain('cat /proc/[0-9]*/cmdline'); // the listing works (it sees its own shell)...
    expect(ps.stdout).not.toContain(`sleep\0${seconds}\0`); // ...and no sleep survived
  });

  it('gives each hostile argv element to the program as exactly one literal argument, and runs nothing else', async () => {
    const hostile = hostileStrings(dir);
    const r = await target.run(['printf', '%s\\0', ...hostile]);
    expect(r.code, r.stderr).toBe(0);
    expect(splitNul(r.stdout)).toEqual(hostile);

    const asProgram = await target.run([`true; touch ${dir}/pwned-program`]);
    expect(asProgram.code).toBe(127);
    expect(await ls(dir)).toEqual([]);
  });

  it('writes files atomically with their mode, replacing the old file by rename', async () => {
    const path = join(dir, 'secret.key');
    await target.writeFile(path, 'first\n', { mode: 0o600 });
    expect(await stat('%a', path)).toBe('600');
    expect((await target.readFile(path))?.toString()).toBe('first\n');
    const inode = await stat('%i', path);

    const binary = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256));
    await target.writeFile(path, binary, { mode: 0o600 });
    expect(await target.readFile(path)).toEqual(binary);
    expect(await stat('%a', path)).toBe('600');
    expect(await stat('%i', path)).not.toBe(inode); // a new file renamed over the old one, not rewritten in place
    expect(await ls(dir)).toEqual(['secret.key']); // no temporary file left behind

    const plain = join(dir, 'plain.txt');
    await target.writeFile(plain, '');
    expect(await stat('%a', plain)).toBe('644');
    expect(await target.readFile(plain)).toEqual(Buffer.alloc(0));
  });

  it('sets the owner of written files and folders', async () => {
    const path = join(dir, 'owned.conf');
    await target.writeFile(path, 'x', { mode: 0o640, owner: '65534:65534' });
    expect(await stat('%a %u:%g', path)).toBe('640 65534:65534');
    const sub = join(dir, 'owned-folder');
    await target.mkdir(sub, { owner: '65534' });
    expect(await stat('%u', sub)).toBe('65534');
    await expect(target.writeFile(join(dir, 'bad-owner'), 'x', { owner: '-R' })).rejects.toThrow(/invalid owner/);
  });

  it('refuses to write into a missing folder, or over a folder, and leaves nothing behind', async () => {
    const missing = join(dir, 'missing-folder');
    await expect(target.writeFile(join(missing, 'file'), 'x')).rejects.toBeInstanceOf(TargetError);
    expect(await target.readFile(missing)).toBeUndefined();

    const folder = join(dir, 'a-folder');
    await target.mkdir(folder);
    await expect(target.writeFile(folder, 'x')).rejects.toBeInstanceOf(TargetError);
    expect(await ls(folder)).toEqual([]);
    await target.remove(folder, { recursive: true });
  });

  it('reads an absent file as undefined', async () => {
    expect(await target.readFile(join(dir, 'absent'))).toBeUndefined();
    expect(await target.readFile(join(dir, 'absent-folder', 'absent'))).toBeUndefined();
  });

  it('removes files and folders; absent is not an error', async () => {
    const file = join(dir, 'to-remove');
    await target.writeFile(file, 'x');
    await target.remove(file);
    expect(await target.readFile(file)).toBeUndefined();
    await target.remove(file);

    const tree = join(dir, 'tree');
    await target.mkdir(join(tree, 'a', 'b'));
    await target.writeFile(join(tree, 'a', 'b', 'leaf'), 'x');
    await expect(target.remove(tree)).rejects.toBeInstanceOf(TargetError); // a folder needs recursive
    await target.remove(tree, { recursive: true });
    expect(await ls(dir)).not.toContain('tree');
  });

  it('creates nested folders with a mode, and again without error', async () => {
    const nested = join(dir, 'x', 'y', 'z');
    await target.mkdir(nested, { mode: 0o750 });
    expect(await stat('%a', nested)).toBe('750');
    await target.mkdir(nested, { mode: 0o700 });
    expect(await stat('%a', nested)).toBe('700');
  });

  it('runs many programs at once without mixing their output', async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        target.run(['sh', '-c', 'printf "%s" "$1"; printf "%s" "$1" >&2', 'sh', `job-${i}`]),
      ),
    );
    results.forEach((r, i) => expect(r).toEqual({ code: 0, stdout: `job-${i}`, stderr: `job-${i}` }));
  });

  it('caps captured output and says so', async () => {
    const r = await target.run(['head', '-c', String(MAX_OUTPUT_BYTES + 100_000), '/dev/zero']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('\0'.repeat(MAX_OUTPUT_BYTES))).toBe(true);
    expect(r.stdout.slice(MAX_OUTPUT_BYTES)).toMatch(/^\n\[serein: output truncated/);
  });

  it('works again after close()', async () => {
    await target.close();
    expect((await target.run(['echo', 'again'])).stdout).toBe('again\n');
  });
});

describe('ssh target', () => {
  let lab: LabInfo;
  beforeAll(async () => {
    lab = await useLab('sshd');
  });

  it('refuses a server whose host key is not the pinned one, before running anything', async () => {
    const sshd = lab.sshd!;
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const target = createTarget('pinned', { type: 'ssh', ...sshd, hostKeySha256: wrong });
    const good = createTarget('good', { type: 'ssh', ...sshd });
    const marker = `/tmp/serein-hostkey-${randomBytes(6).toString('hex')}`;
    try {
      const err = await target.run(['touch', marker]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TargetError);
      const te = err as TargetError;
      expect(te.code).toBe('ssh_host_key_mismatch');
      expect(te.message).toContain(sshd.hostKeySha256); // the key seen
      expect(te.message).toContain(wrong); // the key expected
      expect(te.hint).toContain(`ssh-keyscan -p ${sshd.port} ${sshd.host} | ssh-keygen -lf -`);
      await expect(target.writeFile(marker, 'x')).rejects.toThrow(/host key/);
      expect(await good.readFile(marker)).toBeUndefined();
    } finally {
      await target.close();
      await good.close();
    }
  });

  it('reconnects by itself when the connection drops', async () => {
    const target = createTarget('drop', { type: 'ssh', ...lab.sshd! });
    try {
      expect((await target.run(['true'])).code).toBe(0);
      // kill the sshd process serving this connection: the connection drops mid-command
      await target
        .run(['sh', '-c', 'kill -KILL $PPID; sleep 5'])
        .catch((e: unknown) => expect(e).toBeInstanceOf(TargetError));
      expect((await target.run(['echo', 'back'])).stdout).toBe('back\n');
    } finally {
      await target.close();
    }
  });

  it('reports a key the server does not accept clearly', async () => {
    const dirPath = mkdtempSync(join(tmpdir(), 'serein-sshkey-'));
    try {
      const key = join(dirPath, 'id');
      const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      expect(gen.status).toBe(0);
      const target = createTarget('unknown-key', { type: 'ssh', ...lab.sshd!, privateKeyPath: key });
      await expect(target.run(['true'])).rejects.toMatchObject({
        code: 'ssh_connect_failed',
        hint: expect.stringContaining('authorized_keys'),
      });
      await target.close();
    } finally {
      rmSync(dirPath, { recursive: true, force: true });
    }
  });
});
