import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PID_MARKER, PidLineStripper } from '../src/targets/common.js';
import { Semaphore } from '../src/util/concurrency.js';
import { TargetPool, createTarget, shellQuote, sshCommand, ustarArchive } from '../src/targets/index.js';
import { TargetError, type Target } from '../src/targets/target.js';
import { hostileStrings, randomWord, splitNul } from './helpers/hostile-strings.js';

// The parts the targets are built from, each on its own and without the lab: quoting,
// the pid line, the semaphore, tar archives and the pool (test/targets.test.ts runs the targets themselves).

describe('shellQuote (the one place a shell string is built)', () => {
  it('quotes with POSIX single quotes only', () => {
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('abc')).toBe("'abc'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });

  it('round-trips hostile and random strings through real shells as one literal word each', () => {
    const words = [...hostileStrings('/nonexistent'), ...Array.from({ length: 300 }, () => randomWord())];
    for (const shell of ['/bin/sh', '/bin/bash']) {
      const r = spawnSync(shell, ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(splitNul(r.stdout)).toEqual(words);
    }
  });

  it('builds the SSH command from quoted words and checked variable names', () => {
    expect(sshCommand(['printf', '%s', "a'b"], { LANG: 'C' })).toBe(
      `export LANG='C'; echo "${PID_MARKER}$$" >&2; exec 'printf' '%s' 'a'\\''b'`,
    );
    expect(() => sshCommand(['true'], { 'A;B': 'x' })).toThrow(/environment variable name/);
    expect(() => sshCommand([])).toThrow(/argv/);
  });
});

describe('PidLineStripper', () => {
  it('removes the pid line wherever chunks split it, and keeps everything else', () => {
    const text = `login noise\n${PID_MARKER}4242\nreal stderr\n`;
    for (let cut = 0; cut <= text.length; cut++) {
      const out: Buffer[] = [];
      let pid: number | undefined;
      const s = new PidLineStripper(
        (b) => out.push(b),
        (p) => (pid = p),
      );
      s.push(Buffer.from(text.slice(0, cut)));
      s.push(Buffer.from(text.slice(cut)));
      s.end();
      expect(pid).toBe(4242);
      expect(Buffer.concat(out).toString()).toBe('login noise\nreal stderr\n');
    }
  });

  it('passes stderr through untouched when there is no pid line', () => {
    const out: Buffer[] = [];
    const s = new PidLineStripper(
      (b) => out.push(b),
      () => undefined,
    );
    s.push(Buffer.from(`sh: not found\nx${PID_MARKER}12\n`));
    s.end();
    expect(Buffer.concat(out).toString()).toBe(`sh: not found\nx${PID_MARKER}12\n`);
  });
});

describe('Semaphore', () => {
  it('never runs more than its limit at once', async () => {
    const sem = new Semaphore(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        sem.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setImmediate(r));
          active--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});

describe('ustarArchive', () => {
  it('is read back by tar with its name, mode and content', () => {
    const folder = mkdtempSync(join(tmpdir(), 'serein-tar-'));
    try {
      const data = Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 256));
      writeFileSync(join(folder, 'a.tar'), ustarArchive('.serein-x.tmp', data, 0o600));
      const list = spawnSync('tar', ['-tvf', join(folder, 'a.tar')], { encoding: 'utf8' });
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/^-rw------- 0\/0 +1500 .* \.serein-x\.tmp\n$/);
      const out = spawnSync('tar', ['-xOf', join(folder, 'a.tar')]);
      expect(out.stdout).toEqual(data);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('TargetPool', () => {
  it('creates each target once, on first use, and refuses unknown names clearly', async () => {
    const made: string[] = [];
    const closed: string[] = [];
    const pool = new TargetPool({ web: { type: 'local' }, db: { type: 'local' } }, (name, cfg) => {
      made.push(name);
      const t = createTarget(name, cfg);
      return Object.assign(Object.create(t) as Target, { name, close: async () => void closed.push(name) });
    });
    expect(made).toEqual([]);
    expect(pool.get('web')).toBe(pool.get('web'));
    expect(made).toEqual(['web']);
    expect(() => pool.get('mail')).toThrow(TargetError);
    expect(() => pool.get('mail')).toThrow(/unknown target "mail"/);
    try {
      pool.get('mail');
    } catch (e) {
      expect((e as TargetError).hint).toContain('db, web');
    }
    await pool.closeAll();
    expect(closed).toEqual(['web']);
  });
});
