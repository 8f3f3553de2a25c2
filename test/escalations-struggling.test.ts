/**
 * Escalations nobody asked for: a failure that no success followed within the configured
 * time opens one, once (the struggling watch's sweep, run with its own clock), and a job
 * left needing attention on a client's things opens one at once. (Failures in a row,
 * handoffs, "do it for them" and drift: escalations.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrugglingWatch } from '../src/watch/struggling.js';
import type { TestDaemon } from './helpers/daemon.js';
import { escalationLab, type EscalationLab } from './helpers/escalation-lab.js';

let world: EscalationLab;
let d: TestDaemon;
let reg: string;
let site: string;
let tenantId: string;
let client: { token: string };

beforeAll(async () => {
  world = await escalationLab('serein-esc-struggling-');
  ({ d, reg, site, tenantId, client } = world);
});

afterAll(async () => {
  await world?.stop();
});

describe('the struggling watch', () => {
  it('a failure that no success followed within the configured time opens an escalation, once', async () => {
    const watch = new StrugglingWatch(d.daemon.engine);
    const unresolved = d.config.escalations.unresolvedMinutes * 60_000;
    // Nothing failed yet: nothing to hand over.
    expect(await watch.sweep(new Date(Date.now() + unresolved + 60_000))).toBe(0);
    // A site that does not exist yet cannot be secured: a failure, and nothing succeeds after it.
    const job = await d.runJob('certificate.issue', { domains: [`autre.${reg}`] }, { token: client.token });
    expect(job.status).toBe('failed');
    const finished = new Date((await d.store.jobs.get(job.id))!.finishedAt!).getTime();
    expect(await watch.sweep(new Date(finished + unresolved - 60_000))).toBe(0);
    expect(await watch.sweep(new Date(finished + unresolved + 60_000))).toBe(1);
    // The next sweep does not add it again.
    expect(await watch.sweep(new Date(finished + unresolved + 16 * 60_000))).toBe(0);
    const e = (await d.api('GET', '/v1/escalations')).body.escalations.find(
      (x: any) => x.problem === `site:autre.${reg}`,
    );
    expect(
      e.signals.filter((s: any) => s.kind === 'no-success').map((s: any) => s.jobId),
      JSON.stringify(e.signals),
    ).toEqual([job.id]);
    // The name's DNS and HTTP checks pass (the cause is not there): the failed issuance is what is left to run.
    expect(e.suggestion).toMatchObject({ playbook: 'certificate.issue', inputs: { domains: [`autre.${reg}`] } });
  });

  it("a job left in needs-attention on the client's things opens an escalation at once", async () => {
    const { job } = await d.store.jobs.create({
      playbook: 'vhost.delete',
      inputs: { domain: site },
      dryRun: false,
      tenantId: null,
      forTenant: tenantId,
      tokenId: null,
      resource: `vhost:${site}`,
      target: null,
      language: 'en',
    });
    await d.store.jobs.finish(job.id, 'needs-attention', {
      error: { code: 'undo_failed', message: 'the old site could not be put back', hint: 'restore it by hand' },
    });
    await new StrugglingWatch(d.daemon.engine).onFinished((await d.store.jobs.get(job.id))!);
    const e = (await d.api('GET', '/v1/escalations')).body.escalations.find(
      (x: any) => x.problem === 'operation:vhost.delete',
    );
    expect(e).toMatchObject({
      tenantId,
      suggestion: null,
      signals: [
        { kind: 'needs-attention', jobId: job.id, diagnosis: { code: 'undo_failed', hint: 'restore it by hand' } },
      ],
    });
  });
});
