import { startLab } from './lab.ts';
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { execSync } from 'node:child_process';
const check = (dir: string) => {
  const out = execSync(`ps -eo pid,cmd | grep -F '${dir}' | grep -v grep || true`).toString().trim();
  return `${require_exists(dir)} procs=[${out}]`;
};
import * as fs from 'node:fs';
const require_exists = (d: string) => (fs.existsSync(d) ? 'DIR EXISTS' : 'dir gone');

// 1. stop while starting
{
  const t0 = Date.now();
  const p = import('./lab.ts').then(async (m) => {
    const lab = await (m as any).LabForTest?.();
  });
  const labP = startLab(['dns', 'pebble', 'nginx', 'sshd', 'mariadb', 'postgres', 'podman']);
  // grab the lab by racing: startLab only resolves when ready, so use ensure on a fresh lab instead
  await p;
  const lab = await labP;
  console.log('full start', Date.now() - t0, 'ms', JSON.stringify(lab.timings));
  const docker = new Docker({ socketPath: lab.podman!.socketPath });
  for (let i = 0; i < 3; i++) {
    const ex = await docker.getContainer(lab.podman!.container).exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
    const s = await ex.start({ hijack: true, stdin: true });
    docker.modem.demuxStream(s, new PassThrough(), new PassThrough());
    s.end();
    await new Promise((r) => s.on('end', r));
  }
  const t1 = Date.now();
  await lab.stop();
  console.log('stop', Date.now() - t1, 'ms', check(lab.dir));
}
