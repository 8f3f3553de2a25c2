/**
 * For test files: `const lab = await useLab('postgres', 'sshd');` in a beforeAll.
 *
 * The lab is shared by every test file of the run. It lives in vitest's main process
 * (test/lab/global-setup.ts) and grows lazily: only the components some test asked for are started,
 * each at most once. Do not stop it, and do not assume you own it: use unique names
 * (databases, vhosts, containers, DNS records) so test files can run concurrently.
 */
import { inject } from 'vitest';
import type { Component, LabInfo } from './lab.ts';

export type { Component, LabInfo } from './lab.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the lab coordinator started by test/lab/global-setup.ts */
    labUrl: string;
  }
}

export async function useLab(...components: Component[]): Promise<LabInfo> {
  const url = inject('labUrl');
  if (!url) throw new Error('useLab: no lab coordinator (is test/lab/global-setup.ts in vitest globalSetup?)');
  const res = await fetch(`${url}/ensure`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ components }),
  });
  const body = (await res.json()) as { info?: LabInfo; error?: string };
  if (!res.ok || !body.info) throw new Error(`useLab(${components.join(', ')}): ${body.error ?? `HTTP ${res.status}`}`);
  return body.info;
}
