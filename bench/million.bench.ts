// A million certificates across three daemons (issue 25): N certificates inserted in bulk
// into one PostgreSQL store (issuing them would take weeks), N = BENCH_MILLION_N (100,000 by
// default so `npm run bench` stays in minutes; 1,000,000 is the size; 2,000 in a
// smoke run), then:
// - three `serein serve` processes started at once on it (renewal schedule off): each one's
//   start to /healthz and its resident memory;
// - one renewal pass with 1 % due, run by three daemons' schedules at once: three engines in
//   this process, each on its own connection pool to the store as three daemons are, their
//   renewals stubbed at the engine's edge as in fleet.bench.ts (the pass does serein's own
//   work: pages, claims, audit lines). Every due certificate must be submitted exactly once
//   across the three, and no other;
// - the ARI refresh of the whole fleet (every window stale) by the three at once, against
//   the CA stub of fleet.bench.ts: every window refreshed within the polling interval, and
//   how many questions the CA got for N windows.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { CertificateMaintenance } from '../src/certificates/maintain.js';
import { configSchema } from '../src/config/schema.js';
import { Store } from '../src/store/store.js';
import { insertFleet, renewedAtOnce, scheduleEngine } from '../test/helpers/fleet.js';
import { serein } from '../test/helpers/process.js';
import { startLab } from '../test/lab/lab.js';
import { ariCa, rssMb, startServe } from './fleet.bench.js';
import { stat, type Figures } from './stats.js';

const SMOKE = !!process.env.BENCH_SMOKE;

/** Processor time a process has used (user + system), from /proc (Linux), in ms. */
export const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 a second)
};
const N = SMOKE ? 2_000 : Number(process.env.BENCH_MILLION_N ?? 100_000);
const DAEMONS = 3;

export default async function bench(): Promise<Figures> {
  await serein(['--help']).exited; // bin/serein.js bundles the sources on the first start after a change
  const dir = mkdtempSync(join(tmpdir(), 'serein-million-bench-'));
  const lab = await startLab(['postgres']);
  const { host, port, user, password } = lab.postgres!;
  const dbName = `serein_million_bench_${process.pid}`;
  const admin = new pg.Client({ host, port, user, password, database: 'postgres' });
  await admin.connect();
  const ca = await ariCa();
  const stores: Store[] = [];
  try {
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${dbName}`;
    const config = configSchema.parse({
      stateDir: join(dir, 'state'),
      store: { driver: 'postgres', url },
      renewal: { enabled: false },
      acme: { cas: [{ name: 'fleet-ca', directoryUrl: ca.directoryUrl }] },
    });
    for (let i = 0; i < DAEMONS; i++) stores.push(await Store.open(config.store));
    const due = Math.max(1, Math.floor(N / 100));
    const t0 = performance.now();
    const ids = await insertFleet(stores[0], { count: N, due, ariCheckedAt: new Date().toISOString() });
    const insertS = (performance.now() - t0) / 1000;
    // The fleet settled as a running provider's is: its pages written out and marked visible, so the
    // daemons' start does not wait on PostgreSQL flushing this bulk insert (a gigabyte at a million).
    await sql`VACUUM ANALYZE certificates`.execute(stores[0].db);
    await sql`CHECKPOINT`.execute(stores[0].db);

    // 1. Three daemons started at once on the fleet (the first start made the schema above: none migrates here).
    // The bundle is made again just before: other sessions change the sources while the fleet is inserted, and
    // three daemons each bundling them at start measured esbuild, not serein (8-9 s instead of 1.4-2.6 s).
    await serein(['--help']).exited;
    const daemons = await Promise.all(
      Array.from({ length: DAEMONS }, (_, i) =>
        startServe(dir, `  driver: postgres\n  url: "${url}"`, `daemon${i}`).then((d) => ({
          ...d,
          cpu: cpuMs(d.child.pid!),
        })),
      ),
    );
    const starts = daemons.map((d) => d.ms);
    const cpu = daemons.map((d) => d.cpu);
    const rss = daemons.map((d) => rssMb(d.child.pid!));
    for (const d of daemons) d.child.kill('SIGTERM');
    await Promise.all(daemons.map((d) => d.child.exited));

    // 2. The three schedules' passes at once, each on its own store connection; submissions counted per certificate.
    const submitted = new Map<string, number>();
    const schedules = stores.map((store) => {
      const engine = scheduleEngine(config, store, async (_caller, req) => {
        const id = String(req.inputs?.certificate);
        submitted.set(id, (submitted.get(id) ?? 0) + 1);
        return renewedAtOnce();
      });
      return { services: engine.services, maintenance: new CertificateMaintenance(engine) };
    });
    const tp = performance.now();
    const reports = await Promise.all(schedules.map((s) => s.maintenance.tick()));
    const passMs = performance.now() - tp;
    const dueIds = new Set(ids.slice(0, due));
    const once = [...dueIds].filter((id) => submitted.get(id) === 1).length;
    const twice = [...submitted.values()].filter((n) => n > 1).length;
    const notDue = [...submitted.keys()].filter((id) => !dueIds.has(id)).length;

    // 3. Every window stale: the three passes at once ask the CA; each window must be new after them.
    await sql`UPDATE certificates SET ari_checked_at = NULL, ari_window_start = NULL, ari_window_end = NULL`.execute(
      stores[0].db,
    );
    await sql`ANALYZE certificates`.execute(stores[0].db); // as autovacuum soon would: the planner sees every window stale
    const asked0 = ca.asked();
    const ta = performance.now();
    const ari = await Promise.all(schedules.map((s) => s.maintenance.tick()));
    const ariS = (performance.now() - ta) / 1000;
    const fresh = await sql<{
      n: string | number;
    }>`SELECT count(*) AS n FROM certificates WHERE ari_window_start IS NOT NULL AND ari_checked_at IS NOT NULL`.execute(
      stores[0].db,
    );
    const refreshed = Number(fresh.rows[0].n);
    const pollS = config.renewal.ariPollHours * 3600;
    for (const s of schedules) s.services.certificates.accounts.close();
    return {
      [`certificates in the PostgreSQL store (inserted in bulk in ${insertS.toFixed(1)} s)`]: N,
      [`${DAEMONS} daemons started at once: start to /healthz 200, each`]: stat(starts, 'ms'),
      [`${DAEMONS} daemons: processor time each used by its /healthz 200 (the start's work, whatever the load)`]: stat(
        cpu,
        'ms',
      ),
      [`${DAEMONS} daemons: resident memory after start, each`]: stat(rss, 'MB'),
      [`renewal pass, 1 % due (${due}), ${DAEMONS} schedules at once, renewals stubbed at the engine (serein time)`]:
        stat([passMs], 'ms'),
      [`renewal pass: due certificates submitted exactly once across the ${DAEMONS}`]: `${once} of ${due}; ${twice} submitted more than once; ${notDue} not due submitted; reported renewed ${reports.map((r) => r.renewed.length).join(' + ')}`,
      [`ARI refresh of the whole fleet, ${DAEMONS} passes at once, CA stub answering at once (1 run)`]: `${ariS.toFixed(1)} s, ${ca.asked() - asked0} renewalInfo questions for ${N} windows (${ari.map((r) => r.ariChecked).join(' + ')} answered); ${refreshed} of ${N} windows refreshed; polling interval ${pollS} s: ${refreshed === N && ariS < pollS ? 'met' : 'MISSED'}`,
    };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    ca.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
