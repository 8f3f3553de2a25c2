import type { Engine } from '../engine/engine.js';
import type { Escalation } from '../store/escalations.js';
import type { Job } from '../store/jobs.js';
import { actingFor } from '../store/tokens.js';

/** The operation a reviewed suggestion runs after its first one (EscalationData['done'].then). */
export type Then = NonNullable<NonNullable<Escalation['done']>['then']>;

/**
 * Starts what the admin reviewed to run after the first operation removed the cause (a
 * dns.fix, then the issuance it blocked): with the tenant's rights and checks, the same
 * admin on record, and an idempotency key of the first job, so it starts once whichever
 * daemon or path saw the first one end. Undefined when it was refused (logged).
 */
export async function submitThen(
  engine: Pick<Engine, 'services' | 'submit'>,
  e: Escalation,
  then: Then,
): Promise<Job | undefined> {
  const { store, logger } = engine.services;
  const tenant = await store.tenants.get(e.tenantId);
  try {
    const actor = { tokenId: e.done?.tokenId ?? 'escalation', label: e.done?.byName ?? e.done?.by ?? 'an admin' };
    const key = `escalation:${e.id}:then:${e.done?.jobId ?? ''}`;
    return (
      await engine.submit(
        actingFor(e.tenantId, actor),
        { playbook: then.playbook, inputs: then.inputs, idempotencyKey: key },
        tenant?.language ?? 'en',
      )
    ).job;
  } catch (err) {
    logger.warn({ escalation: e.id, err: (err as Error).message }, 'could not run the operation after the fix');
    return undefined;
  }
}
