import { diagnose, type DiagnoseParts } from '../certificates/diagnose.js';
import type { Services } from '../engine/action.js';
import { driftFound } from '../notify/watch-messages.js';
import type { CertificateRecord } from '../store/certificates.js';
import { mapLimit } from '../util/concurrency.js';
import { problemOfSite } from './describe.js';
import { blocking, rescueFor, unanswered, unique } from './rescue.js';
import { ScheduledPass } from './scheduled-pass.js';

/** What one pass found, for logs and tests. */
export interface DriftReport {
  checked: number;
  /** Certificates whose next renewal would fail, by name. */
  drifted: string[];
  /** Problems seen before that are gone now. */
  fixed: string[];
  escalated: string[];
}

/** The daemon's parts the drift watch uses: the preflight's, its logger and the escalations it opens. */
export type DriftParts = DiagnoseParts & Pick<Services, 'logger' | 'escalations'>;

/**
 * The drift watch: every day (drift.schedule, croner), the preflight runs again for the
 * names of every active certificate, DNS and HTTP checks only (no CA traffic), a few at
 * a time (drift.concurrency). A change that will make the next renewal fail (an AAAA
 * added towards an old server, an A moved away, a CAA for another CA) is told to the
 * client in words, with the fix, while there are still weeks before the renewal; when the
 * client has not fixed it after drift.escalateAfterHours, an admin gets an escalation.
 */
export class DriftWatch extends ScheduledPass<DriftReport> {
  constructor(
    private readonly services: DriftParts,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super('drift watch', services.logger, services.store.locks);
  }

  protected nothing() {
    return { checked: 0, drifted: [], fixed: [], escalated: [] };
  }

  protected schedule(): string | undefined {
    const cfg = this.services.config.drift;
    return cfg.enabled ? cfg.schedule : undefined;
  }

  /** One pass over every active certificate. */
  protected async run(): Promise<DriftReport> {
    const { store, config, logger } = this.services;
    const report: DriftReport = { checked: 0, drifted: [], fixed: [], escalated: [] };
    // The whole fleet, a page at a time: no cut-off, and memory bounded by the page.
    const active = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.certificates.page({ status: 'active', limit: 500, cursor });
      for (const c of page.items) active.add(c.id);
      await mapLimit(
        page.items.filter((c) => c.tenantId),
        config.drift.concurrency,
        async (cert) => {
          try {
            await this.checkOne(cert, report);
          } catch (err) {
            logger.warn(
              { certificate: cert.id, err: (err as Error).message },
              'drift watch could not check a certificate',
            );
          }
        },
      );
      cursor = page.next ?? undefined;
    } while (cursor);
    // A certificate renewed or removed since: what was found on it is no longer anyone's concern.
    for (const f of await store.drift.list())
      if (!active.has(f.certificateId)) await store.drift.clear(f.certificateId);
    logger.info(
      { drift: { checked: report.checked, drifted: report.drifted.length, escalated: report.escalated.length } },
      'drift watch pass done',
    );
    return report;
  }

  private async checkOne(cert: CertificateRecord, report: DriftReport): Promise<void> {
    const { store, config, escalations } = this.services;
    const tenantId = cert.tenantId!;
    const diagnosis = await diagnose(this.services, {
      domains: cert.domains,
      challenge: cert.challenge,
      webserver: cert.webserver ?? undefined,
    });
    report.checked++;
    const failing = diagnosis.checks.filter(blocking);
    const problems = failing.filter((c) => !unanswered(c));
    // Only unanswered questions: nothing is known today, what was found before stays as it was.
    if (failing.length && !problems.length) return;
    const problem = problemOfSite(cert.name);
    const open = await escalations.open(tenantId, problem);
    if (!problems.length) {
      const had = await store.drift.get(cert.id);
      if (had) await store.drift.clear(cert.id);
      // The domain is right again: the change was made where the client's domain is managed, by them.
      if (open && (open.cause?.kind === 'drift' || open.cause?.kind === 'renewal-blocked')) {
        await escalations.close(
          open,
          { by: 'client', what: 'dns-fixed', reason: 'the daily check sees the domain fixed' },
          { name: cert.name },
        );
      }
      if (had || open) report.fixed.push(cert.name);
      return;
    }
    report.drifted.push(cert.name);
    const now = this.clock();
    const finding = await store.drift.seen(
      {
        certificateId: cert.id,
        tenantId,
        name: cert.name,
        lastSeen: now.toISOString(),
        problems: problems.map((c) => ({ id: c.id, domain: c.domain, message: c.message, fix: c.fix })),
        renewAfter: cert.renewAfter,
        notAfter: cert.notAfter,
      },
      now.toISOString(),
    );
    const renewAt = cert.renewAfter ?? cert.notAfter;
    const canFix = problems.some((c) => c.repair);
    const found = problems.map((c) => c.message);
    const fix = unique(problems.flatMap((c) => (c.fix ? [c.fix] : [])));
    // A renewal that already failed for it says so: the drift watch never says "there is time" after that.
    const cause =
      open?.cause?.kind === 'renewal-blocked'
        ? open.cause
        : {
            kind: 'drift' as const,
            site: cert.name,
            certificateId: cert.id,
            found,
            fix,
            renewAt,
            until: cert.notAfter,
          };
    const first = `found on ${cert.name}, to fix before its renewal around ${renewAt.slice(0, 10)}: ${problems.map((c) => c.message.en).join(' ')}`;
    const e = open
      ? ((await store.escalations.update(open.id, now.toISOString(), () => ({ cause }))) ?? open)
      : await escalations.signal(tenantId, problem, [{ at: now.toISOString(), kind: 'drift', message: first }], {
          summary: `the next renewal of ${cert.name} will fail (${problems.map((c) => c.id).join(', ')})`,
          escalate: false,
          cause,
        });
    // Told in the client's language, at most once a day for the site whatever noticed it (src/watch/escalations.ts).
    if (cause.kind === 'drift') {
      await escalations.tell(e, canFix, (lang) =>
        driftFound(lang, {
          site: cert.name,
          renewAt,
          until: cert.notAfter,
          found: found.map((f) => f[lang]),
          fix: fix.map((f) => f[lang]),
        }),
      );
    }
    const late = now.getTime() - new Date(finding.firstSeen).getTime() >= config.drift.escalateAfterHours * 3_600_000;
    if (!late || finding.escalated) return;
    const rescue = await rescueFor(this.services, tenantId, {
      site: cert.name,
      domains: cert.domains,
      challenge: cert.challenge,
      webserver: cert.webserver ?? undefined,
    });
    await escalations.signal(
      tenantId,
      problem,
      [
        {
          at: now.toISOString(),
          kind: 'drift',
          message: `the renewal of ${cert.name} (around ${renewAt.slice(0, 10)}) will fail; the client was told on ${finding.firstSeen.slice(0, 10)} and nothing changed: ${problems.map((c) => c.message.en).join(' ')}`,
          diagnosis: {
            code: problems[0].id,
            message: problems[0].message.en,
            hint: problems[0].fix?.en,
            detail: problems.map((c) => c.detail),
          },
        },
      ],
      {
        summary: `the next renewal of ${cert.name} will fail (${problems.map((c) => c.id).join(', ')})`,
        escalate: true,
        ...(rescue.cause === 'present' ? { suggestion: rescue.suggestion, fixToSend: rescue.fixToSend } : {}),
      },
    );
    await store.drift.markEscalated(cert.id);
    report.escalated.push(cert.name);
  }
}

/** The watch as the daemon starts it (src/daemon.ts). */
export function driftWatch(engine: { services: DriftParts }): DriftWatch {
  return new DriftWatch(engine.services);
}
