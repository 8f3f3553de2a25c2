/**
 * The cheap check's copy of nginx's main configuration (src/nginx/quick-check.ts) is removed
 * when the check ends; a daemon killed during `nginx -t` leaves it beside nginx.conf. The
 * next daemon's first check there removes a copy older than a check can last, and leaves a
 * fresh one (another daemon's check in progress) alone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { safeApplyNginx } from '../src/nginx/apply.js';
import type { TestDaemon } from './helpers/daemon.js';
import { privateNginxDaemon, type PrivateNginxDaemon } from './helpers/private-nginx-daemon.js';
import type { NginxInfo } from './helpers/vhost-nginx.js';

let priv: NginxInfo & { stop(): Promise<void> };
let d: TestDaemon;
const tag = randomBytes(4).toString('hex');
const host = `left.p${tag}.test`;

let lab: PrivateNginxDaemon;

beforeAll(async () => {
  lab = await privateNginxDaemon('serein-check-leftover-');
  ({ priv, d } = lab);
});

afterAll(() => lab?.stop(tag));

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
