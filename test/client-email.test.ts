/**
 * Telling the client before they notice: a renewal that cannot succeed because of the
 * client's DNS (a stale IPv6 address) sends one email to the client, in their language,
 * and one alert to admins per failure; the email is received by a real SMTP server
 * (smtp-server, with a login) on loopback and read back with mailparser. A request left
 * half-done on their site tells them the provider is finishing it.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateMaintenance } from '../src/certificates/maintain.js';
import { dateInWords } from '../src/util/dates.js';
import { SmtpMailer } from '../src/notify/mailer.js';
import { ClientNotices } from '../src/notify/notices.js';
import { Escalations } from '../src/watch/escalations.js';
import { useLab, type LabInfo } from './lab/client.js';
import { dnsAdmin, labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { serein } from './helpers/process.js';
import { noteSecrets } from './helpers/secrets-scan.js';
import { tempDir } from './helpers/tmp.js';

let lab: LabInfo;
let d: TestDaemon;
let dir: string;
let smtp: SMTPServer;
const received: ParsedMail[] = [];
const logins: string[] = [];
const password = `smtp-${randomBytes(8).toString('hex')}`;
const reg = `${randomBytes(4).toString('hex')}.test`;
const site = `boutique.${reg}`;
const tenantId = `m${randomBytes(3).toString('hex')}`;
const email = 'contact@boutique.test';
const pageUrl = 'https://panel.hosting.test/';
let client: { token: string };

beforeAll(async () => {
  lab = await useLab('pebble');
  dir = tempDir('serein-mail-');
  noteSecrets('smtp password', password);
  // A real SMTP server that requires the login serein is configured with, and keeps every message.
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      logins.push(auth.username ?? '');
      if (auth.username === 'serein' && auth.password === password) cb(null, { user: 'serein' });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, _session, cb) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          cb();
        })
        .catch(cb);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const port = (smtp.server.address() as { port: number }).port;
  const passwordFile = join(dir, 'smtp.password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  d = await startTestDaemon({
    config: {
      ...labCertConfig(lab, dir),
      renewal: { enabled: false }, // the test drives the maintenance with its own clock
      branding: { name: 'Hébergement Exemple' },
      mail: {
        host: '127.0.0.1',
        port,
        secure: false,
        auth: { user: 'serein', passwordFile },
        from: 'Hébergement Exemple <support@hosting.test>',
        pageUrl,
      },
    },
  });
  const created = await d.api('POST', '/v1/tenants', {
    body: { id: tenantId, name: 'La Boutique', language: 'fr', email },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.tenant.email).toBe(email);
  for (const [kind, name] of [
    ['domain', reg],
    ['server', 'lab'],
  ])
    expect((await d.api('POST', `/v1/tenants/${tenantId}/resources`, { body: { kind, name } })).status).toBe(201);
  client = { token: (await d.api('POST', '/v1/tokens', { body: { kind: 'client', tenantId } })).body.token };
});

afterAll(async () => {
  await d?.stop();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
});

describe('emails to clients', () => {
  it("a renewal blocked by the client's DNS sends one email to the client and one alert to admins per failure", async () => {
    expect((await d.runJob('vhost.create', { webserver: 'lab', domain: site }, { token: client.token })).status).toBe(
      'succeeded',
    );
    const issued = await d.runJob('certificate.issue', { domains: [site] }, { token: client.token });
    expect(issued.status, JSON.stringify(issued.error)).toBe('succeeded');
    const cert = (await d.store.certificates.active('lab', site))!;
    await dnsAdmin(lab, 'add-aaaa', { host: `${site}.`, addresses: ['2001:db8::dead'] });
    const alertsFor = async () =>
      (await d.api('GET', '/v1/alerts?kind=certificate-renewal-failed')).body.alerts.filter(
        (a: any) => a.subject === `certificate:${site}`,
      );
    try {
      let now = new Date(new Date(cert.renewAfter!).getTime() + 1000);
      const m = new CertificateMaintenance(d.daemon.engine, () => now);
      expect((await m.tick()).failed).toHaveLength(1);
      // The alert and the email are both queued when the pass ends, and leave from the outbox.
      await d.delivered();
      expect(await alertsFor()).toHaveLength(1);
      expect(received).toHaveLength(1);
      // The retry a minute later fails again: admins hear of it, the client is not told twice.
      now = new Date((await d.store.certificates.get(cert.id))!.nextAttemptAt!);
      expect((await m.tick()).failed).toHaveLength(1);
      await d.delivered();
      expect(await alertsFor()).toHaveLength(2);
      expect(received).toHaveLength(1);
      await m.stop();
    } finally {
      await dnsAdmin(lab, 'clear-aaaa', { host: `${site}.` });
    }

    const mail = received[0];
    expect(logins).toEqual(['serein']);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([email]);
    expect(mail.from?.value[0]).toMatchObject({ address: 'support@hosting.test', name: 'Hébergement Exemple' });
    expect(mail.headers.get('content-language')).toBe('fr');
    expect(mail.subject).toBe(`Votre site ${site} a besoin d'un changement pour rester sécurisé`);
    const text = mail.text ?? '';
    // The first sentence: what to do and by when, the date in French words; then why.
    const until = dateInWords(cert.notAfter, 'fr');
    expect(until).toMatch(/^\d{1,2} [a-zéû]+ \d{4}$/);
    expect(text).toContain(
      `À faire avant le ${until} pour que votre site ${site} reste sécurisé\u00a0: Chez la société qui gère votre domaine (souvent là où vous l'avez acheté), supprimez l'adresse IPv6 2001:db8::dead de ${site}, ou remplacez-la par ::1.`,
    );
    expect(text).toMatch(/Pourquoi\u00a0: Votre domaine \S+ a une adresse IPv6, 2001:db8::dead,/);
    expect(text).not.toMatch(/EHOSTUNREACH|acme-challenge|Rien n'a encore été demandé/);
    expect(text).toContain(pageUrl);
    expect(mail.html || '').toContain(`<a href="${pageUrl}">`);
    // Nothing a client cannot act on, and no secret.
    const everything = `${mail.subject}\n${text}\n${mail.html}\n${[...mail.headers.values()].map(String).join('\n')}`;
    for (const secret of [password, client.token, d.adminToken]) expect(everything).not.toContain(secret);
    expect(everything).not.toContain(dir); // no server path
    expect(text).not.toMatch(/\/(etc|var|tmp|srv|home|root)\/|\.pem\b/);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/); // no job or certificate id
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}/); // no ISO timestamp
    expect(text).not.toMatch(/preflight|certificate\.renew|job/i);

    // Admins can see that the client was told.
    const audit = await d.store.audit.list({ action: 'client.notify' });
    expect(audit.map((a) => a.tenantId)).toEqual([tenantId]);
  });

  it('tells the client again after a day while it lasts, never twice within one', async () => {
    const [alert] = (await d.api('GET', '/v1/alerts?kind=certificate-renewal-failed')).body.alerts;
    const config = d.daemon.engine.services.config;
    const before = received.length;
    // The site's conversation tells it (src/watch/renewals.ts), through the client notices, each with the same clock.
    const at = (hours: number) => {
      const clock = () => new Date(Date.now() + hours * 3_600_000);
      const deps = {
        store: d.store,
        config,
        logger: pino({ level: 'silent' }),
        mailer: new SmtpMailer(config.mail!, pino({ level: 'silent' })),
      };
      return new Escalations({ ...deps, raise: async () => undefined, notices: new ClientNotices(deps, clock) }, clock);
    };
    await at(12).afterAlert(alert);
    expect(received).toHaveLength(before);
    await at(25).afterAlert(alert);
    expect(received).toHaveLength(before + 1);
    await at(26).afterAlert(alert);
    expect(received).toHaveLength(before + 1);
  });

  it("a request left half-done on the client's site, even an admin's, tells the client the provider is finishing it", async () => {
    const { job } = await d.store.jobs.create({
      playbook: 'certificate.issue',
      inputs: { domains: [site] },
      dryRun: false,
      tenantId: null,
      forTenant: tenantId,
      tokenId: null,
      resource: `vhost:${site}`,
      target: null,
      language: 'en',
    });
    await d.store.jobs.finish(job.id, 'needs-attention', { error: { code: 'x', message: 'undo failed', hint: '' } });
    const before = received.length;
    // The alert as the runner raises it, through the daemon's own alert path.
    await d.daemon.engine.services.alert({
      kind: 'needs-attention',
      tenantId: null,
      subject: `vhost:${site}`,
      message: `Job ${job.id} failed and could not be fully undone`,
      detail: { jobId: job.id },
    });
    await d.delivered();
    expect(received).toHaveLength(before + 1);
    const mail = received[before];
    expect(mail.subject).toBe(`${site}\u00a0: nous terminons une modification à la main`);
    expect(mail.text).toContain(`Nous n'avons pas pu terminer la sécurisation de votre site ${site} le `);
    expect(mail.text).toContain("Notre équipe est prévenue et la termine\u00a0: vous n'avez rien à faire.");
    expect(mail.text).not.toContain(job.id);
    expect(
      (await d.api('GET', '/v1/alerts?kind=needs-attention')).body.alerts.map((a: any) => a.detail.jobId),
    ).toContain(job.id);
  });

  it('serein tenant create --email records where the client is told', async () => {
    const id = `e${randomBytes(3).toString('hex')}`;
    const run = serein([
      'tenant',
      'create',
      id,
      '--name',
      'Asso',
      '--language',
      'en',
      '--email',
      'bureau@asso.test',
      '--url',
      d.url,
      '--token',
      d.adminToken,
    ]);
    expect(await run.exited, run.output()).toBe(0);
    const list = await d.api('GET', '/v1/tenants');
    expect(list.body.tenants.find((t: any) => t.id === id)).toMatchObject({
      language: 'en',
      email: 'bureau@asso.test',
    });
    const bad = await d.api('POST', '/v1/tenants', { body: { id: `${id}x`, name: 'Asso', email: 'not an address' } });
    expect(bad.status).toBe(400);
  });
});
