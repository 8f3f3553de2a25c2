import type { BackgroundService } from '../engine/background.js';
import type { Engine } from '../engine/engine.js';
import type { Job } from '../store/jobs.js';

const WINDOW_MS = 60 * 60 * 1000;
const FAILURES = 3;

/**
 * Notices a client who keeps failing (three failed jobs within an hour) and hands them
 * to an admin with the diagnosis, before they have to complain. One alert per tenant
 * per hour: a struggling client needs a human, not a flood. Checks (dry runs) are not
 * attempts: a check that finds a problem is the check doing its job.
 */
export function strugglingClientWatch(engine: Engine): BackgroundService {
  const { store } = engine.services;
  const onFinished = async (job: Job) => {
    if (job.status !== 'failed' || !job.tenantId || job.dryRun) return;
    const since = new Date(Date.now() - WINDOW_MS).toISOString();
    const failed = (await store.jobs.list({ tenantId: job.tenantId, status: 'failed', dryRun: false, limit: 20 })).filter((j) => (j.finishedAt ?? '') >= since);
    if (failed.length < FAILURES) return;
    const recent = await store.alerts.list({ kind: 'struggling-client' });
    if (recent.some((a) => a.tenantId === job.tenantId && a.at >= since)) return;
    await engine.services.alert({
      kind: 'struggling-client',
      tenantId: job.tenantId,
      subject: job.tenantId,
      message: `Tenant ${job.tenantId} had ${failed.length} failed operations in the last hour; the latest: ${job.error?.message ?? job.playbook}. They may need a hand.`,
      detail: { failures: failed.map((j) => ({ jobId: j.id, playbook: j.playbook, resource: j.resource, code: j.error?.code, message: j.error?.message, detail: j.error?.detail })) },
    });
  };
  const listener = (job: Job) => void onFinished(job).catch((err) => engine.services.logger.warn({ err }, 'struggling-client watch failed'));
  return {
    start: () => engine.events.on('finished', listener),
    stop: async () => void engine.events.off('finished', listener),
  };
}
