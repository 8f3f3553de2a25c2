import { createHash } from 'node:crypto';
import type { Escalation, EscalationSignal, Suggestion } from '../store/escalations.js';
import type { Job } from '../store/jobs.js';

/** The operations that secure a site: the rescue checks their cause, and they are what is left once it is gone. */
export const CERTIFICATE_OPERATIONS: ReadonlySet<string> = new Set(['certificate.issue', 'certificate.renew']);

/** Operations about one site's secure connection: their failures, the drift watch and a blocked renewal are one problem. */
const SITE_OPERATIONS = new Set([...CERTIFICATE_OPERATIONS, 'dns.fix']);

/** The site a job works on, when it is about one (its first name). */
export function siteOfJob(job: Pick<Job, 'playbook' | 'inputs'>): string | undefined {
  const i = job.inputs ?? {};
  const name = i.site ?? i.domain ?? (Array.isArray(i.domains) ? i.domains[0] : undefined);
  return typeof name === 'string' ? name.toLowerCase().replace(/\.$/, '') : undefined;
}

/** The problem a site's secure connection is: one conversation whatever noticed it (failures, drift, renewal). */
export const problemOfSite = (site: string) => `site:${site}`;

/**
 * The problem a job is about, for "one conversation per tenant and problem": a site's
 * certificate (issuance, renewal, DNS repair of it) is the site; anything else, the operation.
 */
export const problemOfJob = (job: Pick<Job, 'playbook' | 'inputs'>) => {
  const site = SITE_OPERATIONS.has(job.playbook) ? siteOfJob(job) : undefined;
  return site ? problemOfSite(site) : `operation:${job.playbook}`;
};

/** A job's attempt as an admin reads it: when, what, and the diagnosis it recorded. */
export function attemptOf(job: Job, kind: EscalationSignal['kind'], message?: string): EscalationSignal {
  const e = job.error;
  return {
    at: job.finishedAt ?? job.createdAt,
    kind,
    message: message ?? `${job.playbook} ${job.status}${e ? `: ${e.message}` : ''}`,
    jobId: job.id,
    playbook: job.playbook,
    diagnosis: e ? { code: e.code, message: e.message, hint: e.hint, detail: e.detail } : undefined,
  };
}

/**
 * A suggestion's fingerprint: its operation and inputs (and the one run after it), keys
 * sorted. "Do it for them" names the one the admin reviewed, so a suggestion replaced
 * since (by a later failure, a request, or a new check of the cause) is refused rather
 * than run: what the admin clicked is what runs.
 */
export function suggestionVersion(s: Suggestion): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, sorted(x)]),
          )
        : v;
  const what = s.then
    ? { playbook: s.playbook, inputs: s.inputs, then: s.then }
    : { playbook: s.playbook, inputs: s.inputs };
  return createHash('sha256')
    .update(JSON.stringify(sorted(what)))
    .digest('hex')
    .slice(0, 16);
}

/** The suggestion in one line for admins: the operation, its inputs, and the one run after it. */
export const suggestionLine = (s: Suggestion) =>
  `${s.playbook} ${JSON.stringify(s.inputs)}${s.then ? `, then ${s.then.playbook} ${JSON.stringify(s.then.inputs)}` : ''}`;

/** The escalation in a few lines an admin reads in seconds (webhooks, emails, the admin feed). */
export function describe(e: Escalation, tenant: string): string {
  const lines = [`${tenant} is stuck: ${e.summary}`];
  if (e.cameBack)
    lines.push(`It came back: the same problem ended on ${e.cameBack.resolvedAt.slice(0, 16).replace('T', ' ')} UTC.`);
  for (const s of e.signals) {
    lines.push(
      `• ${s.at.slice(0, 16).replace('T', ' ')} UTC: ${s.message}${s.diagnosis?.hint ? ` (fix: ${s.diagnosis.hint})` : ''}`,
    );
    if (s.words) lines.push(`  the client wrote: "${s.words.text}"`);
  }
  if (e.suggestion)
    lines.push(
      `Suggested, with the client's rights: ${suggestionLine(e.suggestion)}. "Do it for them": serein escalation do ${e.id} --suggestion ${suggestionVersion(e.suggestion)}`,
    );
  else if (e.fixToSend)
    lines.push(
      `No DNS host serein can change serves this domain: send the client the change to make (POST /v1/escalations/${e.id}/send-fix): ${e.fixToSend.changes.map((c) => c.en).join(' ')}`,
    );
  return lines.join('\n');
}
