import { defaultWebserver, diagnose, type DiagnoseParts } from '../certificates/diagnose.js';
import type { Check } from '../dns/check.js';
import type { Suggestion, Words } from '../store/escalations.js';

/** Failing checks a renewal or an issuance cannot get past, but not the failure budget (it empties by itself with time). */
export const blocking = (c: Check) => c.status === 'failure' && c.id !== 'failure-budget';

/** A check that failed because a DNS question went unanswered (timeout, SERVFAIL): it says nothing about the client's domain. */
export const unanswered = (c: Check) =>
  Object.values(c.detail ?? {}).some(
    (v) => typeof v === 'string' && /^E[A-Z]+$/.test(v) && v !== 'ENODATA' && v !== 'ENOTFOUND',
  );

/**
 * What removes a site's cause, as found now:
 * - `unknown`: only unanswered DNS questions: nothing can be said today, keep what was said;
 * - `gone`: the checks pass: the failing operation (if any) is what is left to do;
 * - `present`: `suggestion` is dns.fix when every change is in a zone a configured DNS host
 *   serves and under the tenant's own domains, else null with `fixToSend`, the exact
 *   changes written for the client to make where their domain is managed.
 */
export type Rescue =
  | { cause: 'unknown' }
  | { cause: 'gone'; suggestion: Suggestion | null }
  | {
      cause: 'present';
      suggestion: Suggestion | null;
      fixToSend: { changes: Words[] } | null;
      found: Words[];
      fix: Words[];
      problems: string[];
    };

/**
 * Checks the cause of a site's trouble before a rescue is offered: the certificate
 * preflight (DNS and HTTP, no CA traffic), then, for dns.fix, what its run would need:
 * a DNS host serein is connected to that holds each record to change, and the name being
 * the tenant's. dns.fix is never offered where it would fail at once, and the failing
 * operation is offered only once its cause is gone.
 */
export async function rescueFor(
  services: DiagnoseParts,
  tenantId: string,
  o: {
    site: string;
    domains?: string[];
    challenge?: 'http-01' | 'dns-01';
    webserver?: string;
    failed?: Suggestion | null;
  },
): Promise<Rescue> {
  const challenge = o.challenge ?? 'http-01';
  const webserver = o.webserver ?? defaultWebserver(services);
  const diagnosis = await diagnose(services, { domains: o.domains ?? [o.site], challenge, webserver });
  const failing = diagnosis.checks.filter(blocking);
  const problems = failing.filter((c) => !unanswered(c));
  if (failing.length && !problems.length) return { cause: 'unknown' };
  const failed = o.failed ? { playbook: o.failed.playbook, inputs: o.failed.inputs } : null;
  if (!problems.length) return { cause: 'gone', suggestion: failed };
  const found = problems.map((c) => c.message);
  const fix = unique(problems.flatMap((c) => (c.fix ? [c.fix] : [])));
  const present = { cause: 'present' as const, found, fix, problems: problems.map((c) => c.id) };
  if (await repairable(services, tenantId, problems)) {
    const inputs = { domain: o.site, challenge, confirm: true, ...(o.webserver ? { webserver: o.webserver } : {}) };
    return {
      ...present,
      suggestion: { playbook: 'dns.fix', inputs, ...(failed && failed.playbook !== 'dns.fix' ? { then: failed } : {}) },
      fixToSend: null,
    };
  }
  return { ...present, suggestion: null, fixToSend: fix.length ? { changes: fix } : null };
}

/** Whether dns.fix would make every change: each has a repair, in a zone a configured host serves, under the tenant's domains. */
async function repairable(services: DiagnoseParts, tenantId: string, problems: Check[]): Promise<boolean> {
  if (!problems.every((c) => c.repair)) return false;
  const providers = services.certificates.providers;
  if (!providers.configured) return false;
  for (const { repair } of problems) {
    const located = await providers.locate(repair!.name).catch(() => null);
    if (!located || (await services.store.tenants.domainOwner(repair!.name)) !== tenantId) return false;
  }
  return true;
}

/** Each sentence once (two checks often give the same fix), in the order found. */
export const unique = (w: Words[]) => w.filter((x, i) => w.findIndex((y) => y.en === x.en) === i);
