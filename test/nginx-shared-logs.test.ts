/**
 * Shared logs (a web server's sharedLogs), for providers with thousands of sites: every site
 * logs to one access log with its name first in each line and one error log, instead of two
 * files per site that a reload holds twice. Switching the option on for sites already live
 * (their next change re-renders them) keeps nginx's configuration valid at every step: the
 * format the sites name is defined, once, before them in nginx's include order.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebserverConfig } from '../src/config/schema.js';
import { sharedLogPaths, sharedLogsSnippet } from '../src/nginx/shared-logs.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { until } from './helpers/until.js';
import { getWithHost, labNginxArgv, labNginxTest, labWebserver, uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

describe('shared logs on the lab nginx', () => {
  let lab: LabInfo;
  let dir: string;
  let d: TestDaemon | undefined;
  const tenant = uniq('tsl');
  const one = `${uniq('one')}.test`;
  const two = `${uniq('two')}.test`;
  const daemon = (sharedLogs: boolean) =>
    startTestDaemon({
      config: {
        // One store for both: the second daemon is the same serein after its configuration changed.
        store: { driver: 'sqlite', path: join(dir, 'serein.db') },
        targets: { local: { type: 'local' } },
        webservers: { web: labWebserver(lab.nginx!, dir, 'local', { sharedLogs }) },
      },
    });
  const create = async (domain: string) => {
    const job = await d!.runJob('vhost.create', { webserver: 'web', domain, aliases: [] });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
  };
  const conf = (domain: string) => readFileSync(join(lab.nginx!.vhostDir, `${domain}.conf`), 'utf8');

  beforeAll(async () => {
    lab = await useLab('nginx');
    dir = mkdtempSync(join(tmpdir(), 'serein-shared-logs-'));
  });

  afterAll(async () => {
    await d?.stop(); // deletes both sites
    // The format's snippet goes once no site names it; the lab's nginx reads the rest again.
    const snippet = lab?.nginx && sharedLogsSnippet({ vhostDir: lab.nginx.vhostDir } as WebserverConfig);
    if (snippet && existsSync(snippet.path)) {
      rmSync(snippet.path, { force: true });
      const [bin, ...args] = labNginxArgv(lab.nginx!);
      spawnSync(bin, [...args, '-s', 'reload']);
    }
    if (lab?.nginx) expect(labNginxTest(lab.nginx).output).toMatch(/successful/);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('switched on for live sites, each re-rendered site logs to the shared file with its name, nginx -t green throughout', async () => {
    d = await daemon(false);
    await d.tenant(tenant, { domains: [one, two] });
    await create(one);
    await create(two);
    const ws = d.config.webservers.web;
    expect(conf(one)).toContain(`access_log ${join(ws.logDir, `${one}.access.log`)} combined;`);

    // The admin sets sharedLogs: true and restarts serein (the sites stay where they are).
    await d.daemon.stop();
    d = await daemon(true);
    const shared = sharedLogPaths(d.config.webservers.web);
    const applier = () => d!.daemon.engine.services.nginx.applier('web').stats;

    await create(one); // the first change puts the format in place (a shared file: the full nginx -t) before the site naming it
    expect(applier().tests).toBeGreaterThanOrEqual(1);
    expect(readFileSync(sharedLogsSnippet(d.config.webservers.web).path, 'utf8')).toMatch(/^log_format serein_site /m);
    expect(conf(one)).toContain(`access_log ${shared.accessLog} serein_site;`);
    expect(conf(one)).toContain(`error_log ${shared.errorLog};`);
    expect(conf(two)).toContain(`${two}.access.log combined;`); // not re-rendered yet: still its own logs, still valid
    expect(labNginxTest(lab.nginx!).output).toMatch(/successful/);

    const tests = applier().tests;
    await create(two); // the format already there: the cheap check of the site alone (which includes the format) decides
    expect(applier().tests).toBe(tests);
    expect(applier().quickChecks).toBeGreaterThanOrEqual(1);
    expect(conf(two)).toContain(`access_log ${shared.accessLog} serein_site;`);
    expect(labNginxTest(lab.nginx!).output).toMatch(/successful/);

    for (const host of [one, two]) {
      const r = await getWithHost('127.0.0.1', lab.nginx!.port, host, `/from-${host}`);
      expect(r.status).toBe(404); // an empty site: the request is logged all the same
    }
    const lines = await until(
      () => {
        const text = existsSync(shared.accessLog) ? readFileSync(shared.accessLog, 'utf8').split('\n') : [];
        const mine = [one, two].map((host) =>
          text.find((l) => l.startsWith(`${host} `) && l.includes(`/from-${host} `)),
        );
        return mine.every(Boolean) && (mine as string[]);
      },
      10_000,
      "both sites' requests in the shared access log",
    );
    expect(lines[0]).toMatch(/^\S+ 127\.0\.0\.1 - - \[[^\]]+\] "GET \/from-\S+ HTTP\/1\.1" 404 /);
  });
});
