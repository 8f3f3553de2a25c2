import type { AlertInput } from '../alerts.js';
import type { Config } from '../config/schema.js';
import type { Language } from '../errors.js';
import type { Logger } from '../log.js';
import type { Job } from '../store/jobs.js';
import type { Store } from '../store/store.js';
import type { Tenant } from '../store/tenants.js';
import type { SendMail } from './mailer.js';
import { closing, needsAttention, type Message } from './messages.js';

/** One email per event: a renewal retried after 1 min, 10 min, 100 min is told once, then at most daily. */
const GAP_MS = 23 * 3_600_000; // a daily retry that runs a little early still gets its daily email

/**
 * Tells a client, before they notice, when something on their site needs them or will
 * be visible to them: a renewal their DNS blocks, a certificate that cannot be renewed,
 * a request stuck with the provider. It hears every alert raised for admins (the admins
 * keep theirs) and emails the tenant's contact in the tenant's language, at most once a
 * day per event; each email sent is audited. Never fails the caller: a mail server that
 * is down is logged, and the next occurrence tries again.
 */
export class ClientNotices {
  constructor(
    private readonly deps: { store: Store; config: Config; logger: Logger; mailer: SendMail },
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Called with each admin alert, after it was raised. */
  async afterAlert(a: AlertInput): Promise<void> {
    try {
      const detail = (a.detail ?? {}) as Record<string, unknown>;
      // A failed renewal is told by the site's conversation (src/watch/renewals.ts): one thread per cause.
      if (a.kind === 'needs-attention') await this.jobNeedsAttention(detail);
    } catch (err) {
      this.deps.logger.warn(
        { alert: { kind: a.kind, subject: a.subject }, err: (err as Error).message },
        'could not email the client about an alert',
      );
    }
  }

  private async jobNeedsAttention(detail: Record<string, unknown>): Promise<void> {
    const job = typeof detail.jobId === 'string' ? await this.deps.store.jobs.get(detail.jobId) : undefined;
    const tenantId = job?.forTenant ?? job?.tenantId;
    if (!job || !tenantId || job.dryRun) return;
    const name = nameOf(job);
    await this.tell(`attention:${job.resource ?? job.id}`, tenantId, false, (lang) =>
      needsAttention(lang, { playbook: job.playbook, name, at: job.createdAt }),
    );
  }

  /**
   * Emails the tenant's contact, unless this key was told less than a day ago (or they have no contact).
   * Public for the watches (src/watch): what they tell a client goes out the same way, once per event.
   */
  async tell(
    key: string,
    tenantId: string,
    canFix: boolean,
    write: (lang: Language) => Message,
    gapMs = GAP_MS,
  ): Promise<void> {
    const { store, config, logger, mailer } = this.deps;
    const tenant = await store.tenants.get(tenantId);
    if (!tenant?.email || !config.mail) {
      logger.info({ tenant: tenantId, notice: key }, 'the client has no email contact: only admins were told');
      return;
    }
    const now = this.clock();
    if (!(await store.notices.claim(key, tenant.id, now, gapMs))) return;
    const message = write(tenant.language);
    try {
      await mailer.send({
        to: tenant.email,
        language: tenant.language,
        ...render(message, tenant, config.mail.pageUrl, config.branding.name, canFix),
      });
    } catch (err) {
      await store.notices.release(key, now);
      throw err;
    }
    await store.audit.append({
      tokenId: null,
      tenantId: tenant.id,
      action: 'client.notify',
      subject: key,
      inputs: undefined,
      plan: undefined,
      result: 'sent',
      detail: { to: tenant.email, subject: message.subject },
    });
  }
}

/** The thing a request worked on, as the client names it (the site or domain, or the database): shared with the watches' emails. */
export function nameOf(job: Job): string {
  const m = /^(?:vhost|dns):(.+)$/.exec(job.resource ?? '');
  if (m) return m[1];
  const i = job.inputs ?? {};
  const name = i.name ?? i.domain ?? i.site ?? (Array.isArray(i.domains) ? i.domains[0] : undefined);
  if (typeof name === 'string') return name;
  // Another operation's (a provider's mailbox address): its first input written as text.
  const first = Object.values(i).find((v) => typeof v === 'string' && v.length > 0);
  return typeof first === 'string' ? first : job.playbook;
}

/** Text made safe inside HTML, for every email's HTML part (the client's and the admins'). */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The email's text and HTML: the lead, what was found and what to do, the link to the page. */
function render(
  m: Message,
  tenant: Tenant,
  pageUrl: string,
  provider: string,
  canFix: boolean,
): { subject: string; text: string; html: string } {
  const hello = tenant.language === 'fr' ? 'Bonjour,' : 'Hello,';
  const end = closing(tenant.language, { provider, canFix });
  const paragraphs = [hello, m.lead, ...m.steps];
  const text = [...paragraphs, `${end.link}\n${pageUrl}`, `-- \n${end.footer}`].join('\n\n') + '\n';
  const p = (s: string, style = '') => `<p${style ? ` style="${style}"` : ''}>${escapeHtml(s)}</p>`;
  const html = [
    `<!doctype html><html lang="${tenant.language}"><body style="font-family: sans-serif; line-height: 1.5; max-width: 36em">`,
    ...paragraphs.map((s, i) => p(s, i === 1 ? 'font-weight: bold' : '')),
    `<p>${escapeHtml(end.link)}<br><a href="${escapeHtml(pageUrl)}">${escapeHtml(pageUrl)}</a></p>`,
    p(end.footer, 'color: #777; font-size: 85%'),
    '</body></html>',
  ].join('\n');
  return { subject: m.subject, text, html };
}
