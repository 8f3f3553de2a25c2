import { expect } from 'vitest';
import type { TestDaemon } from './daemon.js';
import { labNginxTest } from './vhost-lab.js';
import type { NginxInfo } from './vhost-nginx.js';

/** After each test: every nginx it used still passes `nginx -t` (a test cleans up what it creates). */
export function expectNginxTestPasses(...nginxes: NginxInfo[]): void {
  for (const n of nginxes) {
    const t = labNginxTest(n);
    expect(t.ok, t.output).toBe(true);
  }
}

/** Deletes every site the daemon recorded, files too, then stops it: a vhost test file's teardown. */
export async function deleteSitesAndStop(d: TestDaemon | undefined): Promise<void> {
  if (!d) return;
  for (const r of await d.store.tenants.listResources({ kind: 'vhost' }))
    await d.runJob('vhost.delete', { domain: r.name, removeFiles: true });
  await d.stop();
}
