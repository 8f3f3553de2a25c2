/**
 * Escalations kept in the store, as several daemons and an upgrade meet them: on the lab's
 * PostgreSQL, two daemons changing one conversation at once each keep their part; the end
 * of a job done for them finds its escalation however many are open; and a store written
 * before this version (drift escalations under `drift:<name>`, escalations long untaken)
 * is upgraded to one conversation per site, with no burst of reminders at the first sweep.
 */
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.js';
import { migrations } from '../src/store/migrations.js';
import { Store } from '../src/store/store.js';
import { Escalations } from '../src/watch/escalations.js';
import { remind } from '../src/watch/reminders.js';
import { storeDatabase } from './helpers/db-lab.js';
import { tempDir } from './helpers/tmp.js';
import { useLab } from './lab/client.js';

const opened: Store[] = [];
const open = async (store: { driver: 'sqlite'; path: string } | { driver: 'postgres'; url: string }) => {
  const s = await Store.open(store);
  opened.push(s);
  return s;
};
let pgDb: { drop(): Promise<void> } | undefined;

afterAll(async () => {
  for (const s of opened) await s.close();
  await pgDb?.drop();
});

const at = new Date().toISOString();
const row = (
  id: string,
  tenant: string,
  problem: string,
  o: { state?: string; escalatedAt?: string | null; openedAt?: string } = {},
) => ({
  id,
  tenant_id: tenant,
  problem,
  open_key: o.state === 'resolved' ? null : `${tenant}|${problem}`,
  state: o.state ?? 'open',
  taken_by: null,
  opened_at: o.openedAt ?? at,
  updated_at: o.openedAt ?? at,
  resolved_at: o.state === 'resolved' ? at : null,
  escalated_at: o.escalatedAt === undefined ? (o.openedAt ?? at) : o.escalatedAt,
  data: JSON.stringify({
    summary: `${problem} is stuck`,
    signals: [{ at: o.openedAt ?? at, kind: 'drift', message: 'old' }],
    suggestion: null,
    done: null,
  }),
});

describe('escalations in the store', () => {
  it('two daemons changing one conversation at once on PostgreSQL each keep their part', async () => {
    const lab = await useLab('postgres');
    const db = (pgDb = await storeDatabase(lab, 'serein_esc_lock'));
    const a = await open({ driver: 'postgres', url: db.url });
    const b = await open({ driver: 'postgres', url: db.url });
    const { escalation: e } = await a.escalations.signal(
      't1',
      'operation:database.create',
      [{ at, kind: 'failures', message: 'database.create failed' }],
      { summary: 'database.create failed 3 times' },
    );
    // Twenty answers and takes at once, from both: every one is in the conversation.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const s = i % 2 ? a : b;
        return i % 5 === 0
          ? s.escalations.take(e.id, `admin${i}`, at, `Admin ${i}`)
          : s.escalations.update(e.id, at, (x) => ({
              steps: [...x.steps, { at, kind: 'answered', by: `Admin ${i}`, text: `answer ${i}` }],
            }));
      }),
    );
    const after = (await a.escalations.get(e.id))!;
    expect(
      after.steps
        .filter((s) => s.kind === 'answered')
        .map((s) => s.text)
        .sort(),
    ).toHaveLength(16);
    expect(after.steps.filter((s) => s.kind === 'taken')).toHaveLength(4);
  });

  it('the end of a job done for them finds its escalation past the first thousand open ones', async () => {
    const s = await open({ driver: 'sqlite', path: join(tempDir('serein-esc-store-'), 'serein.db') });
    const older = new Date(Date.now() - 86_400_000).toISOString();
    const rows = Array.from({ length: 1000 }, (_, i) =>
      row(`old-${i}`, `t${i}`, 'operation:vhost.create', { openedAt: older }),
    );
    for (let i = 0; i < rows.length; i += 100)
      await s.db
        .insertInto('escalations')
        .values(rows.slice(i, i + 100))
        .execute();
    const { escalation: e } = await s.escalations.signal(
      'shop',
      'operation:vhost.create',
      [{ at, kind: 'failures', message: 'vhost.create failed' }],
      { summary: 'vhost.create failed 3 times' },
    );
    await s.escalations.setDone(e.id, { jobId: 'job-1001', by: 'Marie (tok)', at, byName: 'Marie' }, at);
    expect((await s.escalations.byDoneJob('job-1001'))?.id).toBe(e.id);
    expect(await s.escalations.byDoneJob('job-none')).toBeUndefined();
  });

  it('an upgraded store: drift escalations join their site’s conversation, and no reminder burst for those already open', async () => {
    const path = join(tempDir('serein-esc-upgrade-'), 'serein.db');
    // The store as the version before wrote it.
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    const { error } = await new Migrator({
      db: old,
      provider: { getMigrations: async () => migrations('sqlite') },
    }).migrateTo('0014-trash');
    expect(error).toBeUndefined();
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await old
      .insertInto('escalations')
      .values([
        row('drift-shop', 'acme', 'drift:shop.example.fr', { openedAt: twoDaysAgo }),
        row('drift-blog', 'acme', 'drift:blog.example.fr', { openedAt: twoDaysAgo }),
        row('site-blog', 'acme', 'site:blog.example.fr', { openedAt: twoDaysAgo, escalatedAt: null }),
        row('drift-ended', 'acme', 'drift:old.example.fr', { state: 'resolved', openedAt: twoDaysAgo }),
        row('db', 'acme', 'operation:database.create', { openedAt: twoDaysAgo }),
      ])
      .execute();
    await old.destroy();
    const s = await open({ driver: 'sqlite', path });
    // Found under the site's key, the drift as its cause (so the daily check that sees it fixed ends it).
    const shop = await s.escalations.openFor('acme', 'site:shop.example.fr');
    expect(shop).toMatchObject({ id: 'drift-shop', state: 'open', cause: { kind: 'drift', site: 'shop.example.fr' } });
    // The site already had a conversation open: it goes on, the drift escalation ends, pointing to it.
    expect((await s.escalations.openFor('acme', 'site:blog.example.fr'))?.id).toBe('site-blog');
    expect(await s.escalations.get('drift-blog')).toMatchObject({
      state: 'resolved',
      problem: 'site:blog.example.fr',
      resolution: { by: 'serein', reason: expect.stringContaining('site-blog') },
    });
    expect((await s.escalations.get('drift-ended'))?.problem).toBe('site:old.example.fr');
    expect((await s.escalations.unresolved()).filter((e) => e.problem.startsWith('drift:'))).toEqual([]);
    // The first sweep after the upgrade: nothing for the escalations open before it, however long untaken.
    const raised: unknown[] = [];
    const config = configSchema.parse({ store: { driver: 'sqlite', path }, log: { level: 'silent' } });
    const esc = new Escalations({
      store: s,
      config,
      logger: pino({ level: 'silent' }),
      raise: async (a) => void raised.push(a),
    });
    expect(await remind(esc, config, new Date(Date.now() + 86_400_000))).toBe(0);
    expect(raised).toEqual([]);
    // One handed over after the upgrade is reminded as usual.
    const { escalation: fresh } = await s.escalations.signal(
      'acme',
      'operation:vhost.create',
      [{ at, kind: 'failures', message: 'vhost.create failed' }],
      { summary: 'vhost.create failed 3 times' },
    );
    expect(
      await remind(esc, config, new Date(Date.now() + (config.escalations.reminders.afterMinutes + 1) * 60_000)),
    ).toBe(1);
    expect(raised).toEqual([
      expect.objectContaining({ kind: 'escalation-reminder', subject: `escalation:${fresh.id}` }),
    ]);
  });
});
