/**
 * 10,000 sites on one nginx: before a reload can fail on its open files (every site's two
 * log files, held twice while a reload opens the new configuration), the admins are warned
 * with the figure and the fix (worker_rlimit_nofile, LimitNOFILE, or serein's sharedLogs). Shown
 * on a private nginx started with a low limit of open files (256) holding 56 sites.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeApplyNginx } from '../src/nginx/apply.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { until } from './helpers/until.js';
import { labNginxArgv, labWebserver } from './helpers/vhost-lab.js';
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { useLab } from './lab/client.js';

let priv: NginxInfo & { stop(): Promise<void> };
let d: TestDaemon | undefined;
let dir: string;
const SITES = 56;

const site = (i: number) => ({
  path: join(priv.vhostDir, `s${i}.files.test.conf`),
  content: [
    'server {',
    `    listen 127.0.0.1:${priv.port};`,
    `    server_name s${i}.files.test;`,
    `    access_log ${dir}/logs/s${i}.access.log;`,
    `    error_log ${dir}/logs/s${i}.error.log;`,
    `    location = /p { return 200 "ok ${i}"; }`,
    '}',
    '',
  ].join('\n'),
});

beforeAll(async () => {
  const lab = await useLab('nginx');
  dir = mkdtempSync(join(tmpdir(), 'serein-open-files-'));
  mkdirSync(join(dir, 'logs'));
  // nginx as a service with a low LimitNOFILE would run it.
  const wrapper = join(dir, 'nginx');
  writeFileSync(wrapper, `#!/bin/sh\nulimit -n 256\nexec ${lab.nginx!.binary} "$@"\n`);
  chmodSync(wrapper, 0o755);
  priv = await startPrivateNginx(wrapper);
  // The sites an older life of the server left: written and loaded outside serein.
  for (let i = 0; i < SITES; i++) writeFileSync(site(i).path, site(i).content);
  const [bin, ...args] = labNginxArgv(priv);
  expect(spawnSync(bin, [...args, '-s', 'reload']).status).toBe(0);
  const master = Number(spawnSync('cat', [priv.pidFile], { encoding: 'utf8' }).stdout.trim());
  await until(
    async () => (readdirSync(`/proc/${master}/fd`).length > 2 * SITES ? true : undefined),
    30_000,
    'nginx to hold the sites’ logs',
  );
});

afterAll(async () => {
  await d?.stop();
  if (priv) await priv.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('open files before a reload', () => {
  it('the admins are warned with the figure and the fix before a reload can fail on them', async () => {
    d = await startTestDaemon({
      config: {
        targets: { local: { type: 'local' } },
        webservers: { priv: labWebserver(priv, dir, 'local', { batchWindowMs: 0 }) },
      },
    });
    const one = site(SITES);
    // The change itself may or may not still fit: the warning comes before the reload either way.
    await safeApplyNginx(d.daemon.engine.services.nginx, 'priv', [one], []).catch(() => undefined);
    const alerts = (await d.store.alerts.list({})).filter((a) => a.kind === 'nginx-open-files');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].message).toMatch(/holds \d+ open files/);
    expect(alerts[0].message).toMatch(/may open 256/);
    expect(alerts[0].message).toMatch(/worker_rlimit_nofile/);
    expect(alerts[0].message).toMatch(/LimitNOFILE/);
    expect(alerts[0].message).toMatch(/sharedLogs: true for \S+ in serein's configuration/);
  });
});
