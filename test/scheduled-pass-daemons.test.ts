/**
 * The scheduled passes (the trash's purge here; the drift watch and the disk usage pass run
 * on the same ScheduledPass) with two daemons on one PostgreSQL store: their schedules fire
 * at the same time, and each purged every expired copy, so each copy was removed twice and
 * audited twice. One pass runs for all now: whichever daemon takes the pass's lock first.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.js';
import { Store } from '../src/store/store.js';
import { TrashPurge } from '../src/watch/trash-purge.js';
import { storeDatabase } from './helpers/db-lab.js';
import { tempDir } from './helpers/tmp.js';
import { useLab } from './lab/client.js';

const COPIES = 200;

describe('a scheduled pass with two daemons on one PostgreSQL store', () => {
  let db: { url: string; drop(): Promise<void> } | undefined;
  const stores: Store[] = [];

  beforeAll(async () => {
    const lab = await useLab('postgres');
    db = await storeDatabase(lab, 'serein_scheduled');
    for (let i = 0; i < 2; i++) stores.push(await Store.open({ driver: 'postgres', url: db.url }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await db?.drop();
  });

  it('purges each expired copy once, with one audit line, when both schedules fire at once', async () => {
    const dir = tempDir('serein-scheduled-');
    const config = configSchema.parse({ stateDir: join(dir, 'state'), store: { driver: 'postgres', url: db!.url } });
    const long = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < COPIES; i++) {
      const id = randomUUID();
      const file = join(dir, `${id}.tar.gz`);
      writeFileSync(file, 'a copy');
      await stores[0].trash.add({
        id,
        tenantId: 'tscheduled',
        kind: 'site',
        name: `s${i}.scheduled.test`,
        target: '', // the daemon's own machine
        file,
        bytes: 6,
        origin: { webserver: 'web', domain: `s${i}.scheduled.test` } as never,
        createdAt: long,
        expiresAt: long,
      });
      ids.push(id);
    }
    const purges = stores.map(
      (store) =>
        new TrashPurge({
          config,
          store,
          logger: pino({ level: 'silent' }),
          target: () => {
            throw new Error('the copies are on the daemon machine');
          },
        }),
    );
    const reports = await Promise.all(purges.map((p) => p.pass()));
    const purged = reports.flatMap((r) => r.purged);
    expect(reports.flatMap((r) => r.failed)).toEqual([]);
    expect(purged.sort()).toEqual([...ids].sort());
    const lines = (await stores[0].audit.list({ limit: 1000 })).filter((e) => e.action === 'trash.purge');
    expect(lines).toHaveLength(COPIES);
    expect(await stores[0].trash.expired(new Date().toISOString())).toEqual([]);
  }, 120_000);
});
