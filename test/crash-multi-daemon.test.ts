/**
 * Crashes among several daemons (issue 25): three real `serein serve` processes share one
 * PostgreSQL store and the lab's nginx, and run mixed operations (vhost create and delete,
 * certificate issue and renew against Pebble, database create and delete on MariaDB and
 * PostgreSQL, trash.restore), each round's jobs submitted to daemons chosen at random. Once
 * per round one daemon, chosen at random, is SIGKILLed after a random number of job events
 * (read from the shared store) and started again; its running jobs are taken over by
 * whichever daemon finds their lease ended. Both choices come from a seeded generator
 * (SEREIN_CRASH_SEED replays a run). After every round the single-daemon crash test's
 * promises hold (test/helpers/crash-checks.ts): every job ended, none needs attention;
 * `nginx -t` passes; the vhost files, certificate folders and keys, databases and users, and
 * the trash's copies are exactly what the store says; no key and no password file is left.
 *
 * SEREIN_CRASH_OPS operations (30 in CI; 300 is the target), SEREIN_CRASH_BATCH a round.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePassword } from '../src/secrets.js';
import { labCertConfig, labNginx } from './helpers/acme-lab.js';
import { crashProblems } from './helpers/crash-checks.js';
import { seeded } from './helpers/crash-ops.js';
import { crashFigures, crashRounds, waitJob } from './helpers/crash-rounds.js';
import { openStoreReader, readModel, type StoreReader } from './helpers/crash-store.js';
import { dropByPrefix, pgRoot, storeDatabase } from './helpers/db-lab.js';
import { freePort, serein, type SereinChild } from './helpers/process.js';
import { notePrivateKeys, noteSecrets } from './helpers/secrets-scan.js';
import { keepServeLog, serveApi, serveReady } from './helpers/serve-process.js';
import { tempDir } from './helpers/tmp.js';
import { removeLeftSiteFiles } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

const OPS = Number(process.env.SEREIN_CRASH_OPS ?? 30);
const BATCH = Number(process.env.SEREIN_CRASH_BATCH ?? 8);
const SEED = Number(process.env.SEREIN_CRASH_SEED ?? randomBytes(4).readUInt32LE(0));
const DAEMONS = 3;

const rand = seeded(SEED);

/** One daemon: its config file and address, and its current process (replaced at each restart). */
interface Daemon {
  name: string;
  configFile: string;
  url: string;
  child?: SereinChild;
}

let lab: LabInfo;
let dir: string;
let db: { url: string; drop(): Promise<void> } | undefined;
let reader: StoreReader | undefined;
let token = '';
let client = '';
const daemons: Daemon[] = [];
const tenant = `m${randomBytes(4).toString('hex')}`;
const reg = `${randomBytes(4).toString('hex')}.test`;
/** The PostgreSQL admin serein uses: this test's own role, so a password file holding its password can only be this test's. */
const pgAdmin = `${tenant}adm`;
const pgAdminPassword = generatePassword();
const figures = crashFigures();

const running = (d: Daemon) => d.child !== undefined && d.child.exitCode === null && d.child.signalCode === null;

/** Starts a daemon's `serein serve` and waits until it answers (the first start prints the admin token). */
async function start(d: Daemon): Promise<void> {
  d.child = serein(['serve', '--config', d.configFile]);
  token = await serveReady(d.child, d.url, token);
}

let turn = 0;
/** An API call to one of the running daemons, in turn: they share the store, so any one answers for all. */
const api = (method: string, path: string, body?: unknown, as = token): Promise<any> => {
  const up = daemons.filter(running);
  return serveApi(up[turn++ % up.length].url, as, method, path, body);
};

beforeAll(async () => {
  lab = await useLab('pebble', 'mariadb', 'postgres');
  dir = tempDir('serein-crashmulti-');
  db = await storeDatabase(lab, 'serein_crashmulti');
  await pgRoot(lab, (c) => c.query(`CREATE ROLE "${pgAdmin}" LOGIN CREATEDB CREATEROLE PASSWORD '${pgAdminPassword}'`));
  noteSecrets('postgres admin password', pgAdminPassword);
  const m = lab.mariadb!;
  const p = lab.postgres!;
  for (let i = 0; i < DAEMONS; i++) {
    const port = await freePort();
    // Every daemon: the same store, state folder (seal key, ACME account), nginx, folders and servers.
    const config = {
      ...labCertConfig(lab, dir),
      server: { host: '127.0.0.1', port },
      store: { driver: 'postgres', url: db.url },
      playbooks: resolve(import.meta.dirname, '../playbooks'),
      log: { level: 'warn' },
      renewal: { enabled: false },
      targets: { local: { type: 'local' } },
      webservers: { web: labNginx(lab, dir) },
      databases: {
        maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password },
        pg: { engine: 'postgres', host: p.host, port: p.port, user: pgAdmin, password: pgAdminPassword },
      },
      quotas: { runningJobs: 1000, vhosts: 1000, databases: 1000 },
      trash: { dir: join(dir, 'trash') },
    };
    const configFile = join(dir, `daemon${i}.yaml`);
    writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
    daemons.push({ name: `daemon${i}`, configFile, url: `http://127.0.0.1:${port}` });
  }
  await start(daemons[0]); // the first creates the schema, the seal key and the admin token
  await Promise.all(daemons.slice(1).map(start));
  reader = openStoreReader({ driver: 'postgres', url: db.url });
  await api('POST', '/v1/tenants', { id: tenant, name: `Tenant ${tenant}`, language: 'en' });
  for (const r of [
    { kind: 'domain', name: reg },
    { kind: 'server', name: 'web' },
    { kind: 'server', name: 'maria' },
    { kind: 'server', name: 'pg' },
  ])
    await api('POST', `/v1/tenants/${tenant}/resources`, r);
  client = (await api('POST', '/v1/tokens', { kind: 'client', tenantId: tenant })).token;
  noteSecrets('client token', client);
}, 180_000);

afterAll(async () => {
  // The lab's nginx is shared: take this test's sites down before their folders go.
  if (daemons.some(running) && token) {
    const m = await readModel(api, tenant).catch(() => undefined);
    for (const s of m?.sites ?? []) {
      const id = (
        await api('POST', '/v1/jobs', { playbook: 'vhost.delete', inputs: { domain: s.name } }).catch(() => undefined)
      )?.job.id;
      if (id) await waitJob(api, id, token).catch(() => undefined);
    }
  }
  for (const d of daemons.filter(running)) d.child!.kill('SIGTERM');
  for (const d of daemons) if (d.child) await d.child.exited;
  for (const d of daemons) if (d.child) keepServeLog(d.child);
  await reader?.destroy();
  if (lab) {
    // Whatever is still there (the daemons gone before they could delete a site) must not
    // outlive this test's folders: every later `nginx -t` on the shared nginx would fail.
    for (const f of removeLeftSiteFiles(lab, (f) => f.includes(reg)))
      console.warn(`multi-daemon crash test: vhost file left after cleanup, removed: ${f}`);
    await dropByPrefix(lab, [`${tenant}_`]);
    await pgRoot(lab, (c) => c.query(`DROP ROLE IF EXISTS "${pgAdmin}"`)).catch(() => undefined);
  }
  await db?.drop();
  if (dir) notePrivateKeys(join(dir, 'certs'));
}, 300_000);

describe('SIGKILL of one of three daemons at random moments', () => {
  it(
    `${OPS} operations over ${DAEMONS} daemons on one PostgreSQL store, one killed per round of ${BATCH}: nothing lost`,
    async () => {
      console.log(
        `multi-daemon crash test: seed ${SEED} (SEREIN_CRASH_SEED=${SEED} replays it), ${OPS} operations, ${DAEMONS} daemons`,
      );
      const problems = () =>
        crashProblems(
          {
            lab,
            dir,
            certDirs: [join(dir, 'certs')],
            keyRoots: [join(dir, 'certs'), join(dir, 'www'), join(dir, 'logs')],
            reg,
            tenant,
            pgAdminPassword,
            reader: reader!,
            api,
          },
          figures,
        );
      expect(await problems(), 'before any kill').toEqual([]);
      const world = {
        rand,
        reg,
        webservers: ['web'],
        certWebservers: new Set(['web']),
        dbServers: ['maria', 'pg'],
        client,
        admin: token,
      };
      await crashRounds(
        {
          world,
          tenant,
          reader: reader!,
          api,
          submit: async (op) => {
            const to = daemons[Math.floor(rand() * DAEMONS)];
            return (await serveApi(to.url, op.as, 'POST', '/v1/jobs', { playbook: op.playbook, inputs: op.inputs })).job
              .id;
          },
          killOne: async () => {
            const victim = daemons[Math.floor(rand() * DAEMONS)];
            const killed = victim.child!;
            killed.kill('SIGKILL');
            await killed.exited;
            keepServeLog(killed);
            await start(victim);
            return victim.name;
          },
          problems,
        },
        { ops: OPS, batch: BATCH, seed: SEED },
        figures,
      );
      console.log(`multi-daemon crash test figures: ${JSON.stringify(figures)}`);
      expect(figures.needsAttention, figures.firstError).toBe(0);
      expect(figures.kills).toBeGreaterThanOrEqual(Math.ceil(OPS / BATCH));
      expect(figures.killsMidJob).toBeGreaterThan(0);
      // Every job ran on the daemons it was given to or that took it over: more than one ran them.
      const owners = await reader!.selectFrom('jobs').select('owner').distinct().execute();
      expect(owners.length).toBeGreaterThan(1);
    },
    Number(process.env.SEREIN_CRASH_TIMEOUT_MS ?? 900_000),
  );
});
