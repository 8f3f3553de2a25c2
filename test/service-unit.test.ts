/**
 * deploy/serein.service: systemd accepts it without a warning, its sandbox stays tight
 * (systemd's own exposure score), it runs commands serein has, and it lets serein write
 * where the example configuration says a web server's files are.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const unitFile = resolve(root, 'deploy/serein.service');
const unit = readFileSync(unitFile, 'utf8');
// test/lab/setup.sh installs systemd, so systemd-analyze is always there: these checks never skip.

/** Every value of a directive, in order (directives may repeat). */
const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1].trim());

describe('the systemd unit', () => {
  it('is accepted by systemd-analyze verify without one warning', () => {
    const r = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // A misspelt option is only a warning to systemd: this check must see one.
    const bad = spawnSync(
      'bash',
      [
        '-c',
        `d=$(mktemp -d); sed 's/^ProtectSystem=/ProtectSytem=/' "$1" > $d/serein.service; systemd-analyze verify $d/serein.service; rm -r $d`,
        'typo',
        unitFile,
      ],
      { encoding: 'utf8' },
    );
    expect(bad.stderr).toMatch(/Unknown key 'ProtectSytem'/);
  });

  // --threshold counts in tenths of the score systemd prints.
  it('keeps systemd\'s exposure score at "OK" (3 or less out of 10)', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--threshold=30', unitFile], {
      encoding: 'utf8',
    });
    expect(r.stdout).toMatch(/Overall exposure level for serein\.service: [0-3]\.\d OK/);
    expect(r.status).toBe(0);
  });

  it('hardens what a root daemon writing nginx and certificate folders can spare', () => {
    for (const [key, value] of Object.entries({
      ProtectSystem: 'strict',
      NoNewPrivileges: 'yes',
      PrivateTmp: 'yes',
      ProtectHome: 'yes',
      PrivateDevices: 'yes',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6',
      RestrictSUIDSGID: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectControlGroups: 'yes',
      SystemCallArchitectures: 'native',
      UMask: '0077',
    }))
      expect(values(key), key).toEqual([value]);
    expect(values('CapabilityBoundingSet')[0].split(' ')).not.toContain('CAP_SYS_ADMIN');
    // Node's JIT writes executable memory: this option would kill the daemon at start.
    expect(values('MemoryDenyWriteExecute')).toEqual([]);
  });

  it('runs commands serein has, from the installed folder', () => {
    const [start] = values('ExecStart');
    expect(start).toBe('/usr/bin/node /opt/serein/bin/serein.js serve --config /etc/serein/config.yaml');
    expect(existsSync(resolve(root, 'bin/serein.js'))).toBe(true);
    // serve checks the configuration itself; `config check` would print all of it to the journal at every start.
    expect(values('ExecStartPre').filter((v) => / config check /.test(v))).toEqual([]);
    expect(values('RestartPreventExitStatus')).toEqual(['2']); // what a configuration that is not valid exits with
  });

  it('lets serein write every folder the example web server names, and no more of /etc', () => {
    const writable = values('ReadWritePaths')
      .flatMap((v) => v.split(/\s+/))
      .map((p) => p.replace(/^-/, ''));
    const example = readFileSync(resolve(root, 'config.example.yaml'), 'utf8');
    const named = ['vhostDir', 'webRoot', 'logDir', 'certDir', 'challengeRoot'].map(
      (k) => new RegExp(`#\\s+${k}: (\\S+)`).exec(example)![1],
    );
    for (const path of named)
      expect(
        writable.some((w) => path === w || path.startsWith(`${w}/`)),
        path,
      ).toBe(true);
    expect(writable.filter((w) => w.startsWith('/etc/')).every((w) => /^\/etc\/(nginx|serein|ssl)\//.test(w))).toBe(
      true,
    );
  });
});
