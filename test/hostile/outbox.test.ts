/**
 * Alerts, escalations and emails leave from the store's outbox, after the request that
 * raised them: real daemons, a real webhook receiver on loopback whose answers each test
 * scripts, a real SMTP server. A receiver that holds every request open does not hold up
 * POST /v1/requests (its answer arrives while the webhook is still held, by order of
 * events, not by time); messages queued before a daemon stops are delivered after it
 * starts again, once; a 429 with Retry-After: 1 is tried again, not before that second;
 * two daemons sharing a PostgreSQL store never send one message twice.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { storeDatabase } from '../helpers/db-lab.js';
import { until } from '../helpers/until.js';
import { tempDir } from '../helpers/tmp.js';
import { useLab } from '../lab/client.js';

/** One request the receiver got: its idempotency key, its alert, and what became of it. */
interface Arrival {
  key: string;
  kind: string;
  message: string;
  at: number;
  answered?: number;
  cut?: boolean;
  res: ServerResponse;
}

const opsEmail = 'ops@hosting.test';
let smtp: SMTPServer;
let hook: Server;
let hookUrl = '';
let smtpPort = 0;
const arrivals: Arrival[] = [];
const mails: ParsedMail[] = [];
/** What happened, in order: the API's answers and the webhook connections' ends. */
const events: string[] = [];
/** How the receiver answers: each test sets it. */
let answer: (a: Arrival, req: IncomingMessage) => void = (a) => a.res.end('ok');

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _s, cb) {
      simpleParser(stream).then((m) => (mails.push(m), cb()), cb);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as { port: number }).port;
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const alert = JSON.parse(body) as { kind: string; message: string };
      const a: Arrival = {
        key: String(req.headers['idempotency-key']),
        kind: alert.kind,
        message: alert.message,
        at: Date.now(),
        res,
      };
      arrivals.push(a);
      // The connection ends without an answer: serein gave up waiting (its timeout) or stopped.
      res.on('close', () => {
        if (a.answered === undefined) {
          a.cut = true;
          events.push(`webhook ${a.key} cut`);
        }
      });
      answer(a, req);
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/T0/B0/outbox`;
});

afterAll(async () => {
  for (const a of arrivals) if (a.answered === undefined && !a.cut) a.res.end();
  await new Promise<void>((r) => smtp.close(() => r()));
  hook.closeAllConnections();
  await new Promise<void>((r) => hook.close(() => r()));
});

const ok = (a: Arrival) => {
  a.answered = 200;
  a.res.end('ok');
};
const hold = () => undefined;
const config = (store?: unknown) => ({
  ...(store ? { store } : {}),
  alerts: { webhooks: [hookUrl], emails: [opsEmail] },
  mail: {
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    from: 'serein <serein@hosting.test>',
    pageUrl: 'https://panel.hosting.test/',
  },
});
const handOver = (d: TestDaemon, token: string, words: string) =>
  d.api('POST', '/v1/requests', { token, body: { text: words, intent: 'human' } });

describe('the outbox', () => {
  it('a webhook that never answers does not hold up POST /v1/requests', async () => {
    answer = hold;
    const d = await startTestDaemon({ config: config() });
    try {
      const { token } = await d.tenant('hangs');
      const res = await handOver(d, token, 'I need a person for my invoice (hangs)');
      events.push('api answered');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.status).toBe('handoff');
      // The webhook arrives and is held open by the receiver...
      const held = await until(
        async () => arrivals.find((a) => a.message.includes('(hangs)')),
        30_000,
        'the held webhook',
      );
      expect(held.answered).toBeUndefined();
      // ...and the API had answered before any webhook connection ended (the old inline post waited for its timeout, 3 times).
      const cut = events.findIndex((e) => e.endsWith(' cut'));
      expect(cut === -1 || cut > events.indexOf('api answered'), events.join(', ')).toBe(true);
      expect(held.cut).toBeUndefined();
    } finally {
      await d.stop();
    }
  });

  it('messages queued before a daemon stops are delivered after it starts again, once', async () => {
    answer = hold;
    const dir = tempDir('serein-outbox-');
    const store = { driver: 'sqlite', path: join(dir, 'serein.db') };
    const first = await startTestDaemon({ config: config(store) });
    const { token } = await first.tenant('restart');
    await handOver(first, token, 'I need a person please (restart)');
    // The hand-over's alert and the escalation it opens are on their way, held by the receiver.
    const held = await until(
      async () => {
        const mine = arrivals.filter(
          (a) => a.message.includes('(restart)') || (a.kind === 'escalation' && a.message.includes('restart')),
        );
        return mine.length >= 2 ? mine : undefined;
      },
      30_000,
      'both webhooks held',
    );
    const keys = [...new Set(held.map((a) => a.key))];
    expect(keys).toHaveLength(2);
    await first.stop();
    // The stop cut the tries in flight: nothing was answered, nothing counted as delivered.
    expect(held.every((a) => a.cut)).toBe(true);

    answer = ok;
    const second = await startTestDaemon({ config: config(store) });
    try {
      await until(
        async () => keys.every((k) => arrivals.some((a) => a.key === k && a.answered === 200)),
        30_000,
        'both webhooks delivered after the restart',
      );
      // One more alert after them, delivered too: anything sent twice would have come by now.
      await handOver(second, token, 'I need a person again (marker)');
      await until(
        async () => arrivals.some((a) => a.message.includes('(marker)') && a.answered === 200),
        30_000,
        'the marker',
      );
      for (const k of keys)
        expect(
          arrivals.filter((a) => a.key === k && a.answered === 200),
          k,
        ).toHaveLength(1);
      // The receiver sees its own 200 before the daemon records it: the record is read once the outbox is idle.
      await second.delivered();
      const sent = await second.store.outbox.list();
      expect(sent.filter((m) => keys.includes(m.id)).map((m) => [m.status, m.attempts])).toEqual([
        ['sent', 1],
        ['sent', 1],
      ]);
      // The admins' email of the escalation went out once, across the stop.
      await until(async () => mails.some((m) => (m.subject ?? '').includes('restart')), 30_000, "the admins' email");
      expect(mails.filter((m) => (m.subject ?? '').includes('restart'))).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('a 429 with Retry-After: 1 is tried again after that second, not before', async () => {
    let refusedAt = 0;
    answer = (a) => {
      if (a.kind !== 'request-handoff' || !a.message.includes('(slow down)')) return ok(a);
      if (refusedAt) return ok(a);
      a.answered = 429;
      a.res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      refusedAt = Date.now();
    };
    const d = await startTestDaemon({ config: config() });
    try {
      const { token } = await d.tenant('throttled');
      await handOver(d, token, 'I need a person (slow down)');
      const tries = await until(
        async () => {
          const mine = arrivals.filter((a) => a.kind === 'request-handoff' && a.message.includes('(slow down)'));
          return mine.some((a) => a.answered === 200) ? mine : undefined;
        },
        30_000,
        'the second try',
      );
      expect(tries.map((a) => a.answered)).toEqual([429, 200]);
      expect(tries[1].key).toBe(tries[0].key);
      expect(tries[1].at - refusedAt).toBeGreaterThanOrEqual(1000);
    } finally {
      await d.stop();
    }
  });

  it('two daemons sharing PostgreSQL never send one message twice', async () => {
    answer = ok;
    const lab = await useLab('postgres');
    const db = await storeDatabase(lab, 'serein_outbox');
    const daemons = await Promise.all(
      [0, 1].map(() =>
        startTestDaemon({
          config: { ...config({ driver: 'postgres', url: db.url }), alerts: { webhooks: [hookUrl], emails: [] } },
        }),
      ),
    );
    try {
      // Both daemons queue, both send: 40 alerts raised on one or the other.
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          daemons[i % 2].daemon.engine.services.alert({
            kind: 'outbox-test',
            tenantId: null,
            subject: `shared-${i}`,
            message: `shared ${i}`,
          }),
        ),
      );
      const mine = () => arrivals.filter((a) => a.kind === 'outbox-test');
      await until(
        async () => new Set(mine().map((a) => a.message)).size === 40 || undefined,
        30_000,
        '40 alerts delivered',
      );
      const keys = mine().map((a) => a.key);
      expect(new Set(keys).size).toBe(40);
      expect(keys).toHaveLength(40);
    } finally {
      await Promise.all(daemons.map((x) => x.stop()));
      await db.drop();
    }
  });
});
