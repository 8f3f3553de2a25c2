import type { Config } from '../config/schema.js';
import type { CertificateStore } from '../store/certificates.js';

/** Where a name stands against a CA's failed-validation limit. */
export interface BudgetStatus {
  ca: string;
  name: string;
  used: number;
  max: number;
  windowMinutes: number;
  /** When the oldest failure that keeps the name at the limit leaves the window; null when not at the limit. */
  retryAt: Date | null;
}

/** Wildcard and plain names share one authorization name at the CA. */
const authzName = (name: string) => name.replace(/^\*\./, '');

/**
 * Failed validations of a name at a CA inside the window (Let's Encrypt: 5 per hour per
 * name and account). serein refuses to order once a name reaches the limit, so a
 * client's mistakes never get the provider's account blocked.
 */
export async function budgetStatus(
  store: CertificateStore,
  cfg: Config['acme']['failureBudget'],
  ca: string,
  name: string,
  now = new Date(),
): Promise<BudgetStatus> {
  const windowMs = cfg.windowMinutes * 60_000;
  const failures = await store.validationFailures(ca, authzName(name), new Date(now.getTime() - windowMs));
  const used = failures.length;
  const retryAt = used >= cfg.failures ? new Date(failures[used - cfg.failures].getTime() + windowMs) : null;
  return { ca, name, used, max: cfg.failures, windowMinutes: cfg.windowMinutes, retryAt };
}

/** Records a failed validation (the CA said the proof was wrong or unreachable). */
export async function recordValidationFailure(
  store: CertificateStore,
  ca: string,
  name: string,
  detail: string,
): Promise<void> {
  await store.addValidationFailure(ca, authzName(name), detail);
}
