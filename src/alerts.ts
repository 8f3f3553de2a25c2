import type { Logger } from './log.js';
import type { Alert, AlertStore } from './store/alerts.js';

/** What a part of serein says when a human must act; the feed adds the id and time. */
export type AlertInput = Omit<Alert, 'id' | 'at' | 'detail'> & { detail?: unknown };

/** How components raise an alert: handed to them by the daemon, so none needs the Alerter itself. */
export type RaiseAlert = (a: AlertInput) => Promise<void>;

/** Where alerts wait to be posted: the outbox (src/notify/outbox.ts), which sends them after the caller has moved on. */
export interface WebhookOutbox {
  post(urls: string[], body: Record<string, unknown>): Promise<void>;
}

/**
 * Tells admins about what needs a human: a line in the admin feed, and a POST to every
 * configured webhook, queued in the outbox: the job or request that alerts never waits
 * for a webhook, and one that is down delays nothing (it is tried again from the outbox).
 */
export class Alerter {
  constructor(
    private readonly store: AlertStore,
    private readonly webhooks: string[],
    private readonly logger: Logger,
    private readonly outbox: WebhookOutbox,
  ) {}

  async raise(a: AlertInput): Promise<void> {
    const alert = await this.store.add(a);
    this.logger.warn({ alert: { kind: a.kind, subject: a.subject } }, a.message);
    await this.outbox.post(this.webhooks, webhookBody(alert));
  }
}

/**
 * What a webhook receives: the alert's fields as they are, plus `text` and `blocks` so that
 * a Slack (or Mattermost, Rocket.Chat, Teams workflow) incoming webhook shows it as it is.
 * Those two are formatted text, and a message quotes clients' words: escaped (slackText),
 * so a client's `<!channel>` pings no one and `<https://…|…>` shows no disguised link.
 */
export function webhookBody(alert: Alert): Record<string, unknown> {
  const title = `serein: ${alert.kind}${alert.tenantId ? ` (${alert.tenantId})` : ''}`;
  return {
    source: 'serein',
    ...alert,
    text: slackText(`${title}\n${alert.message}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: slackText(alert.message, 2900) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackText(`${alert.subject} · ${alert.at}`) }] },
    ],
  };
}

/**
 * Text shown as it is in a Slack-formatted field: `&`, `<` and `>` escaped as Slack's
 * message formatting asks (its mentions and links are written between `<` and `>`), and
 * cut to `max` characters without leaving half an escape at the end.
 */
function slackText(s: string, max = Infinity): string {
  const out = s.replace(/[&<>]/g, (c) => SLACK_ESCAPES[c]);
  if (out.length <= max) return out;
  const cut = out.slice(0, max);
  const amp = cut.lastIndexOf('&');
  return amp >= 0 && !cut.includes(';', amp) ? cut.slice(0, amp) : cut;
}

const SLACK_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * A webhook URL as logs may show it: its origin only. Chat and incident webhooks carry
 * their secret in the path or the query (…/services/T000/B000/XXXX, ?token=…).
 */
export function maskedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(an invalid URL)';
  }
}
