import type { AlertInput } from '../alerts.js';
import { renewalBlocked, renewalLate, type BlockedBy } from '../notify/messages.js';
import type { Cause, Words } from '../store/conversation.js';
import type { Job } from '../store/jobs.js';
import type { Store } from '../store/store.js';
import { problemOfSite } from './describe.js';
import type { Escalations } from './escalations.js';

/** A renewal failing on the provider's side is the provider's business until the expiry is this close. */
const LATE_MS = 7 * 86_400_000;

/** Renewal failures that only a change on the client's side ends. */
const BLOCKED: Record<string, BlockedBy> = {
  preflight_failed: 'dns',
  validation_failed: 'authority',
  certificate_refused: 'authority',
};

/** What the job said was found, in both languages, without the lead-in ("… because: "). */
function foundIn(job: Job | undefined): { found: Words[]; fix: Words[] } {
  const e = job?.error;
  if (!e) return { found: [], fix: [] };
  const strip = (s: string) => s.replace(/^[^:]*\b(because|car)\s?:\s*/, '');
  const fr = e.fr ?? { message: e.message, hint: e.hint };
  return { found: [{ en: strip(e.message), fr: strip(fr.message) }], fix: e.hint ? [{ en: e.hint, fr: fr.hint }] : [] };
}

/**
 * A failed renewal of a client's certificate (the alert admins get each time) is a signal
 * in the site's conversation, the same one the drift watch and failed issuances use. Its
 * client is told when only a change on their side ends it (their DNS, the authority's
 * check of their domain) or the expiry is a week away: at most one email a day for the
 * site, whichever watch speaks; admins, who got the failure, will get the recovery.
 */
export async function renewalFailed(esc: Escalations, store: Store, a: AlertInput): Promise<void> {
  const detail = (a.detail ?? {}) as Record<string, unknown>;
  const cert = typeof detail.certificate === 'string' ? await store.certificates.get(detail.certificate) : undefined;
  if (!cert?.tenantId) return;
  const job = typeof detail.jobId === 'string' ? await store.jobs.get(detail.jobId) : undefined;
  const code = job?.error?.code ?? String(detail.code ?? '');
  const by = BLOCKED[code];
  const late = new Date(cert.notAfter).getTime() - new Date(esc.now()).getTime() < LATE_MS;
  const { found, fix } = foundIn(by === 'dns' ? job : undefined);
  const cause: Cause | undefined = by
    ? { kind: 'renewal-blocked', site: cert.name, certificateId: cert.id, found, fix, until: cert.notAfter }
    : late
      ? { kind: 'renewal-late', site: cert.name, certificateId: cert.id, until: cert.notAfter }
      : undefined;
  const e = await esc.signal(
    cert.tenantId,
    problemOfSite(cert.name),
    [
      {
        at: esc.now(),
        kind: 'renewal',
        message: a.message,
        jobId: job?.id,
        playbook: job?.playbook,
        diagnosis: job?.error ? { code: job.error.code, message: job.error.message, hint: job.error.hint } : undefined,
      },
    ],
    {
      summary: `the renewal of ${cert.name} fails`,
      escalate: false,
      adminsAlerted: true,
      ...(cause ? { cause } : {}),
    },
  );
  if (!cause) return;
  await esc.tell(e, by === 'dns', (lang) => {
    if (!by) return renewalLate(lang, { site: cert.name, until: cert.notAfter });
    const fallback =
      lang === 'fr' ? 'Ouvrez votre page pour voir quoi changer.' : 'Open your page to see what to change.';
    return renewalBlocked(lang, {
      site: cert.name,
      until: cert.notAfter,
      by,
      fix: fix[0]?.[lang] ?? fallback,
      found: by === 'dns' ? found[0]?.[lang] : undefined,
    });
  });
}

/**
 * A job that succeeded may end a site's conversation: a renewal or an issuance (the client
 * had fixed the cause, or it went away), the site removed. The client hears « c'est
 * réglé » with what changed; a cause the client fixed is theirs, never "done for them".
 */
export async function jobSucceeded(esc: Escalations, store: Store, job: Job): Promise<void> {
  const site =
    typeof job.inputs?.site === 'string'
      ? job.inputs.site
      : typeof job.inputs?.domain === 'string'
        ? job.inputs.domain
        : Array.isArray(job.inputs?.domains)
          ? String(job.inputs.domains[0])
          : undefined;
  const tenantId = job.forTenant ?? job.tenantId;
  if (!site || !tenantId || job.status !== 'succeeded' || job.dryRun) return;
  const e = await store.escalations.openFor(tenantId, problemOfSite(site.toLowerCase().replace(/\.$/, '')));
  if (!e || e.done?.jobId === job.id) return;
  const until = typeof job.result?.expires === 'string' ? job.result.expires : undefined;
  if (job.playbook === 'vhost.delete') {
    await esc.close(e, { by: 'serein', what: 'site-removed', reason: 'the site was removed' });
    return;
  }
  if (job.playbook !== 'certificate.renew' && job.playbook !== 'certificate.issue') return;
  const what = job.playbook === 'certificate.renew' ? 'renewed' : 'issued';
  // A DNS cause that is gone now was removed where the client's domain is managed: by them.
  const byClient =
    !!e.cause?.found?.length ||
    e.cause?.kind === 'drift' ||
    e.cause?.kind === 'renewal-blocked' ||
    (!!job.tenantId && !job.actedBy);
  const who = job.actedBy ?? (job.tenantId ? 'the client' : 'an admin');
  await esc.close(
    e,
    { by: byClient ? 'client' : 'serein', what, reason: `${job.playbook} succeeded (run by ${who})` },
    { name: site, until },
  );
}
