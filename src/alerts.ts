import type { Logger } from './log.js';
import type { Alert, AlertStore } from './store/alerts.js';

/**
 * Tells admins about what needs a human: a line in the admin feed, and a POST to every
 * configured webhook. A webhook that is down never blocks or fails the job that alerts.
 */
export class Alerter {
  constructor(
    private readonly store: AlertStore,
    private readonly webhooks: string[],
    private readonly logger: Logger,
  ) {}

  async raise(a: Omit<Alert, 'id' | 'at' | 'detail'> & { detail?: unknown }): Promise<void> {
    const alert = await this.store.add(a);
    this.logger.warn({ alert: { kind: a.kind, subject: a.subject } }, a.message);
    await Promise.all(this.webhooks.map((url) => this.post(url, alert)));
  }

  private async post(url: string, alert: Alert): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ source: 'serein', ...alert }),
          signal: AbortSignal.timeout(5000),
        });
        if (res.ok) return;
        this.logger.warn({ url, status: res.status }, 'alert webhook refused the alert');
      } catch (err) {
        this.logger.warn({ url, err: (err as Error).message }, 'alert webhook unreachable');
      }
      await new Promise((r) => setTimeout(r, 200 * 4 ** attempt));
    }
  }
}
