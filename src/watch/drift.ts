import { Cron } from 'croner';
import { diagnose } from '../certificates/diagnose.js';
import type { Check } from '../dns/check.js';
import type { BackgroundService } from '../engine/background.js';
import type { Services } from '../engine/action.js';
import { driftFound } from '../notify/watch-messages.js';
import type { CertificateRecord } from '../store/certificates.js';
import { mapLimit } from '../util/concurrency.js';

/** What one pass found, for logs and tests. */
export interface DriftReport {
  checked: number;
  /** Certificates whose next renewal would fail, by name. */
  drifted: string[];
  /** Problems seen before that are gone now. */
  fixed: string[];
  escalated: string[];
}

/** Failing checks a renewal cannot get past, but not the failure budget (it empties by itself with time). */
const blocking = (c: Check) => c.status === 'failure' && c.id !== 'failure-budget';

/** A check that failed because a DNS question went unanswered (timeout, SERVFAIL): it says nothing about the client's domain. */
const unanswered = (c: Check) => Object.values(c.detail ?? {}).some((v) => typeof v === 'string' && /^E[A-Z]+$/.test(v) && v !== 'ENODATA' && v !== 'ENOTFOUND');

/**
 * The drift watch: every day (drift.schedule, croner), the preflight runs again for the
 * names of every active certificate, DNS and HTTP checks only (no CA traffic), a few at
 * a time (drift.concurrency). A change that will make the next renewal fail (an AAAA
 * added towards an old server, an A moved away, a CAA for another CA) is told to the
 * client in words, with the fix, while there are still weeks before the renewal; when the
 * client has not fixed it after drift.escalateAfterHours, an admin gets an escalation.
 */
export class DriftWatch implements BackgroundService {
  private cron?: Cron;
  private running?: Promise<DriftReport>;

  constructor(
    private readonly services: Services,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  start(): void {
    const cfg = this.services.config.drift;
    if (!cfg.enabled) return;
    this.cron = new Cron(cfg.schedule, { protect: true, unref: true, catch: (err) => this.services.logger.error({ err }, 'drift watch failed') }, async () => {
      await this.pass();
    });
  }

  async stop(): Promise<void> {
    this.cron?.stop();
    await this.running?.catch(() => undefined);
  }

  /** One pass over every active certificate; concurrent calls share the pass in progress. */
  pass(): Promise<DriftReport> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<DriftReport> {
    const { store, config, logger } = this.services;
    const report: DriftReport = { checked: 0, drifted: [], fixed: [], escalated: [] };
    // The whole fleet, a page at a time: no cut-off, and memory bounded by the page.
    const active = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.certificates.page({ status: 'active', limit: 500, cursor });
      for (const c of page.items) active.add(c.id);
      await mapLimit(page.items.filter((c) => c.tenantId), config.drift.concurrency, async (cert) => {
        try {
          await this.checkOne(cert, report);
        } catch (err) {
          logger.warn({ certificate: cert.id, err: (err as Error).message }, 'drift watch could not check a certificate');
        }
      });
      cursor = page.next ?? undefined;
    } while (cursor);
    // A certificate renewed or removed since: what was found on it is no longer anyone's concern.
    for (const f of await store.drift.list()) if (!active.has(f.certificateId)) await store.drift.clear(f.certificateId);
    logger.info({ drift: { checked: report.checked, drifted: report.drifted.length, escalated: report.escalated.length } }, 'drift watch pass done');
    return report;
  }

  private async checkOne(cert: CertificateRecord, report: DriftReport): Promise<void> {
    const { store, config, escalations } = this.services;
    const tenantId = cert.tenantId!;
    const diagnosis = await diagnose(this.services, { domains: cert.domains, challenge: cert.challenge, webserver: cert.webserver ?? undefined });
    report.checked++;
    const failing = diagnosis.checks.filter(blocking);
    const problems = failing.filter((c) => !unanswered(c));
    // Only unanswered questions: nothing is known today, what was found before stays as it was.
    if (failing.length && !problems.length) return;
    if (!problems.length) {
      if (await store.drift.get(cert.id)) {
        await store.drift.clear(cert.id);
        report.fixed.push(cert.name);
      }
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
    // Told in the client's language, at most once a day while it lasts (src/notify).
    await escalations.tellClient(`drift:${cert.id}`, tenantId, canFix, (lang) =>
      driftFound(lang, { site: cert.name, renewAt, until: cert.notAfter, found: problems.map((c) => c.message[lang]), fix: [...new Set(problems.flatMap((c) => (c.fix ? [c.fix[lang]] : [])))] }),
    );
    const late = now.getTime() - new Date(finding.firstSeen).getTime() >= config.drift.escalateAfterHours * 3_600_000;
    if (!late || finding.escalated) return;
    await escalations.signal(
      tenantId,
      `drift:${cert.name}`,
      [{ at: now.toISOString(), kind: 'drift', message: `the renewal of ${cert.name} (around ${renewAt.slice(0, 10)}) will fail; the client was told on ${finding.firstSeen.slice(0, 10)} and nothing changed: ${problems.map((c) => c.message.en).join(' ')}`, diagnosis: { code: problems[0].id, message: problems[0].message.en, hint: problems[0].fix?.en, detail: problems.map((c) => c.detail) } }],
      { summary: `the next renewal of ${cert.name} will fail (${problems.map((c) => c.id).join(', ')})`, suggestion: canFix ? { playbook: 'dns.fix', inputs: { domain: cert.name, challenge: cert.challenge, confirm: true } } : null },
    );
    await store.drift.markEscalated(cert.id);
    report.escalated.push(cert.name);
  }
}

/** The watch as the daemon starts it (src/daemon.ts). */
export function driftWatch(engine: { services: Services }): DriftWatch {
  return new DriftWatch(engine.services);
}
