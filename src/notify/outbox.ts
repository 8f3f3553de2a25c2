import { createHash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { maskedUrl, type WebhookOutbox } from '../alerts.js';
import type { Logger } from '../log.js';
import type { AlertStore } from '../store/alerts.js';
import type { OutboxMessage, OutboxStore } from '../store/outbox.js';
import type { Email, SendMail } from './mailer.js';

/** Longest wait for a webhook's answer: a receiver that hangs holds one of the sender's slots this long, never a request. */
const WEBHOOK_TIMEOUT_MS = 5000;
/** Messages sent at once by one daemon. */
const CONCURRENCY = 4;
/** Tries before a message is given up on (about three hours of waits, below). */
const MAX_ATTEMPTS = 10;
/** The wait after the first failed try; each next one is four times longer, up to an hour. */
const FIRST_WAIT_MS = 500;
const LONGEST_WAIT_MS = 3_600_000;
/** How often the store is looked at when nothing woke the sender (another daemon's messages, a dead one's leases). */
const POLL_MS = 5000;
/** How long a stopping daemon lets the messages in flight finish before it gives them back. */
const STOP_GRACE_MS = 2000;
const DAY_MS = 86_400_000;

/** The name a webhook goes by in the store: its URL carries a secret and stays in the configuration. */
function webhookKey(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/** What one try came to: sent, or why not, whether to try again, and after how long when the receiver said. */
type Outcome = { ok: true } | { ok: false; retry: boolean; error: string; waitMs?: number };

/** What sends an email for the outbox: the SMTP mailer, which takes the message's id as its Message-ID. */
export interface MailSender {
  send(mail: Email, o: { messageId?: string }): Promise<void>;
}

/** What the outbox needs from the daemon, passed in so tests give it a store and receivers of their own. */
export interface OutboxDeps {
  store: OutboxStore;
  /** The admin feed: a message given up on is written there (and not posted, since posting is what failed). */
  alerts: AlertStore;
  /** config.alerts.webhooks, read at each try: a URL removed from the configuration is no longer posted to. */
  webhooks: string[];
  smtp?: MailSender;
  logger: Logger;
  /** SQLite: this daemon is the only one, and takes back at its start what its previous run was sending. */
  soleOwner: boolean;
  /** The SMTP server's longest wait (config mail.timeoutMs): a claim outlives a try. */
  mailTimeoutMs?: number;
  /** The domain of the Message-IDs (the sender address's). */
  mailDomain?: string;
}

/**
 * Delivers alerts, escalations and emails after the request that raised them: `post` and
 * `email` only write them to the store's outbox (durable, in the caller's time), and this
 * sender, started with the daemon, sends them: at most CONCURRENCY at once, a short
 * timeout, tries again with growing waits (or the wait the receiver asks for with
 * Retry-After), and gives up after MAX_ATTEMPTS with an entry in the admin feed. Messages
 * are claimed like jobs, so daemons sharing a store never send one twice at once; each
 * carries its id as an idempotency key (header `Idempotency-Key`, the email's Message-ID),
 * so a receiver knows the copy a dead daemon's lease let through again.
 */
export class Outbox implements WebhookOutbox {
  readonly owner = randomUUID();
  private readonly inFlight = new Map<string, { message: OutboxMessage; done: Promise<void> }>();
  private readonly abort = new AbortController();
  private started = false;
  private stopped = false;
  private wakeUp?: () => void;
  private woken = false;
  private loopDone?: Promise<void>;
  private prunedAt = 0;

  constructor(private readonly deps: OutboxDeps) {}

  /** Queues one POST of `body` to each webhook. */
  async post(urls: string[], body: Record<string, unknown>): Promise<void> {
    if (!urls.length) return;
    const payload = JSON.stringify(body);
    await this.deps.store.add(
      urls.map((url) => ({ channel: 'webhook' as const, destination: webhookKey(url), payload })),
    );
    this.wake();
  }

  /** Queues an email. */
  async email(mail: Email): Promise<void> {
    await this.deps.store.add([{ channel: 'email', destination: mail.to, payload: JSON.stringify(mail) }]);
    this.wake();
  }

  /** A mailer that queues: what the notices and escalations are handed, their calls unchanged. */
  mailer(): SendMail {
    return { send: (mail) => this.email(mail) };
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.loopDone = this.loop();
  }

  /** Stops claiming, cuts the tries in flight, and gives back what is still unsent: due at once on the next start. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.wake();
    await this.loopDone;
    const flying = [...this.inFlight.values()];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(flying.map((f) => f.done)),
      new Promise((r) => (timer = setTimeout(r, STOP_GRACE_MS))),
    ]);
    clearTimeout(timer);
    await Promise.allSettled([...this.inFlight.values()].map((f) => this.deps.store.release(f.message)));
  }

  /** Claims what is due now, sends it and waits for every outcome: for a process that does not run the sender's loop (tests). */
  async deliverDue(): Promise<void> {
    const claimed = await this.claim(false);
    await Promise.allSettled(claimed.map((m) => this.inFlight.get(m.id)?.done));
  }

  /** Wakes the sender: something was queued, or a slot freed. A wake while it works is kept for its next sleep. */
  private wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async loop(): Promise<void> {
    let first = true;
    while (!this.stopped) {
      let waitMs = POLL_MS;
      try {
        await this.claim(first && this.deps.soleOwner);
        first = false;
        if (this.inFlight.size < CONCURRENCY) {
          const due = await this.deps.store.nextDue();
          // A floor, so that clocks a little apart (PostgreSQL's and this machine's) cannot make it spin.
          if (due) waitMs = Math.min(POLL_MS, Math.max(50, due.getTime() - Date.now()));
        }
        await this.prune();
      } catch (err) {
        if (!this.stopped)
          this.deps.logger.warn({ err: (err as Error).message }, 'the outbox could not be read; trying again shortly');
      }
      await this.sleep(waitMs);
    }
  }

  private async claim(everyOtherOwner: boolean): Promise<OutboxMessage[]> {
    const leaseMs = Math.max(60_000, 4 * (this.deps.mailTimeoutMs ?? 0) + 10_000);
    const claimed = await this.deps.store.claim(this.owner, CONCURRENCY - this.inFlight.size, leaseMs, everyOtherOwner);
    for (const m of claimed) {
      const done = this.send(m).finally(() => {
        this.inFlight.delete(m.id);
        this.wake();
      });
      this.inFlight.set(m.id, { message: m, done });
    }
    return claimed;
  }

  /** One try of one message, and its outcome written: sent, tried again later, or given up on (and admins told in the feed). */
  private async send(m: OutboxMessage): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = m.channel === 'webhook' ? await this.webhook(m) : await this.mail(m);
    } catch (err) {
      outcome = { ok: false, retry: true, error: (err as Error).message };
    }
    const { store, logger } = this.deps;
    try {
      if (outcome.ok) {
        logger.debug({ outbox: { id: m.id, channel: m.channel } }, 'delivered');
        return await store.sent(m);
      }
      // Cut by the daemon's stop: not a failed try, sent again at the next start.
      if (this.abort.signal.aborted) return await store.release(m);
      const attempt = m.attempts + 1;
      const to = this.describe(m);
      if (outcome.retry && attempt < MAX_ATTEMPTS) {
        const waitMs = outcome.waitMs ?? backoff(attempt);
        logger.warn(
          {
            outbox: { id: m.id, channel: m.channel, to, attempt },
            err: outcome.error,
            retryInSeconds: Math.round(waitMs / 100) / 10,
          },
          `could not deliver the ${m.channel === 'email' ? 'email' : 'alert webhook'}; trying again`,
        );
        return await store.retry(m, waitMs, outcome.error);
      }
      logger.error(
        { outbox: { id: m.id, channel: m.channel, to, attempt }, err: outcome.error },
        `gave up delivering the ${m.channel === 'email' ? 'email' : 'alert webhook'}; it is in the admin feed as delivery-failed`,
      );
      await store.fail(m, outcome.error);
      await this.deps.alerts.add(givenUp(m, to, attempt, outcome.error));
    } catch (err) {
      if (!this.stopped)
        logger.warn({ outbox: { id: m.id }, err: (err as Error).message }, 'could not record a delivery in the outbox');
    }
  }

  private async webhook(m: OutboxMessage): Promise<Outcome> {
    const url = this.deps.webhooks.find((u) => webhookKey(u) === m.destination);
    if (!url)
      return { ok: false, retry: false, error: 'this webhook is no longer in the configuration (alerts.webhooks)' };
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': m.id },
      body: m.payload,
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      // A redirect could carry the alert (and the secret in the URL's path) anywhere.
      redirect: 'manual',
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return { ok: true };
    if (res.status >= 300 && res.status < 400)
      return {
        ok: false,
        retry: false,
        error: `answered ${res.status}, a redirect, which is not followed: configure its final address`,
      };
    const retry = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500;
    return {
      ok: false,
      retry,
      error: `answered ${res.status}${retry ? '' : ', a refusal that asking again would not change'}`,
      waitMs: retry ? retryAfter(res.headers.get('retry-after')) : undefined,
    };
  }

  private async mail(m: OutboxMessage): Promise<Outcome> {
    if (!this.deps.smtp) return { ok: false, retry: false, error: 'no SMTP server is configured (mail)' };
    try {
      await this.deps.smtp.send(JSON.parse(m.payload) as Email, {
        messageId: `<${m.id}@${this.deps.mailDomain ?? 'serein.invalid'}>`,
      });
      return { ok: true };
    } catch (err) {
      // 5xx: the server refused this email for good (an unknown address); anything else may pass later.
      const code = (err as { responseCode?: number }).responseCode;
      return { ok: false, retry: !(code && code >= 500 && code < 600), error: (err as Error).message };
    }
  }

  /** Where a message goes, as logs and the feed may show it: a webhook by its origin only, an email by its address. */
  private describe(m: OutboxMessage): string {
    if (m.channel === 'email') return m.destination;
    const url = this.deps.webhooks.find((u) => webhookKey(u) === m.destination);
    return url ? maskedUrl(url) : 'a webhook no longer configured';
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.prunedAt < 3_600_000) return;
    this.prunedAt = Date.now();
    await this.deps.store.prune(new Date(Date.now() - 7 * DAY_MS), new Date(Date.now() - 30 * DAY_MS));
  }
}

/** The wait after the `attempt`-th failed try: 0.5 s, 2 s, 8 s… up to an hour, give or take a fifth so that daemons do not retry in step. */
function backoff(attempt: number): number {
  return Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 4 ** (attempt - 1)) * (0.8 + 0.4 * Math.random());
}

/** Retry-After in seconds or as a date, as the receiver asked (up to an hour); undefined when it did not say. */
export function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const ms = /^\s*\d+\s*$/.test(header) ? Number(header) * 1000 : Date.parse(header) - Date.now();
  return Number.isNaN(ms) ? undefined : Math.min(LONGEST_WAIT_MS, Math.max(0, ms));
}

/** The admin feed's entry for a message given up on: where it was going, why, and what it carried. */
function givenUp(m: OutboxMessage, to: string, attempts: number, error: string): Parameters<AlertStore['add']>[0] {
  let about = '';
  try {
    const p = JSON.parse(m.payload) as { kind?: string; subject?: string };
    about =
      m.channel === 'email'
        ? ` "${p.subject ?? ''}"`
        : p.kind
          ? ` (${p.kind}${p.subject ? `, ${p.subject}` : ''})`
          : '';
  } catch {
    // a payload is always JSON; the entry is written whatever it holds
  }
  const what = m.channel === 'email' ? `The email${about} to ${to}` : `The alert${about} for the webhook ${to}`;
  const fix =
    m.channel === 'email'
      ? 'check the mail settings (host, port, auth) and the address'
      : 'check alerts.webhooks and the receiver';
  return {
    kind: 'delivery-failed',
    tenantId: null,
    subject: `outbox:${m.id}`,
    message: `${what} could not be delivered after ${attempts} ${attempts === 1 ? 'try' : 'tries'} (last: ${error}) and will not be tried again: ${fix}.`,
    detail: { outboxId: m.id, channel: m.channel, to, attempts, error, createdAt: m.createdAt },
  };
}
