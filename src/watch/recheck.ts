import type { DiagnoseParts } from '../certificates/diagnose.js';
import type { Escalation, Suggestion } from '../store/escalations.js';
import { CERTIFICATE_OPERATIONS } from './describe.js';
import type { Escalations } from './escalations.js';
import { rescueFor } from './rescue.js';

/** The operation that failed in a site's conversation (the latest issuance or renewal attempt), if any. */
async function failedOperation(services: DiagnoseParts, e: Escalation): Promise<Suggestion | null> {
  if (e.suggestion?.then) return e.suggestion.then;
  if (e.suggestion && CERTIFICATE_OPERATIONS.has(e.suggestion.playbook))
    return { playbook: e.suggestion.playbook, inputs: e.suggestion.inputs };
  const s = [...e.signals].reverse().find((x) => x.jobId && x.playbook && CERTIFICATE_OPERATIONS.has(x.playbook));
  const job = s?.jobId ? await services.store.jobs.get(s.jobId) : undefined;
  // The schedule renews by itself once the cause is gone: only a client's own operation is left to do for them.
  return job && job.playbook === 'certificate.issue' ? { playbook: job.playbook, inputs: job.inputs } : null;
}

/**
 * Looks at a site's cause again (an admin opening the escalation, "do it for them"): gone
 * for a drift or a blocked renewal, the conversation ends as fixed by the client; gone
 * after failed issuances, the failed operation is what is left; still there, the rescue
 * is what removes it now. Anything else is returned as it was.
 */
export async function recheck(esc: Escalations, services: DiagnoseParts, e: Escalation): Promise<Escalation> {
  if (e.state === 'resolved' || !e.problem.startsWith('site:')) return e;
  const site = e.problem.slice('site:'.length);
  const failed = await failedOperation(services, e);
  const cert = e.cause?.certificateId ? await services.store.certificates.get(e.cause.certificateId) : undefined;
  const i = (failed?.inputs ?? {}) as { domains?: string[]; challenge?: 'http-01' | 'dns-01'; webserver?: string };
  const r = await rescueFor(services, e.tenantId, {
    site,
    domains: i.domains ?? cert?.domains,
    challenge: i.challenge ?? cert?.challenge,
    webserver: i.webserver ?? cert?.webserver ?? undefined,
    failed,
  });
  if (r.cause === 'unknown') return e;
  if (r.cause === 'gone' && !failed && (e.cause?.kind === 'drift' || e.cause?.kind === 'renewal-blocked')) {
    await esc.close(
      e,
      { by: 'client', what: 'dns-fixed', reason: 'the domain is fixed (checked again when an admin looked)' },
      { name: site },
    );
    return (await services.store.escalations.get(e.id))!;
  }
  const at = esc.now();
  const next =
    r.cause === 'gone'
      ? { suggestion: r.suggestion, fixToSend: undefined }
      : {
          suggestion: r.suggestion,
          fixToSend: r.fixToSend ?? undefined,
          cause: { ...(e.cause ?? { kind: 'failures' as const, site }), found: r.found, fix: r.fix },
        };
  return (await services.store.escalations.update(e.id, at, () => next)) ?? e;
}
