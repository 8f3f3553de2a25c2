import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import pino from 'pino';
import type { RenewalEngine } from '../../src/certificates/maintain.js';
import { buildServices } from '../../src/composition.js';
import type { Config } from '../../src/config/schema.js';
import type { Services } from '../../src/engine/action.js';
import { SealBox } from '../../src/secrets.js';
import type { Store } from '../../src/store/store.js';

/** What a bulk-inserted fleet looks like: how many, how many due at `now`, which CA. */
export interface FleetOptions {
  count: number;
  /** Certificates whose renewal time has come at `now` (the first ones inserted). */
  due?: number;
  ca?: string;
  now?: Date;
  /** The stored (sealed) key of every certificate; unreadable by default, as nothing here needs to open it. */
  keyPem?: string;
  /** When renewalInfo was last asked (null: never). */
  ariCheckedAt?: string | null;
  name?: (i: number) => string;
}

/**
 * Rows per multi-row INSERT: 27 columns each, under SQLite's 32,766 bound variables and
 * PostgreSQL's 65,535 parameters.
 */
const CHUNK = { sqlite: 1_000, postgres: 2_000 };

/**
 * Inserts a fleet of active certificates straight into the store (SQLite or PostgreSQL),
 * in multi-row INSERTs inside one transaction, for tests and the benchmark: 100,000 rows
 * in seconds, where issuing them would take hours. Returns their ids in insertion order.
 */
export async function insertFleet(store: Store, o: FleetOptions): Promise<string[]> {
  const ids: string[] = [];
  await (store.db as unknown as Kysely<any>).transaction().execute(async (db) => {
    for (let start = 0; start < o.count; start += CHUNK[store.dialect]) {
      await db
        .insertInto('certificates')
        .values(fleetRows(o, start, Math.min(o.count, start + CHUNK[store.dialect]), ids))
        .execute();
    }
  });
  return ids;
}

/** Rows start..end-1 of the fleet; their ids are appended to `ids`. */
function fleetRows(o: FleetOptions, start: number, end: number, ids: string[]): Record<string, unknown>[] {
  const now = o.now ?? new Date();
  const day = 86_400_000;
  const rows = [];
  for (let i = start; i < end; i++) {
    const id = randomUUID();
    ids.push(id);
    const name = o.name?.(i) ?? `s${i}.fleet.example`;
    const due = i < (o.due ?? 0);
    rows.push({
      id,
      tenant_id: null,
      webserver: 'main',
      name,
      domains: JSON.stringify([name]),
      challenge: 'http-01',
      key_type: 'ecdsa-p256',
      ca: o.ca ?? 'fleet-ca',
      ca_directory: 'https://ca.invalid/dir',
      serial: (i + 1).toString(16),
      ari_cert_id: `aki.${i.toString(16)}`,
      not_before: new Date(now.getTime() - 30 * day).toISOString(),
      not_after: new Date(now.getTime() + 60 * day).toISOString(),
      cert_pem: '-----BEGIN CERTIFICATE-----\nfleet\n-----END CERTIFICATE-----\n',
      key_pem: o.keyPem ?? 'unreadable',
      status: 'active',
      replaces_id: null,
      // Distinct creation times, oldest first, so "newest first" is well defined.
      created_at: new Date(now.getTime() - 90 * day + i).toISOString(),
      activated_at: now.toISOString(),
      renew_after: new Date(now.getTime() + (due ? -3_600_000 : 30 * day)).toISOString(),
      ari_window_start: null,
      ari_window_end: null,
      ari_checked_at: o.ariCheckedAt === undefined ? null : o.ariCheckedAt,
      renewal_failures: 0,
      next_attempt_at: null,
      last_error: null,
    });
  }
  return rows;
}

/**
 * What the renewal schedule (CertificateMaintenance) runs on, without a daemon: the services a
 * daemon builds on `store`, and `submit` in place of the job queue (the engine's edge). A bench
 * or a test thus times or checks serein's own work of a pass (pages, claims, audit lines, ARI
 * questions), and runs several schedules on one store, each on its own store, as daemons do.
 * Close `services.certificates.accounts` after.
 */
export function scheduleEngine(
  config: Config,
  store: Store,
  submit: RenewalEngine['submit'],
): RenewalEngine & { services: Services } {
  const { services } = buildServices({
    config,
    store,
    logger: pino({ level: 'silent' }),
    target: () => {
      throw new Error('no target where the schedule runs without a daemon');
    },
    seal: new SealBox(randomBytes(32)),
    alert: async () => undefined,
  });
  return { services, events: new EventEmitter(), submit };
}

/** A renewal submission answered "succeeded" at once, without a job or a CA: the stub behind scheduleEngine's `submit`. */
export const renewedAtOnce = (): Awaited<ReturnType<RenewalEngine['submit']>> => ({
  job: { id: randomBytes(8).toString('hex'), status: 'succeeded', result: { certificate: 'stub' } } as never,
  created: true,
});
