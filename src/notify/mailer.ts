import { readFile } from 'node:fs/promises';
import { createTransport } from 'nodemailer';
import type { MailConfig } from '../config/schema.js';
import type { Logger } from '../log.js';

/** One email, as the notices write it: plain text first (every client reads it), HTML beside it. */
export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
  language: 'en' | 'fr';
}

/** What sends an email: the SMTP mailer in a daemon, anything else in a test. */
export interface SendMail {
  send(mail: Email): Promise<void>;
}

type Transport = ReturnType<typeof createTransport>;

/**
 * Sends through the provider's SMTP server (config `mail`) with nodemailer. The
 * password (or passwordFile, read at the first email so a daemon starts without it) is
 * handed to nodemailer only: never logged, and nodemailer's own logger stays off.
 */
export class SmtpMailer implements SendMail {
  private transport?: Promise<Transport>;

  constructor(
    private readonly config: MailConfig,
    private readonly logger: Logger,
  ) {}

  /** `messageId`: the same for every try of one email (the outbox's id), so a copy sent twice is known as one. */
  async send(mail: Email, o: { messageId?: string } = {}): Promise<void> {
    const transport = await (this.transport ??= this.connect().catch((err) => {
      this.transport = undefined; // a passwordFile fixed later is read on the next email
      throw err;
    }));
    const info = await transport.sendMail({
      from: this.config.from,
      to: mail.to,
      // A subject quotes clients' words: on one line, so none can start a header of its own
      // (control characters and line separators only: French spaces stay non-breaking).
      subject: mail.subject.replace(/[\p{Cc}\u2028\u2029]+/gu, ' '),
      text: mail.text,
      html: mail.html,
      headers: { 'Content-Language': mail.language, 'Auto-Submitted': 'auto-generated' },
      messageId: o.messageId,
    });
    this.logger.info({ mail: { messageId: info.messageId, accepted: info.accepted.length } }, 'client email sent');
  }

  async close(): Promise<void> {
    const t = await this.transport?.catch(() => undefined);
    t?.close();
  }

  private async connect(): Promise<Transport> {
    const c = this.config;
    let auth: { user: string; pass: string } | undefined;
    if (c.auth) {
      const pass =
        c.auth.password ??
        (c.auth.passwordFile ? (await readFile(c.auth.passwordFile, 'utf8')).replace(/\r?\n$/, '') : undefined);
      if (pass !== undefined) auth = { user: c.auth.user, pass };
    }
    return createTransport({
      host: c.host,
      port: c.port,
      secure: c.secure,
      auth,
      connectionTimeout: c.timeoutMs,
      greetingTimeout: c.timeoutMs,
      socketTimeout: c.timeoutMs,
      logger: false,
      debug: false,
    });
  }
}
