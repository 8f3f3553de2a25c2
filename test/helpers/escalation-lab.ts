import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import { useLab, type LabInfo } from '../lab/client.js';
import { dnsAdmin, labCertConfig } from './acme-lab.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { tempDir } from './tmp.js';

/**
 * What the escalation tests watch from outside: a daemon on the lab's Pebble whose alerts
 * go to a real webhook receiver (Slack-shaped bodies collected in `hooks`) and to admins
 * through a real SMTP server (`mails`), and one French client, La Boutique, with a domain.
 */
export interface EscalationLab {
  lab: LabInfo;
  d: TestDaemon;
  mails: ParsedMail[];
  // The webhook bodies as sent (JSON of any shape: each test reads the fields it checks).
  hooks: any[];
  /** The client's registered domain, and its site under it. */
  reg: string;
  site: string;
  tenantId: string;
  clientEmail: string;
  opsEmail: string;
  client: { token: string };
  /** Stops the daemon and both receivers, and takes back the IPv6 address a test gave the site. */
  stop(): Promise<void>;
}

/** Who a mail was sent to. */
export const to = (m: ParsedMail) => (m.to && !Array.isArray(m.to) ? m.to.value.map((a) => a.address) : []);

/** Starts the escalation tests' world (see EscalationLab); `prefix` names its temporary folder. */
export async function escalationLab(prefix: string): Promise<EscalationLab> {
  const lab = await useLab('pebble');
  const reg = `${randomBytes(4).toString('hex')}.test`;
  const site = `boutique.${reg}`;
  const tenantId = `x${randomBytes(3).toString('hex')}`;
  const clientEmail = 'contact@boutique.test';
  const opsEmail = 'ops@hosting.test';
  const mails: ParsedMail[] = [];
  const hooks: any[] = [];
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _s, cb) {
      simpleParser(stream).then((m) => (mails.push(m), cb()), cb);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const hook: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const d = await startTestDaemon({
    config: {
      ...labCertConfig(lab, tempDir(prefix)),
      renewal: { enabled: false },
      drift: { enabled: false, escalateAfterHours: 72 }, // the tests run the pass themselves, with their own clock
      alerts: {
        webhooks: [`http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/T0/B0/secret`],
        emails: [opsEmail],
      },
      mail: {
        host: '127.0.0.1',
        port: (smtp.server.address() as { port: number }).port,
        secure: false,
        from: 'Hébergement <support@hosting.test>',
        pageUrl: 'https://panel.hosting.test/',
      },
    },
  });
  expect(
    (
      await d.api('POST', '/v1/tenants', {
        body: { id: tenantId, name: 'La Boutique', language: 'fr', email: clientEmail },
      })
    ).status,
  ).toBe(201);
  for (const [kind, name] of [
    ['domain', reg],
    ['server', 'lab'],
  ])
    expect((await d.api('POST', `/v1/tenants/${tenantId}/resources`, { body: { kind, name } })).status).toBe(201);
  const client = { token: (await d.api('POST', '/v1/tokens', { body: { kind: 'client', tenantId } })).body.token };
  return {
    lab,
    d,
    mails,
    hooks,
    reg,
    site,
    tenantId,
    clientEmail,
    opsEmail,
    client,
    async stop() {
      await dnsAdmin(lab, 'clear-aaaa', { host: `${site}.` }).catch(() => undefined);
      await d.stop();
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => hook.close(() => r()));
    },
  };
}
