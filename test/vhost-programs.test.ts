// How many programs a new site costs on its target: at hundreds of sites at once, each one
// started is a fork of the daemon on its event loop (issue 25, "500 at once"). A new site
// on a server without site users gets its folder from one script, which refuses a link as
// the preflight's look did; a site already there is still looked at before anything changes.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalTarget } from '../src/targets/local.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest, labWebserver, uniq } from './helpers/vhost-lab.js';
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { useLab } from './lab/client.js';

let d: TestDaemon;
let nginx: NginxInfo & { stop(): Promise<void> };
let client: { token: string };
const dom = `${uniq('pg')}.test`;

beforeAll(async () => {
  const lab = await useLab('nginx');
  nginx = await startPrivateNginx(lab.nginx!.binary);
  d = await startTestDaemon({
    config: {
      targets: { local: { type: 'local' } },
      webservers: {
        web: labWebserver(nginx, tempDir('serein-programs-'), 'local', { batchWindowMs: 0, siteUsers: false }),
      },
    },
  });
  client = await d.tenant(uniq('tp'), { domains: [dom], servers: ['web'] });
});

afterAll(async () => {
  await d?.stop();
  const t = labNginxTest(nginx);
  await nginx?.stop();
  expect(t.ok, t.output).toBe(true);
});

describe('programs started on the target per site', () => {
  it('a new site: its folder is made by one script; updating it looks at the folder first, then writes', async () => {
    const run = vi.spyOn(LocalTarget.prototype, 'run');
    const scripts = () => run.mock.calls.filter(([argv]) => argv[0] === 'sh').map(([argv]) => argv[3]);
    try {
      const name = `one.${dom}`;
      const job = await d.runJob('vhost.create', { webserver: 'web', domain: name }, { token: client.token });
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      expect(scripts()).toEqual(['serein-site-folder']);
      run.mockClear();
      const again = await d.runJob(
        'vhost.create',
        { webserver: 'web', domain: name, aliases: [] },
        { token: client.token },
      );
      expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
      // The preflight's look at a live site's folder, and the apply's before it decides what an undo may take.
      expect(scripts()).toEqual(['serein-site-folder', 'serein-site-folder']);
    } finally {
      run.mockRestore();
    }
  });
});
