/**
 * An undo leaves nothing of its own in nginx's folders. A change keeps the previous version
 * of each file it replaces (`<file>.serein-bak`); the undo of a change is itself a change, so
 * it kept a copy of what it took away: a new site's configuration, a first certificate's
 * chain, outliving the site. Here vhost.create's playbook (a copy) gets a last step that
 * fails once the site is live, against the lab's nginx; the site's certificate counterpart is
 * checked by test/site-environment.test.ts (SFTP failing last, after the certificate is served).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { labWebserver, playbooksCopy, removeLeftSiteFiles, uniq } from './helpers/vhost-lab.js';
import { deleteSitesAndStop, expectNginxTestPasses } from './helpers/vhost-teardown.js';
import { useLab, type LabInfo } from './lab/client.js';

// Appended to vhost.create's steps: fails after the site is published (and its certificate step ran).
const FAILING_STEP = `  - id: fail
    action: program.run
    title: { en: Fail on purpose, fr: Échouer exprès }
    with:
      target: local
      argv: [ "false" ]
`;

describe('an undone vhost.create', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let dir: string;
  let playbooks: string;
  let A: { token: string };
  const tenant = uniq('tu');
  const dom = `${uniq('u')}.test`;

  beforeAll(async () => {
    lab = await useLab('nginx');
    dir = tempDir('serein-undo-backups-');
    playbooks = playbooksCopy();
    const file = join(playbooks, 'vhost.create.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/\nresult:/, `\n${FAILING_STEP}result:`));
    d = await startTestDaemon({
      playbooksDir: playbooks,
      config: { webservers: { web: labWebserver(lab.nginx!, dir) } },
    });
    A = await d.tenant(tenant, { domains: [dom], servers: ['web'] });
  });

  afterEach(() => expectNginxTestPasses(lab.nginx!));

  afterAll(async () => {
    await deleteSitesAndStop(d);
    if (lab?.nginx) removeLeftSiteFiles(lab, (f) => f.includes(dom));
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (playbooks) rmSync(playbooks, { recursive: true, force: true });
  });

  it('failing after the site went live, leaves no file of its own in nginx’s folder', async () => {
    const name = `shop.${dom}`;
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: name }, { token: A.token });
    const steps = await d.store.jobs.steps(job.id);
    expect(job.status, JSON.stringify({ error: job.error, steps })).toBe('failed');
    expect(Object.fromEntries(steps.map((s) => [s.name, s.status]))).toMatchObject({
      apply: 'compensated',
      fail: 'failed',
    });
    expect(readdirSync(lab.nginx!.vhostDir).filter((f) => f.includes(name))).toEqual([]);
    expect(await d.store.tenants.getResource('vhost', name)).toBeUndefined();
    expect(existsSync(join(dir, 'www', name))).toBe(false);
  });
});
