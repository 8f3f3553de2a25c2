import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { DockerTarget } from '../../src/targets/docker.js';
import type { RunResult } from '../../src/targets/target.js';
import type { LabInfo } from '../lab/client.js';
import { getWithHost, labNginxArgv } from './vhost-lab.js';
import { freeDualPort, type NginxInfo } from './vhost-nginx.js';
import { nginxConfText } from '../lab/lab.js';

/** An nginx running inside the lab's container, with the facts labWebserver() takes (paths are inside the container). */
export interface ContainerNginx extends NginxInfo {
  /** The Docker target the helper used (its own, not the daemon's). */
  target: DockerTarget;
  /** Body of the default server: what answers a name no vhost has. */
  defaultBody: string;
  /** `nginx -t` inside the container on the live configuration. */
  test(): Promise<{ ok: boolean; output: string }>;
  /** Processes inside the container whose command line mentions this nginx's folder. */
  processes(): Promise<string[]>;
  /** Stops nginx (QUIT, by its pid, inside the container), waits for it to exit, removes its folder. */
  stop(): Promise<void>;
}

/** The run timeout of the nginx exec: a safety net only (the Docker target kills the program's group then). */
const NGINX_RUN_LIMIT_MS = 30 * 60_000;

const ms = (n: number) => new Promise((r) => setTimeout(r, n));

/**
 * Starts a private nginx INSIDE the lab's container (host network, the host's /usr mounted
 * read-only), through the Docker target, for tests of web servers configured on a docker target.
 *
 * Everything lives in a unique folder of the container (/tmp/serein-nginx-<random>): its
 * configuration, include folder, web root, pid file, logs and temp folders. The image's /etc
 * has no nginx files, so nothing from /etc/nginx is included (no mime.types: default_type).
 *
 * nginx runs in the foreground (`daemon off`) as the program of one exec that lasts as long
 * as it runs, rather than daemonized: a daemonized master is reparented to the container's
 * pid 1 (`sleep infinity`), which never reaps it, so a stopped nginx would stay behind as a
 * zombie. In the foreground its parent is the exec session's conmon, which reaps it.
 */
export async function startContainerNginx(
  podman: NonNullable<LabInfo['podman']>,
  binary = '/usr/sbin/nginx',
): Promise<ContainerNginx> {
  const target = new DockerTarget('nginx-box', {
    type: 'docker',
    socketPath: podman.socketPath,
    container: podman.container,
  });
  const prefix = `/tmp/serein-nginx-${randomBytes(6).toString('hex')}`;
  const vhostDir = posix.join(prefix, 'vhosts');
  const webRoot = posix.join(prefix, 'www');
  const confPath = posix.join(prefix, 'nginx.conf');
  const pidFile = posix.join(prefix, 'nginx.pid');
  const errorLog = posix.join(prefix, 'logs', 'error.log');
  const defaultBody = `serein container nginx ${posix.basename(prefix)}\n`;
  const check = (r: RunResult, what: string) => {
    if (r.code !== 0)
      throw new Error(`container nginx: ${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
    return r;
  };

  check(
    await target.run(['test', '-x', binary], { timeoutMs: 15_000 }),
    `${binary} is not in container ${podman.container}`,
  );
  const [port, tlsPort] = [await freeDualPort(), await freeDualPort()];
  const info: NginxInfo = { binary, prefix, confPath, vhostDir, port, tlsPort, pidFile, webRoot };
  const argv = labNginxArgv(info);
  const removeFolder = async () => {
    await target.remove(prefix, { recursive: true });
  };

  let running: Promise<RunResult> | undefined;
  let exited: RunResult | undefined;
  try {
    check(
      await target.run(
        [
          'mkdir',
          '-p',
          '--',
          vhostDir,
          posix.join(webRoot, '.well-known', 'acme-challenge'),
          posix.join(prefix, 'logs'),
          posix.join(prefix, 'tmp'),
        ],
        { timeoutMs: 15_000 },
      ),
      'mkdir',
    );
    await target.writeFile(posix.join(webRoot, 'index.html'), defaultBody);
    await target.writeFile(confPath, nginxConfText({ prefix, pidFile, port, webRoot, vhostDir, errorLog }));
    check(await target.run([...argv, '-t'], { timeoutMs: 30_000 }), 'nginx -t');

    running = target.run([...argv, '-e', 'stderr', '-g', 'daemon off;'], { timeoutMs: NGINX_RUN_LIMIT_MS });
    void running.then(
      (r) => (exited = r),
      (err: unknown) => (exited = { code: -1, stdout: '', stderr: String(err) }),
    );

    // Ready when its default server answers from the host (host network), with short backoff.
    const deadline = Date.now() + 20_000;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      const ok = await getWithHost('127.0.0.1', port, 'serein-ready.invalid').then(
        (r) => r.body === defaultBody,
        () => false,
      );
      if (ok) break;
      if (exited) throw new Error(`container nginx exited at start (code ${exited.code}): ${exited.stderr.trim()}`);
      if (Date.now() > deadline) throw new Error('container nginx did not answer within 20 s');
      await ms(delay);
    }
  } catch (err) {
    if (running && !exited) await stopNginx(target, pidFile, running);
    await removeFolder().catch(() => undefined);
    await target.close();
    throw err;
  }

  const started = running;
  return {
    ...info,
    target,
    defaultBody,
    async test() {
      const r = await target.run([...argv, '-t'], { timeoutMs: 30_000 });
      return { ok: r.code === 0, output: `${r.stderr}${r.stdout}` };
    },
    async processes() {
      const r = check(await target.run(['ps', '-e', '-o', 'pid=,stat=,args='], { timeoutMs: 15_000 }), 'ps');
      return r.stdout.split('\n').filter((l) => l.includes(prefix));
    },
    async stop() {
      try {
        if (!exited) await stopNginx(target, pidFile, started);
        await removeFolder();
      } finally {
        await target.close();
      }
    },
  };
}

/** QUIT (graceful) to the master by its pid inside the container; KILL to its process group if it has not exited in 10 s. */
async function stopNginx(target: DockerTarget, pidFile: string, running: Promise<RunResult>): Promise<void> {
  const pid = (await target.readFile(pidFile).catch(() => undefined))?.toString('utf8').trim();
  if (pid && /^[1-9][0-9]*$/.test(pid))
    await target.run(['sh', '-c', 'kill -QUIT "$1"', 'sh', pid], { timeoutMs: 15_000 });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), 10_000)));
  const done = await Promise.race([
    running.then(
      () => 'done' as const,
      () => 'done' as const,
    ),
    late,
  ]);
  clearTimeout(timer);
  if (done === 'late' && pid) {
    await target.run(['sh', '-c', 'kill -KILL -"$1" 2>/dev/null || kill -KILL "$1"', 'sh', pid], { timeoutMs: 15_000 });
    await running.catch(() => undefined);
  }
}
