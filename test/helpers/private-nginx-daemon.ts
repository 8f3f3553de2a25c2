import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useLab } from '../lab/client.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { labWebserver } from './vhost-lab.js';
import { startPrivateNginx, type NginxInfo } from './vhost-nginx.js';

/** A daemon on an nginx of its own, and how to stop both. */
export interface PrivateNginxDaemon {
  priv: NginxInfo & { stop(): Promise<void> };
  d: TestDaemon;
  dir: string;
  /** Stops the daemon and nginx, removing first the site files whose names contain `tag`. */
  stop(tag: string): Promise<void>;
}

/**
 * A daemon whose one local web server `priv` is a private nginx (no other test's reloads in
 * its counts or its workers), changes applied at once; `extra` adds web servers on the same
 * nginx. For the tests that count nginx's parses and reloads or hold one.
 */
export async function privateNginxDaemon(
  prefix: string,
  options: {
    probeTimeoutMs?: number;
    extra?: (priv: NginxInfo, dir: string) => Record<string, ReturnType<typeof labWebserver>>;
  } = {},
): Promise<PrivateNginxDaemon> {
  const lab = await useLab('nginx');
  const priv = await startPrivateNginx(lab.nginx!.binary);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const d = await startTestDaemon({
    config: {
      targets: { local: { type: 'local' } },
      webservers: {
        priv: labWebserver(priv, dir, 'local', { batchWindowMs: 0, probeTimeoutMs: options.probeTimeoutMs ?? 1500 }),
        ...options.extra?.(priv, dir),
      },
    },
  });
  return {
    priv,
    d,
    dir,
    async stop(tag) {
      await d.stop();
      for (const f of readdirSync(priv.vhostDir)) if (f.includes(tag)) rmSync(join(priv.vhostDir, f), { force: true });
      await priv.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
