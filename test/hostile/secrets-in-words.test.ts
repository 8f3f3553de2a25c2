/**
 * A client who writes a password or a token in a request hands it to no one: the words are
 * masked at the entry of POST /v1/requests, so a request handed to a person (through the
 * daemon's real API) puts neither the password nor the token in the admin feed, the
 * escalation, a webhook body (a real receiver on loopback), an email's subject or body (a
 * real SMTP server), a log line the daemon wrote (every level), or any table of the store
 * (the SQLite file read table by table, and its bytes and its WAL's searched as they are).
 * The client's answer says first to change that password, in their language.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import SQLite from 'better-sqlite3';
import { simpleParser, type ParsedMail } from 'mailparser';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/requests/secrets.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { noteSecrets } from '../helpers/secrets-scan.js';

const opsEmail = 'ops@hosting.test';
const password = `Xy7!${randomBytes(4).toString('hex')}`;
let token = '';
let d: TestDaemon;
let smtp: SMTPServer;
let hook: Server;
const hooks: string[] = [];
const mails: { raw: string; mail: ParsedMail }[] = [];
const logLines: string[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((mail) => (mails.push({ raw: raw.toString('utf8'), mail }), cb()), cb);
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  // Every line the daemon writes, at every level, kept to be searched.
  const logger = pino({ level: 'trace' }, new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) }));
  d = await startTestDaemon({
    logger,
    config: {
      alerts: {
        webhooks: [`http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/secret-words`],
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
  token = (await d.tenant('secretive', { language: 'fr' })).token;
  noteSecrets('a password a client wrote', password);
});

afterAll(async () => {
  await d?.stop();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
});

/** Every row of every table of the store, as text. */
function storeRows(path: string): { table: string; text: string }[] {
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return tables.map(({ name }) => ({
      table: name,
      text: JSON.stringify(db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all()),
    }));
  } finally {
    db.close();
  }
}

describe('secrets in a request in words', () => {
  it('a password and a token in a handed-over request appear masked everywhere, and the client is told to change the password', async () => {
    const text = `C'est inadmissible, ça fait trois jours ! Mon mot de passe est ${password} et il ne marche pas, mon token ${token} non plus. Passez-moi un responsable.`;
    const res = await d.api('POST', '/v1/requests', { token, body: { text, intent: 'human' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('handoff');
    expect(res.body.warning).toMatch(/^Changez ce mot de passe maintenant\u00a0: /);
    expect(JSON.stringify(res.body)).not.toContain(password);

    // Everything the hand-over causes: the alert and the escalation posted, the admins' email sent, nothing left to send.
    await until(
      async () =>
        hooks.some((h) => h.includes('"kind":"request-handoff"')) &&
        hooks.some((h) => h.includes('"kind":"escalation"')),
      30_000,
      'the hand-over and escalation webhooks',
    );
    await until(
      async () => mails.some((m) => m.mail.to && JSON.stringify(m.mail.to).includes(opsEmail)),
      30_000,
      "the admins' email",
    );
    await until(async () => (await d.store.outbox.list()).every((m) => m.status === 'sent'), 30_000, 'an empty outbox');

    const feed = await d.api('GET', '/v1/alerts');
    const escalations = await d.api('GET', '/v1/escalations');
    const haystacks: { where: string; text: string }[] = [
      { where: 'the admin feed', text: JSON.stringify(feed.body) },
      { where: 'the escalations', text: JSON.stringify(escalations.body) },
      ...hooks.map((h, i) => ({ where: `webhook body ${i}`, text: h })),
      ...mails.flatMap((m, i) => [
        { where: `email ${i} (as sent)`, text: m.raw },
        { where: `email ${i} subject`, text: m.mail.subject ?? '' },
        { where: `email ${i} text`, text: m.mail.text ?? '' },
        { where: `email ${i} html`, text: String(m.mail.html) },
      ]),
      ...logLines.map((l, i) => ({ where: `log line ${i}`, text: l })),
      ...storeRows(d.config.store.driver === 'sqlite' ? d.config.store.path : '').map((t) => ({
        where: `store table ${t.table}`,
        text: t.text,
      })),
    ];
    const path = d.config.store.driver === 'sqlite' ? d.config.store.path : '';
    for (const f of [path, `${path}-wal`])
      if (existsSync(f))
        haystacks.push({
          where: `the bytes of ${f}`,
          text: readFileSync(f).toString('latin1') + readFileSync(f).toString('utf8'),
        });

    // The words did get through, masked: the searches look where they should.
    expect(
      hooks.some((h) => h.includes('Mon mot de passe est ******** et il ne marche pas, mon token ******** non plus')),
    ).toBe(true);
    expect(mails.some((m) => (m.mail.subject ?? '').includes('********'))).toBe(true);
    expect(logLines.some((l) => l.includes('mot de passe est ********'))).toBe(true);
    expect(haystacks.filter((h) => h.where.startsWith('store table')).length).toBeGreaterThan(10);

    const found = haystacks.filter((h) => h.text.includes(password) || h.text.includes(token)).map((h) => h.where);
    expect(found).toEqual([]);
  });

  it('tells an English client first to change the password, and masks nothing in words that only speak of one', async () => {
    const en = (await d.tenant('secretiveen', { language: 'en' })).token;
    const told = await d.api('POST', '/v1/requests', {
      token: en,
      body: { text: 'Hello, my password is hunter2x and it does not work, I need a human' },
    });
    expect(told.status).toBe(200);
    expect(told.body.warning).toMatch(/^Change that password now: /);
    const plain = await d.api('POST', '/v1/requests', {
      token: en,
      body: { text: 'I forgot my password, can you reset it? My password is not working.' },
    });
    expect(plain.status).toBe(200);
    expect(plain.body.warning).toBeUndefined();
    const feed = await d.api('GET', '/v1/alerts');
    expect(JSON.stringify(feed.body)).not.toContain('hunter2x');
  });

  it('masks what looks like a secret, in English and French, and leaves words about one', () => {
    const masked: [string, string][] = [
      ['mon mot de passe est Xy7!abc, ça marche pas', 'mon mot de passe est ********, ça marche pas'],
      ['Mot de passe : soleil', 'Mot de passe : ********'],
      ['le mdp de mon ftp c’est Toto2024', 'le mdp de mon ftp c’est ********'],
      ['my password is hunter2 thanks', 'my password is ******** thanks'],
      ['pwd:hunter2 and api_key=sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'pwd:******** and api_key=********'],
      ['ma clé API est 9f8e7d6c5b4a39281706f5e4d3c2b1a0 merci', 'ma clé API est ******** merci'],
      ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_0123', 'Authorization: Bearer ********'],
      ['AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '******** / ********'],
      ['sftp://shop:S3cr3t!@ftp.shop.fr/www', 'sftp://shop:********@ftp.shop.fr/www'],
      [
        'here: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY----- ok?',
        'here: ******** ok?',
      ],
    ];
    for (const [text, expected] of masked) expect(maskSecrets(text).text, text).toBe(expected);
    for (const text of [
      'my password is not working, can you reset it?',
      "j'ai oublié mon mot de passe, il est expiré",
      'password reset for shop2.example.com please',
      'the database wp_boutique_2024_prod is slow',
      'job 8f14e45f-ceea-467f-a0e6-7a1b2c3d4e5f failed on www.ma-boutique-en-ligne.fr',
      'mettre le https sur boutique.fr svp',
    ])
      expect(maskSecrets(text), text).toEqual({ text, masked: 0, kinds: [] });
  });
});
