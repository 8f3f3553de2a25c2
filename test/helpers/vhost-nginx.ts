import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabInfo } from '../lab/client.js';
import { getWithHost } from './vhost-lab.js';
import { nginxConfText } from '../lab/lab.js';

/** The nginx facts the vhost tests use, from the lab or from a private instance. */
export type NginxInfo = NonNullable<LabInfo['nginx']>;

/** A port free on both 127.0.0.1 and ::1 (the lab's helper lives in the coordinator process). */
export async function freeDualPort(): Promise<number> {
  const tryListen = (host: string, port: number) =>
    new Promise<number | null>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(null));
      srv.listen({ host, port, exclusive: true }, () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
  for (let i = 0; i < 50; i++) {
    const p = await tryListen('127.0.0.1', 0);
    if (p && (await tryListen('::1', p))) return p;
  }
  throw new Error('no free port');
}

/**
 * A private nginx (the lab's binary, its own prefix and ports) for the tests that put a
 * configuration nginx refuses into the include folder for a moment: on the shared lab
 * nginx, another test file's `nginx -t` running at that instant would fail because of it.
 */
export async function startPrivateNginx(
  binary: string,
  o: { user?: string } = {},
): Promise<NginxInfo & { stop(): Promise<void> }> {
  const prefix = mkdtempSync(join(tmpdir(), 'serein-vhost-nginx-'));
  // Workers as `o.user` ("user group"), not root: they must walk to the default page.
  if (o.user) chmodSync(prefix, 0o755);
  const vhostDir = join(prefix, 'vhosts');
  const webRoot = join(prefix, 'www');
  for (const d of [vhostDir, join(webRoot, '.well-known', 'acme-challenge'), join(prefix, 'logs'), join(prefix, 'tmp')])
    mkdirSync(d, { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), 'private nginx\n');
  const port = await freeDualPort();
  const tlsPort = await freeDualPort();
  const confPath = join(prefix, 'nginx.conf');
  const pidFile = join(prefix, 'nginx.pid');
  const conf = nginxConfText({ prefix, pidFile, port, webRoot, vhostDir });
  writeFileSync(confPath, o.user ? conf.replace(/^user root;$/m, `user ${o.user};`) : conf);
  const child: ChildProcess = spawn(binary, ['-p', `${prefix}/`, '-c', confPath, '-e', 'stderr', '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // If the test process dies without stop(), nginx still goes (SIGTERM: the master takes its workers along).
  const onExit = () => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    if (child.exitCode === null && child.pid) {
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    const ok = await getWithHost('127.0.0.1', port, 'x')
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`private nginx did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
  return { binary, prefix, confPath, vhostDir, port, tlsPort, pidFile, webRoot, stop };
}
