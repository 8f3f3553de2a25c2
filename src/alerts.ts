import type { Logger } from './log.js';
import type { Alert, AlertStore } from './store/alerts.js';

/** What a part of serein says when a human must act; the feed adds the id and time. */
export type AlertInput = Omit<Alert, 'id' | 'at' | 'detail'> & { detail?: unknown };

/** How components raise an alert: handed to them by the daemon, so none needs the Alerter itself. */
export type RaiseAlert = (a: AlertInput) => Promise<void>;

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

  async raise(a: AlertInput): Promise<void> {
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
          body: JSON.stringify(webhookBody(alert)),
          signal: AbortSignal.timeout(5000),
          // A redirect could carry the alert (and the secret in the URL's path) anywhere.
          redirect: 'manual',
        });
        if (res.ok) return;
        if (res.status >= 300 && res.status < 400) {
          this.logger.warn({ webhook: maskedUrl(url), status: res.status }, 'alert webhook answered with a redirect, which is not followed: configure its final address');
          return; // asking again would get the same answer
        }
        this.logger.warn({ webhook: maskedUrl(url), status: res.status }, 'alert webhook refused the alert');
      } catch (err) {
        this.logger.warn({ webhook: maskedUrl(url), err: (err as Error).message }, 'alert webhook unreachable');
      }
      if (attempt < 2) await new Promise((r) => setTimeout(r, 200 * 4 ** attempt));
    }
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
export function slackText(s: string, max = Infinity): string {
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
