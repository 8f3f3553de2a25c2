/**
 * The cheap check's copy of nginx's main configuration (src/nginx/quick-check.ts) is removed
 * when the check ends; a daemon killed during `nginx -t` leaves it beside nginx.conf. The
 * next daemon's first check there removes a copy older than a check can last, and leaves a
 * fresh one (another daemon's check in progress) alone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { safeApplyNginx } from '../src/nginx/apply.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { labWebserver } from './helpers/vhost-lab.js';
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { useLab } from './lab/client.js';

let priv: NginxInfo & { stop(): Promise<void> };
let d: TestDaemon;
let dir: string;
const tag = randomBytes(4).toString('hex');
const host = `left.p${tag}.test`;

beforeAll(async () => {
  const lab = await useLab('nginx');
  priv = await startPrivateNginx(lab.nginx!.binary);
  dir = mkdtempSync(join(tmpdir(), 'serein-check-leftover-'));
  d = await startTestDaemon({
    config: {
      targets: { local: { type: 'local' } },
      webservers: { priv: labWebserver(priv, dir, 'local', { batchWindowMs: 0, probeTimeoutMs: 1500 }) },
    },
  });
});

afterAll(async () => {
  await d?.stop();
  if (priv) {
    rmSync(join(priv.vhostDir, `${host}.conf`), { force: true });
    await priv.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("removes a check's copy a kill left beside nginx.conf, not a fresh one", async () => {
  const old = join(priv.prefix, '.serein-check-0123456789ab');
  const fresh = join(priv.prefix, '.serein-check-ba9876543210');
  for (const f of [old, fresh]) writeFileSync(f, 'events {}\n', { mode: 0o600 });
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(old, hourAgo, hourAgo);
  const content = `server {\n    listen 127.0.0.1:${priv.port};\n    server_name ${host};\n    location = /p { return 200 "ok"; }\n}\n`;
  await safeApplyNginx(
    d.daemon.engine.services.nginx,
    'priv',
    [{ path: join(priv.vhostDir, `${host}.conf`), content }],
    [{ host, path: '/p', expectBody: 'ok' }],
  );
  expect(d.daemon.engine.services.nginx.applier('priv').stats.quickChecks).toBeGreaterThan(0);
  expect(existsSync(old)).toBe(false);
  expect(existsSync(fresh)).toBe(true);
  rmSync(fresh, { force: true });
});
