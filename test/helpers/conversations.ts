/**
 * The stories of issue 21 set up against a real daemon, a real SMTP server and a real
 * webhook receiver, for the API tests (test/conversations.test.ts) and the page walks
 * (Chromium, phone and desktop, fr and en) alike: each story puts the daemon where a
 * client and an admin would be at its start and says how to go on. Emails and webhook
 * posts are kept in order, so a test counts one per change of state.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { CertificateMaintenance } from '../../src/certificates/maintain.js';
import type { LabInfo } from '../lab/client.js';
import { dnsAdmin, labCertConfig } from './acme-lab.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { tempDir } from './tmp.js';

/** A daemon wired to the lab, with the mail and webhooks a provider would configure, and what they received. */
export interface StoryWorld {
  d: TestDaemon;
  lab: LabInfo;
  mails: ParsedMail[];
  hooks: any[];
  /** Emails to one address, in order. */
  mailsTo(address: string): ParsedMail[];
  /** Webhook posts of one kind (escalation, escalation-resolved, escalation-reminder, certificate-renewal-failed…). */
  hooksOf(kind: string): any[];
  stop(): Promise<void>;
}

/** A tenant of the world: its id, domain, site, contact and client token. */
export interface StoryClient {
  tenantId: string;
  reg: string;
  site: string;
  email: string;
  token: string;
}

/** Who a mail was sent to. */
export const to = (m: ParsedMail) => (m.to && !Array.isArray(m.to) ? m.to.value.map((a) => a.address) : []);

/**
 * Starts the SMTP server, the webhook receiver and a daemon on the lab (renewals and drift driven by the test's clock);
 * `prefix` names the daemon's temporary folder.
 */
export async function storyWorld(
  lab: LabInfo,
  config: Record<string, unknown> = {},
  prefix = 'serein-story-',
): Promise<StoryWorld> {
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
  const dir = tempDir(prefix);
  const d = await startTestDaemon({
    config: {
      ...labCertConfig(lab, dir),
      renewal: { enabled: false },
      drift: { enabled: false, escalateAfterHours: 72 },
      alerts: {
        webhooks: [`http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/T0/B0/secret`],
        emails: ['ops@hosting.test'],
      },
      mail: {
        host: '127.0.0.1',
        port: (smtp.server.address() as { port: number }).port,
        secure: false,
        from: 'Hébergement <support@hosting.test>',
        pageUrl: 'https://panel.hosting.test/',
      },
      ...config,
    },
  });
  return {
    d,
    lab,
    mails,
    hooks,
    mailsTo: (address) => mails.filter((m) => to(m).includes(address)),
    hooksOf: (kind) => hooks.filter((h) => h.kind === kind),
    async stop() {
      await d.stop();
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => hook.close(() => r()));
    },
  };
}

/** A new tenant with a domain of its own under the lab's `.test`, the lab's nginx, an email contact and a client token. */
export async function storyClient(
  w: StoryWorld,
  o: { language?: 'en' | 'fr'; name?: string } = {},
): Promise<StoryClient> {
  const tenantId = `s${randomBytes(3).toString('hex')}`;
  const reg = `${randomBytes(4).toString('hex')}.test`;
  const email = `contact@${reg}`;
  const created = await w.d.api('POST', '/v1/tenants', {
    body: { id: tenantId, name: o.name ?? 'La Boutique', language: o.language ?? 'fr', email },
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  for (const [kind, name] of [
    ['domain', reg],
    ['server', 'lab'],
  ])
    await w.d.api('POST', `/v1/tenants/${tenantId}/resources`, { body: { kind, name } });
  const token = (await w.d.api('POST', '/v1/tokens', { body: { kind: 'client', tenantId } })).body.token;
  return { tenantId, reg, site: `boutique.${reg}`, email, token };
}

/** The client's site, live and secured: where the drift and renewal stories start. */
export async function securedSite(w: StoryWorld, c: StoryClient): Promise<void> {
  const site = await w.d.runJob('vhost.create', { webserver: 'lab', domain: c.site }, { token: c.token });
  if (site.status !== 'succeeded') throw new Error(JSON.stringify(site.error));
  const cert = await w.d.runJob('certificate.issue', { domains: [c.site] }, { token: c.token });
  if (cert.status !== 'succeeded') throw new Error(JSON.stringify(cert.error));
}

/** A stale IPv6 address on the client's site (lab DNS): what blocks its renewal. `clear` is the client's fix. */
export const staleAaaa = (w: StoryWorld, c: StoryClient) => ({
  add: () => dnsAdmin(w.lab, 'add-aaaa', { host: `${c.site}.`, addresses: ['2001:db8::dead'] }),
  clear: () => dnsAdmin(w.lab, 'clear-aaaa', { host: `${c.site}.` }),
});

/**
 * The blocked-renewal story: the site is secured, a stale AAAA appears, the renewal is
 * due. `renew()` runs one pass of the schedule at the test's clock (first the due date,
 * then each retry's time), so the test decides when time passes.
 */
export async function blockedRenewal(
  w: StoryWorld,
  c: StoryClient,
): Promise<{ renew(): Promise<unknown>; fix(): Promise<void>; stop(): Promise<void> }> {
  await securedSite(w, c);
  const cert = (await w.d.store.certificates.active('lab', c.site))!;
  const dns = staleAaaa(w, c);
  await dns.add();
  let now = new Date(new Date(cert.renewAfter!).getTime() + 1000);
  const m = new CertificateMaintenance(w.d.daemon.engine, () => now);
  return {
    async renew() {
      const report = await m.tick();
      const retry = (await w.d.store.certificates.get(cert.id))?.nextAttemptAt;
      if (retry) now = new Date(Math.max(now.getTime(), new Date(retry).getTime()));
      return report;
    },
    fix: dns.clear,
    stop: () => m.stop(),
  };
}

/** The handed-over story: the client asks in words for something serein cannot do; the request goes to a person. */
export async function handedOver(
  w: StoryWorld,
  c: StoryClient,
  text = 'je voudrais plus de mémoire pour mon site, svp',
): Promise<any> {
  const res = await w.d.api('POST', '/v1/requests', {
    token: c.token,
    body: { text },
    headers: { 'accept-language': 'fr' },
  });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return res.body;
}
