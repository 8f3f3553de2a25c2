import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { Cron } from 'croner';
import type { Services } from '../engine/action.js';
import type { SubmitRequest } from '../engine/engine.js';
import { toOperationError, type Language } from '../errors.js';
import { AuditBatch } from '../store/audit-batch.js';
import type { CertificateRecord } from '../store/certificates.js';
import type { Job } from '../store/jobs.js';
import { actingFor, type Caller } from '../store/tokens.js';
import { mapLimit } from '../util/concurrency.js';
import { lifetimeOf, refreshRenewalInfo, retryDelayMs } from './renew.js';
import { waitForJob } from './wait-job.js';

/** What one pass did, for logs and tests. */
export interface MaintenanceReport {
  ariChecked: number;
  due: number;
  renewed: { id: string; name: string; newId: string }[];
  failed: { id: string; name: string; error: string; failures: number; nextAttemptAt: string }[];
}

/** The first pass after a start, once the daemon has settled. */
const FIRST_PASS_MS = 30_000;

/** Certificates read per page by the renewal pass and the ARI refresh: bounded memory at any fleet size. */
const PAGE = 500;

/** How long a daemon keeps a certificate it is renewing before another may take it over. */
const CLAIM_MS = 30 * 60_000;
/** A renewal is not started this close to its claim's end: it may take minutes (dns-01's wait). */
const CLAIM_MARGIN_MS = 10 * 60_000;
/**
 * How often an idle daemon sharing a PostgreSQL store looks for renewals another left: a
 * page given back by a stopping daemon, or claimed by one that died (its pass's lease is
 * gone). Between passes nothing else would wake it before the schedule's next time.
 */
const STRAY_CHECK_MS = 60_000;
/** The lease a renewal pass holds while it runs (src/store/locks.ts); its claims name the pass. */
const passLease = (holder: string) => `renewal pass ${holder}`;

/**
 * Due certificates claimed at once, per renewal run at once (acme.concurrency): enough that a
 * claim is one statement for many renewals, few enough that daemons sharing the store share a
 * batch of renewals and one daemon's page is done long before its claim lapses.
 */
const CLAIM_PAGE = 8;

/** The playbook each renewal runs as: a job under the site's lock (vhost:<name>), listed and audited like any other. */
export const RENEW_PLAYBOOK = 'certificate.renew';

/** Who submits renewals: the schedule itself, recognisable in the jobs list and the audit log. */
export const SCHEDULER: Caller = { tokenId: 'scheduler', kind: 'admin', tenantId: null, label: 'renewal schedule' };

/** The daemon's parts the maintenance reads: the schedule and CAs, the certificates' records, the ACME accounts, the log and the alerts. */
export type MaintenanceParts = Pick<Services, 'config' | 'store' | 'certificates' | 'logger' | 'alert'>;

/** What the maintenance needs of the engine: its services, submitting a job, and hearing when one ends. */
export interface RenewalEngine {
  readonly services: MaintenanceParts;
  readonly events: EventEmitter;
  submit(caller: Caller, req: SubmitRequest, language: Language): Promise<{ job: Job; created: boolean }>;
}

/** A job's stored error, as the bookkeeping of a failed renewal needs it. */
type RenewalError = { code: string; message: string; hint: string; detail?: string };

/**
 * Renews certificates on a schedule (renewal.schedule, croner) so nobody has to
 * remember: asks ARI-capable CAs for their window about twice a day, renews what is
 * due, and retries failures after 1 min, 10 min, 100 min, then daily (at most 1/12 of
 * the lifetime apart). Between scheduled passes it wakes up for each retry and for the
 * next certificate falling due, so a 6-day certificate is renewed on time whatever the
 * schedule. A failed renewal is never silent: an alert (webhook + admin feed) and an
 * audit line every time.
 */
export class CertificateMaintenance {
  private cron?: Cron;
  private retryTimer?: NodeJS.Timeout;
  private firstTimer?: NodeJS.Timeout;
  private strayTimer?: NodeJS.Timeout;
  private running?: Promise<MaintenanceReport>;
  private stopped = false;
  /** Aborted by stop(): a pass stops waiting for its jobs (they are durable; the next pass picks up their outcome). */
  private halt = new AbortController();
  private readonly services: MaintenanceParts;
  /** The pass's audit lines, those of renewals ending in the same turn in one INSERT. */
  private readonly audits: AuditBatch;

  constructor(
    private readonly engine: RenewalEngine,
    private readonly clock: () => Date = () => new Date(),
    /** How often an idle daemon looks for renewals another daemon left (STRAY_CHECK_MS; shorter in tests). */
    private readonly strayCheckMs = STRAY_CHECK_MS,
  ) {
    this.services = engine.services;
    this.audits = new AuditBatch(engine.services.store.audit);
  }

  start(): void {
    const cfg = this.services.config.renewal;
    if (!cfg.enabled) return;
    this.stopped = false;
    if (this.halt.signal.aborted) this.halt = new AbortController();
    this.cron = new Cron(
      cfg.schedule,
      {
        protect: true,
        unref: true,
        catch: (err) => this.services.logger.error({ err }, 'certificate maintenance failed'),
      },
      async () => {
        await this.tick();
      },
    );
    void this.armRetry();
    // Catch up soon after a start (the daemon may have been down when the schedule fired).
    this.firstTimer = setTimeout(() => void this.tick().catch(() => undefined), FIRST_PASS_MS);
    this.firstTimer.unref();
    // One daemon per SQLite store: what a dead one left is taken by this one's first pass.
    if (this.services.store.dialect === 'postgres') {
      this.strayTimer = setInterval(() => void this.checkStrays().catch(() => undefined), this.strayCheckMs);
      this.strayTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cron?.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.firstTimer) clearTimeout(this.firstTimer);
    if (this.strayTimer) clearInterval(this.strayTimer);
    this.halt.abort();
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

  /**
   * When the next pass runs: the schedule's next time, or sooner a retry or a certificate
   * falling due. Undefined when nothing will ever run (renewal disabled).
   */
  async nextPass(now = this.clock()): Promise<Date | undefined> {
    if (!this.services.config.renewal.enabled) return undefined;
    const scheduled = new Cron(this.services.config.renewal.schedule, { paused: true }).nextRun(now) ?? undefined;
    const wake = await this.services.store.certificates.nextWake(now);
    return [scheduled, wake].filter((d): d is Date => !!d).sort((a, b) => a.getTime() - b.getTime())[0];
  }

  /** Wakes up for the earliest retry or renewal falling due (the schedule alone is too coarse for 1 min, or for a 6-day certificate). */
  private async armRetry(): Promise<void> {
    if (this.stopped || !this.services.config.renewal.enabled) return;
    const next = await this.services.store.certificates.nextWake(this.clock()).catch(() => undefined);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (!next || this.stopped) return;
    const delay = Math.max(1000, Math.min(next.getTime() - this.clock().getTime(), 2 ** 31 - 1));
    this.retryTimer = setTimeout(() => void this.tick().catch(() => undefined), delay);
    this.retryTimer.unref();
  }

  /** Runs a pass when another daemon left renewals behind: given back unstarted, or claimed by a pass that died. */
  private async checkStrays(): Promise<void> {
    if (this.running || this.stopped) return;
    const store = this.services.store.certificates;
    const now = this.clock();
    if ((await store.unclaimedDue(now)) || (await this.deadHolders(await store.claimHolders(now))).length)
      await this.tick();
  }

  /** Of these claims' holders, those whose pass's lease ended: the daemon died, or its pass stopped mid-renewal. */
  private async deadHolders(holders: string[], self?: string): Promise<string[]> {
    const others = holders.filter((h) => h !== self);
    const alive = await this.services.store.locks.held(others.map(passLease));
    return others.filter((h) => !alive.has(passLease(h)));
  }

  /**
   * The pass holds a lease for as long as it runs (a lock that dies with its daemon), and its
   * claims name it: the other daemons take what it claimed as soon as the lease is gone,
   * not when the claim's 30 minutes end. A renewal it had started is then joined, not done
   * again: its job is found by its idempotency key.
   */
  private pass(): Promise<MaintenanceReport> {
    const holder = randomUUID();
    return this.services.store.locks.hold(passLease(holder), (lost) => this.claimAndRenew(holder, lost));
  }

  private async claimAndRenew(holder: string, lost: AbortSignal): Promise<MaintenanceReport> {
    const now = this.clock();
    const store = this.services.store.certificates;
    const report: MaintenanceReport = { ariChecked: 0, due: 0, renewed: [], failed: [] };
    await this.refreshAri(now, report);
    // The due certificates, a page at a time, each page claimed in one statement (daemons sharing
    // the store take other pages) and renewed before the next is claimed: what this daemon took
    // is no longer due to anyone until `until`. A page shorter than asked took every certificate
    // left due; the pass ends there, so the certificates its own renewals made wait for the next.
    const concurrency = this.services.config.acme.concurrency;
    const size = Math.min(PAGE, concurrency * CLAIM_PAGE);
    // A lease lost (its PostgreSQL connection gone) is one the others may already have taken over:
    // this pass claims and starts nothing more, and leaves its renewals' outcomes to them.
    while (!this.halt.signal.aborted && !lost.aborted) {
      // Each page's claim runs from when it is taken, and a renewal is not started past its
      // end less a margin: another daemon may take it then, and one renewal is done by one.
      const until = new Date(this.clock().getTime() + CLAIM_MS);
      const takeFrom = await this.deadHolders(await store.claimHolders(now), holder);
      const page = await store.claimDue(now, until, size, { holder, takeFrom });
      report.due += page.length;
      const unstarted = new Set(page.map((c) => c.id));
      const ended: string[] = [];
      await mapLimit(page, concurrency, async (cert) => {
        if (this.halt.signal.aborted || lost.aborted || this.clock().getTime() > until.getTime() - CLAIM_MARGIN_MS)
          return;
        unstarted.delete(cert.id);
        if (await this.renewOne(cert, report, lost)) ended.push(cert.id);
      });
      // Stopping, or the claim running out: what this daemon took and never started is due again at once for the others.
      await store.releaseRenewals([...unstarted], until, now);
      // A renewal still running when the pass stopped keeps its claim: the others join its job once this lease is gone.
      await store.endClaims(ended, holder);
      if (page.length < size) break;
    }
    return report;
  }

  /** renewalInfo for active certificates of ARI-capable CAs, about every ariPollHours. */
  private async refreshAri(now: Date, report: MaintenanceReport): Promise<void> {
    const ctx = this.services.certificates;
    const pollMs = this.services.config.renewal.ariPollHours * 3_600_000;
    const cutoff = new Date(now.getTime() - pollMs + 1);
    // Only the CAs that offer renewalInfo: a fleet at a CA without ARI costs no reading at all.
    const cas: string[] = [];
    for (const ca of this.services.config.acme.cas) {
      try {
        if ((await ctx.accounts.client(ca.name).directory()).renewalInfo) cas.push(ca.name);
      } catch (err) {
        this.services.logger.warn(
          { ca: ca.name, err: (err as Error).message },
          'the CA directory cannot be read; its renewalInfo waits for the next pass',
        );
      }
    }
    // Every active certificate not checked within ariPollHours, walked by id in pages (no cut-off).
    let cursor: string | undefined;
    do {
      const store = this.services.store.certificates;
      const page = await store.ariStale(cutoff, cas, { cursor, limit: PAGE });
      // The page's questions are claimed first: another daemon sharing the store asks the rest, never the same ones.
      const mine = await store.claimAriCheck(
        page.items.map((c) => c.id),
        cutoff,
        now,
      );
      await mapLimit(
        page.items.filter((c) => mine.has(c.id)),
        8,
        async (cert) => {
          try {
            // No answer for it: given back, so the next pass asks again as it did before the claim.
            if (!(await refreshRenewalInfo(this.services, cert, now)))
              await store.releaseAriCheck(cert.id, cert.ariCheckedAt);
            report.ariChecked++;
          } catch (err) {
            await store.releaseAriCheck(cert.id, cert.ariCheckedAt).catch(() => undefined);
            this.services.logger.warn(
              { certificate: cert.id, err: (err as Error).message },
              'renewalInfo failed; keeping the previous renewal time',
            );
          }
        },
      );
      cursor = page.next ?? undefined;
    } while (cursor && !this.halt.signal.aborted);
  }

  /**
   * Submits the renewal as a certificate.renew job (the site's lock, durable, audited,
   * listed), waits for its end, then does the bookkeeping: report and audit line on
   * success; on failure the backoff, the alert (webhook + admin feed) and the audit line.
   * False when the pass stopped before its job ended (its claim stays for another to join).
   */
  private async renewOne(cert: CertificateRecord, report: MaintenanceReport, lost: AbortSignal): Promise<boolean> {
    const store = this.services.store.certificates;
    const audit = (result: string, detail: unknown) =>
      this.audits.append({
        tokenId: null,
        tenantId: cert.tenantId,
        action: 'certificate.renew',
        subject: `certificate:${cert.name}`,
        inputs: { certificate: cert.id, domains: cert.domains },
        plan: undefined,
        result,
        detail,
      });
    let job: Job | undefined;
    let error: RenewalError;
    try {
      const submitted = await this.engine.submit(
        // A client's certificate is renewed with that client's rights (its names must still be its own);
        // the schedule's pass is bounded on its own, so the client's running-jobs quota does not count it.
        cert.tenantId ? actingFor(cert.tenantId, SCHEDULER, { jobQuota: false }) : SCHEDULER,
        // One job per certificate and attempt: two daemons sharing the store never submit the same renewal twice.
        {
          playbook: RENEW_PLAYBOOK,
          inputs: { certificate: cert.id, site: cert.name },
          idempotencyKey: `renew:${cert.id}:${cert.renewalFailures}`,
        },
        'en',
      );
      this.services.logger.info(
        { certificate: cert.id, job: submitted.job.id, created: submitted.created },
        'certificate renewal submitted',
      );
      job = await waitForJob(this.engine, submitted.job, this.halt.signal);
      if (!job) return false; // stopping: the job is durable, and its outcome is picked up by a later pass
      // The lease lost: the daemon that took this claim over joins the same job and records its outcome once.
      if (lost.aborted) return false;
      if (job.status === 'succeeded') {
        // The job's result names what it stored (certificate.renew.yaml): no read of it per renewal.
        const newId = String(job.result?.certificate ?? '');
        report.renewed.push({ id: cert.id, name: cert.name, newId });
        await audit('succeeded', {
          newCertificate: newId,
          serial: job.result?.serial,
          ca: job.result?.authority,
          notAfter: job.result?.expires,
          jobId: job.id,
        });
        return true;
      }
      error = job.error ?? {
        code: 'renewal_failed',
        message: `The renewal job ended ${job.status}.`,
        hint: 'See the job log.',
      };
    } catch (err) {
      const e = toOperationError(err);
      error = { code: e.code, message: e.userMessage.en, hint: e.hint.en, detail: e.detail };
    }
    const now = this.clock();
    const failuresBefore = cert.renewalFailures;
    const nextAttemptAt = new Date(
      now.getTime() +
        retryDelayMs(failuresBefore + 1, this.services.config.renewal.retryMinutes, Math.random, lifetimeOf(cert)),
    );
    const failures = await store.renewalFailed(
      cert.id,
      `${error.message}${error.detail ? ` (${error.detail})` : ''}`,
      nextAttemptAt,
    );
    report.failed.push({
      id: cert.id,
      name: cert.name,
      error: error.message,
      failures,
      nextAttemptAt: nextAttemptAt.toISOString(),
    });
    await this.services.alert({
      kind: 'certificate-renewal-failed',
      tenantId: cert.tenantId,
      subject: `certificate:${cert.name}`,
      message: `The certificate for ${cert.domains.join(', ')} (expires ${cert.notAfter}) could not be renewed (attempt ${failures}): ${error.message} Next try at ${nextAttemptAt.toISOString()}.`,
      detail: {
        certificate: cert.id,
        webserver: cert.webserver,
        failures,
        nextAttemptAt: nextAttemptAt.toISOString(),
        notAfter: cert.notAfter,
        code: error.code,
        error: error.detail ?? error.message,
        fix: error.hint,
        jobId: job?.id,
      },
    });
    await audit('failed', {
      code: error.code,
      error: error.detail ?? error.message,
      failures,
      nextAttemptAt: nextAttemptAt.toISOString(),
      jobId: job?.id,
    });
    return true;
  }
}

/** The daemon's background service for certificates (add to backgroundServices in src/daemon.ts). */
export function certificateMaintenance(engine: RenewalEngine): CertificateMaintenance {
  return new CertificateMaintenance(engine);
}
