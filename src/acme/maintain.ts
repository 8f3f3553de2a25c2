import { Cron } from 'croner';
import type { Services } from '../engine/action.js';
import { toOperationError } from '../errors.js';
import type { CertificateRecord } from '../store/certificates.js';
import { certificateContext } from './context.js';
import { mapLimit } from './pool.js';
import { refreshRenewalInfo, renewCertificate, retryDelayMs } from './renew.js';

/** What one pass did, for logs and tests. */
export interface MaintenanceReport {
  ariChecked: number;
  due: number;
  renewed: { id: string; name: string; newId: string }[];
  failed: { id: string; name: string; error: string; failures: number; nextAttemptAt: string }[];
}

/** The first pass after a start, once the daemon has settled. */
const FIRST_PASS_MS = 30_000;

/** How long a daemon keeps a certificate it is renewing before another may take it over. */
const CLAIM_MS = 30 * 60_000;

/**
 * Renews certificates on a schedule (renewal.schedule, croner) so nobody has to
 * remember: asks ARI-capable CAs for their window about twice a day, renews what is
 * due, and retries failures after 1 min, 10 min, 100 min, then daily, waking up for
 * each retry. A failed renewal is never silent: an alert (webhook + admin feed) and an
 * audit line every time.
 */
export class CertificateMaintenance {
  private cron?: Cron;
  private retryTimer?: NodeJS.Timeout;
  private firstTimer?: NodeJS.Timeout;
  private running?: Promise<MaintenanceReport>;
  private stopped = false;

  constructor(
    private readonly services: Services,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  start(): void {
    const cfg = this.services.config.renewal;
    if (!cfg.enabled) return;
    this.stopped = false;
    this.cron = new Cron(cfg.schedule, { protect: true, unref: true, catch: (err) => this.services.logger.error({ err }, 'certificate maintenance failed') }, async () => {
      await this.tick();
    });
    void this.armRetry();
    // Catch up soon after a start (the daemon may have been down when the schedule fired).
    this.firstTimer = setTimeout(() => void this.tick().catch(() => undefined), FIRST_PASS_MS);
    this.firstTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cron?.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.firstTimer) clearTimeout(this.firstTimer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; concurrent calls share the pass in progress. */
  tick(): Promise<MaintenanceReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
      void this.armRetry();
    });
    return this.running;
  }

  /** Wakes up for the earliest retry of a failed renewal (the schedule alone would be too coarse for 1 min). */
  private async armRetry(): Promise<void> {
    if (this.stopped || !this.services.config.renewal.enabled) return;
    const next = await this.services.store.certificates.nextRetry().catch(() => undefined);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (!next || this.stopped) return;
    const delay = Math.max(1000, Math.min(next.getTime() - this.clock().getTime(), 2 ** 31 - 1));
    this.retryTimer = setTimeout(() => void this.tick().catch(() => undefined), delay);
    this.retryTimer.unref();
  }

  private async pass(): Promise<MaintenanceReport> {
    const now = this.clock();
    const store = this.services.store.certificates;
    const report: MaintenanceReport = { ariChecked: 0, due: 0, renewed: [], failed: [] };
    await this.refreshAri(now, report);
    const due = await store.due(now);
    report.due = due.length;
    await mapLimit(due, this.services.config.acme.concurrency, async (cert) => {
      if (!(await store.claimRenewal(cert.id, now, new Date(now.getTime() + CLAIM_MS)))) return;
      await this.renewOne(cert, report);
    });
    return report;
  }

  /** renewalInfo for active certificates of ARI-capable CAs, about every ariPollHours. */
  private async refreshAri(now: Date, report: MaintenanceReport): Promise<void> {
    const ctx = certificateContext(this.services);
    const pollMs = this.services.config.renewal.ariPollHours * 3_600_000;
    const active = await this.services.store.certificates.list({ status: 'active' });
    const stale = active.filter((c) => !c.ariCheckedAt || now.getTime() - new Date(c.ariCheckedAt).getTime() >= pollMs);
    await mapLimit(stale, 8, async (cert) => {
      try {
        if (!this.services.config.acme.cas.some((c) => c.name === cert.ca)) return;
        const dir = await ctx.accounts.client(cert.ca).directory();
        if (!dir.renewalInfo) return;
        await refreshRenewalInfo(this.services, cert, now);
        report.ariChecked++;
      } catch (err) {
        this.services.logger.warn({ certificate: cert.id, err: (err as Error).message }, 'renewalInfo failed; keeping the previous renewal time');
      }
    });
  }

  private async renewOne(cert: CertificateRecord, report: MaintenanceReport): Promise<void> {
    const store = this.services.store.certificates;
    const audit = (result: string, detail: unknown) =>
      this.services.store.audit.append({
        tokenId: null,
        tenantId: cert.tenantId,
        action: 'certificate.renew',
        subject: `certificate:${cert.name}`,
        inputs: { certificate: cert.id, domains: cert.domains },
        plan: undefined,
        result,
        detail,
      });
    try {
      const next = await renewCertificate(this.services, cert, { log: (m) => this.services.logger.info({ certificate: cert.id }, m) });
      report.renewed.push({ id: cert.id, name: cert.name, newId: next.id });
      await audit('succeeded', { newCertificate: next.id, serial: next.serial, ca: next.ca, notAfter: next.notAfter });
    } catch (err) {
      const e = toOperationError(err);
      const now = this.clock();
      const failuresBefore = cert.renewalFailures;
      const nextAttemptAt = new Date(now.getTime() + retryDelayMs(failuresBefore + 1, this.services.config.renewal.retryMinutes));
      const failures = await store.renewalFailed(cert.id, `${e.userMessage.en}${e.detail ? ` (${e.detail})` : ''}`, nextAttemptAt);
      report.failed.push({ id: cert.id, name: cert.name, error: e.userMessage.en, failures, nextAttemptAt: nextAttemptAt.toISOString() });
      await this.services.alert({
        kind: 'certificate-renewal-failed',
        tenantId: cert.tenantId,
        subject: `certificate:${cert.name}`,
        message: `The certificate for ${cert.domains.join(', ')} (expires ${cert.notAfter}) could not be renewed (attempt ${failures}): ${e.userMessage.en} Next try at ${nextAttemptAt.toISOString()}.`,
        detail: { certificate: cert.id, webserver: cert.webserver, failures, nextAttemptAt: nextAttemptAt.toISOString(), notAfter: cert.notAfter, code: e.code, error: e.detail ?? e.message, fix: e.hint.en },
      });
      await audit('failed', { code: e.code, error: e.detail ?? e.message, failures, nextAttemptAt: nextAttemptAt.toISOString() });
    }
  }
}

/** The daemon's background service for certificates (add to backgroundServices in src/daemon.ts). */
export function certificateMaintenance(engine: { services: Services }): CertificateMaintenance {
  return new CertificateMaintenance(engine.services);
}
