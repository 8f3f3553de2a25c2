import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLab, type LabInfo } from './lab/client.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

describe('the same playbook on every kind of target', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let dir: string;
  beforeAll(async () => {
    lab = await useLab('sshd', 'podman');
    const ssh = {
      type: 'ssh',
      host: lab.sshd!.host,
      port: lab.sshd!.port,
      username: lab.sshd!.username,
      privateKeyPath: lab.sshd!.privateKeyPath,
    };
    d = await startTestDaemon({
      playbooksDir: fixtures,
      config: {
        targets: {
          local: { type: 'local' },
          web: { ...ssh, hostKeySha256: lab.sshd!.hostKeySha256 },
          impostor: { ...ssh, hostKeySha256: `SHA256:${'A'.repeat(43)}` },
          box: { type: 'docker', socketPath: lab.podman!.socketPath, container: lab.podman!.container },
        },
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'serein-targets-'));
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('over SSH: writes the file, runs the program with a literal argument', async () => {
    const message = "via ssh; $(id) `id` 'q'";
    const job = await d.runJob('sample.write', { server: 'web', dir, name: 'ssh', message });
    expect(job.status).toBe('succeeded');
    expect(job.result.echoed).toBe(message);
    expect(readFileSync(join(dir, 'ssh.txt'), 'utf8')).toBe(`hello ${message}\n`);
  });

  it('inside a container through the Docker API', async () => {
    const job = await d.runJob('sample.write', {
      server: 'box',
      dir: '/tmp',
      name: 'docker',
      message: 'via docker; $(id)',
    });
    expect(job.status).toBe('succeeded');
    expect(job.result.echoed).toBe('via docker; $(id)');
    const failed = await d.runJob('sample.write', {
      server: 'box',
      dir: '/tmp',
      name: 'docker2',
      message: 'x',
      fail: true,
    });
    expect(failed.status).toBe('failed');
    const check = await d.daemon.engine.services.target('box').readFile('/tmp/docker2.txt');
    expect(check).toBeUndefined();
  });

  it('refuses an SSH server whose host key is not the pinned one, and runs nothing', async () => {
    const job = await d.runJob('sample.write', { server: 'impostor', dir, name: 'never', message: 'x' });
    expect(job.status).toBe('failed');
    expect(job.error.message).toBe('We could not reach or change the server.');
    expect(job.error.detail).toMatch(/host key/i);
    expect(job.error.detail).toContain('ssh-keyscan');
    expect(() => readFileSync(join(dir, 'never.txt'))).toThrow();
  });
});
