/**
 * A client's words reach the admins as text, never as formatting. A request in words that
 * serein hands to a person (POST /v1/requests, through the daemon's real API) quotes the
 * client in the admin alert and in the escalation it opens: a real webhook receiver on
 * loopback gets Slack-formatted `text` and `blocks` in which `<!channel>` pings no one and
 * `<https://…|Your session expired>` is no disguised link (`&`, `<`, `>` escaped as Slack
 * asks); a real SMTP server gets the admins' email with the words escaped in its HTML and
 * a subject on one line whatever newlines the client typed (no header of their own). The
 * page draws API values as text only: its scripts name no HTML-parsing sink, and its
 * Content-Security-Policy makes the browser refuse one (Trusted Types).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const opsEmail = 'ops@hosting.test';
const words =
  'plus de mémoire svp\r\nBcc: victim@evil.test\r\n<!channel> <https://evil.example/login|Your session expired> <b>now</b> <img src=x onerror=alert(1)> & co';
let d: TestDaemon;
let smtp: SMTPServer;
let hook: Server;
const hooks: any[] = [];
const mails: { mail: ParsedMail; rcpt: string[] }[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      const rcpt = session.envelope.rcptTo.map((a) => a.address);
      simpleParser(stream).then((mail) => (mails.push({ mail, rcpt }), cb()), cb);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  d = await startTestDaemon({
    config: {
      alerts: {
        webhooks: [`http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/T0/B0/secret`],
        emails: [opsEmail],
      },
      mail: {
        host: '127.0.0.1',
        port: (smtp.server.address() as { port: number }).port,
        secure: false,
        from: 'serein <serein@hosting.test>',
        pageUrl: 'https://panel.hosting.test/',
      },
    },
  });
});

afterAll(async () => {
  await d?.stop();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
});

/** Every piece of a webhook body that a Slack-compatible receiver formats. */
const formatted = (h: any): string[] => [
  h.text,
  ...h.blocks
    .filter((b: any) => b.type !== 'header')
    .flatMap((b: any) => (b.elements ?? [b]).map((e: any) => e.text.text ?? e.text)),
];

describe("a client's words sent to admins", () => {
  it('reach the webhooks as text: no mention, no disguised link', async () => {
    const { token } = await d.tenant('words');
    const res = await d.api('POST', '/v1/requests', { token, body: { text: words } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status === 'handoff' || res.body.frustrated).toBe(true);
    const handoff = await until(
      async () => hooks.find((h) => h.kind === 'request-handoff'),
      30_000,
      'the hand-over alert',
    );
    const escalation = await until(
      async () => hooks.find((h) => h.kind === 'escalation'),
      30_000,
      'the escalation alert',
    );
    for (const h of [handoff, escalation]) {
      const texts = formatted(h);
      expect(texts).toHaveLength(3);
      for (const t of texts) expect(t, t).not.toMatch(/[<>]/);
      expect(h.text).toContain('&lt;!channel&gt; &lt;https://evil.example/login|Your session expired&gt;');
      expect(h.text).toContain('&amp; co');
      // The raw fields stay as they were, for receivers that read them as data.
      expect(h.tenantId).toBe('words');
    }
    expect(handoff.detail.text).toBe(words);
  });

  it('reach the admins by email as text, the subject on one line', async () => {
    const { mail, rcpt } = await until(
      async () => mails.find((m) => m.rcpt.includes(opsEmail)),
      30_000,
      'the escalation email',
    );
    expect(rcpt).toEqual([opsEmail]);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.subject).toContain('plus de mémoire svp Bcc: victim@evil.test <!channel>');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain('<!channel> <https://evil.example/login|Your session expired>');
    const html = String(mail.html);
    expect(html).not.toMatch(/<(b|img|https)\b/);
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('are drawn on the page as text only', async () => {
    const page = resolve(import.meta.dirname, '../../src/api/self-service');
    const scripts = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? scripts(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
      );
    for (const file of scripts(page))
      expect(readFileSync(file, 'utf8'), file).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|srcdoc/,
      );
    const res = await fetch(`${d.url}/`);
    expect(res.headers.get('content-security-policy')).toContain("require-trusted-types-for 'script'");
  });
});
