/**
 * Crashes across every operation (issue 13): a real `serein serve` process runs mixed
 * operations (vhost create, with PHP or not, and delete, certificate issue and renew, database create and
 * delete on MariaDB and PostgreSQL) through the local, SSH and Docker targets, and is
 * SIGKILLed once per round at a random moment: after a random number of job events (read
 * from its store), chosen by a seeded generator (SEREIN_CRASH_SEED replays a run). The
 * restarted daemon recovers; then, every round:
 * - every job is terminal, and none needs attention (no undo failed);
 * - `nginx -t` passes on the lab's nginx and on the container's;
 * - every site the store knows answers its probe, and every vhost file of this test
 *   belongs to a site the store knows (and the reverse);
 * - every certificate folder belongs to an active certificate and the reverse; its key
 *   matches its chain, whose serial is the active one, and nginx serves it: no key lost;
 * - no file holding a private key exists outside an active certificate's folder (no backup
 *   of a replaced key, no temporary file, nothing left by a deleted site): no key outlives its use;
 * - every database and user of this test's tenant is one the store knows, and the reverse;
 * - no PostgreSQL password file (the psql client's PGPASSFILE) is left on the host or in
 *   the container;
 * - every deleted database has its copy in the trash, and every copy the trash records is
 *   on its target (deletes with removeFiles and trash.restore are among the operations).
 * - every PHP pool of this test belongs to a site the store knows (half the sites made on
 *   the lab's nginx run PHP in their own pool, as their own user).
 *
 * SEREIN_CRASH_OPS operations (100 in CI; `npm run soak` runs 1,000), SEREIN_CRASH_BATCH a
 * round, SEREIN_CRASH_TARGETS (local,ssh,docker). The figures are printed at the end.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePassword } from '../src/secrets.js';
import { labCertConfig, labNginx } from './helpers/acme-lab.js';
import { crashProblems } from './helpers/crash-checks.js';
import { seeded } from './helpers/crash-ops.js';
import { crashFigures, crashRounds, waitJob } from './helpers/crash-rounds.js';
import { openStoreReader, readModel, type StoreReader } from './helpers/crash-store.js';
import { dropByPrefix, pgRoot, psqlBinary } from './helpers/db-lab.js';
import { freePort, serein } from './helpers/process.js';
import { keepStoreForScan, notePrivateKeys, noteSecrets } from './helpers/secrets-scan.js';
import { keepServeLog, serveApi, serveReady } from './helpers/serve-process.js';
import { tempDir } from './helpers/tmp.js';
import { startContainerNginx, type ContainerNginx } from './helpers/vhost-container.js';
import { labWebserver, removeLeftSiteFiles } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

const OPS = Number(process.env.SEREIN_CRASH_OPS ?? 100);
const BATCH = Number(process.env.SEREIN_CRASH_BATCH ?? 6);
const SEED = Number(process.env.SEREIN_CRASH_SEED ?? randomBytes(4).readUInt32LE(0));
const TARGETS = new Set((process.env.SEREIN_CRASH_TARGETS ?? 'local,ssh,docker').split(','));

const rand = seeded(SEED);

let lab: LabInfo;
let cn: ContainerNginx | undefined;
let dir: string;
let configFile: string;
let storePath: string;
let reader: StoreReader | undefined;
let url: string;
let token = '';
let client = '';
let daemon: ReturnType<typeof serein> | undefined;
const tenant = `k${randomBytes(4).toString('hex')}`;
const reg = `${randomBytes(4).toString('hex')}.test`;
/** The PostgreSQL admin serein uses: this test's own role, so a password file holding its password can only be this test's. */
const pgAdmin = `${tenant}adm`;
const pgAdminPassword = generatePassword();

const webservers = ['web', ...(TARGETS.has('ssh') ? ['webssh'] : []), ...(TARGETS.has('docker') ? ['webdocker'] : [])];
/** Web servers Pebble can validate http-01 on (the lab's nginx; the container's nginx listens elsewhere). */
const certWebservers = new Set(['web', 'webssh']);
const dbServers = [
  'maria',
  'pg',
  ...(TARGETS.has('ssh') ? ['mariassh', 'pgssh'] : []),
  ...(TARGETS.has('docker') ? ['mariadocker', 'pgdocker'] : []),
];

const figures = crashFigures();

/** Starts `serein serve` and waits until it answers. */
async function start(): Promise<void> {
  daemon = serein(['serve', '--config', configFile]);
  token = await serveReady(daemon, url, token);
}

const api = (method: string, path: string, body?: unknown, as = token): Promise<any> =>
  serveApi(url, as, method, path, body);

/** This test's PHP pools (their header names the tenant and the site), as file name and site. */
function ourPools(): { file: string; site: string }[] {
  const poolDir = lab.phpFpm?.poolDir;
  if (!poolDir) return [];
  const header = new RegExp(`^; Managed by serein for ${tenant}: (\\S+)\\. `, 'm');
  return readdirSync(poolDir)
    .filter((f) => f.endsWith('.conf'))
    .flatMap((f) => {
      const site = header.exec(readFileSync(join(poolDir, f), 'utf8'))?.[1];
      return site ? [{ file: join(poolDir, f), site }] : [];
    });
}

/** Every PHP pool of this test belongs to a site the store knows: none outlives its site or an undone create. */
async function poolProblems(): Promise<string[]> {
  const sites = new Set((await readModel(api, tenant)).sites.map((s) => s.name));
  return ourPools()
    .filter((p) => !sites.has(p.site))
    .map((p) => `php-fpm pool ${p.file} left for ${p.site}, a site the store does not know`);
}

/** Every promise of the issue, checked against the lab (see crashProblems), and the PHP pools. */
const problems = async () => [
  ...(await crashProblems(
    {
      lab,
      cn,
      dir,
      certDirs: [join(dir, 'certs'), join(dir, 'ssh', 'certs')],
      keyRoots: [join(dir, 'certs'), join(dir, 'ssh'), join(dir, 'www'), join(dir, 'logs')],
      reg,
      tenant,
      pgAdminPassword,
      reader: reader!,
      api,
    },
    figures,
  )),
  ...(await poolProblems()),
];

beforeAll(async () => {
  lab = await useLab(
    'pebble',
    'mariadb',
    'postgres',
    'phpFpm',
    ...(TARGETS.has('ssh') ? (['sshd'] as const) : []),
    ...(TARGETS.has('docker') ? (['podman'] as const) : []),
  );
  dir = tempDir('serein-crash-');
  configFile = join(dir, 'config.yaml');
  storePath = join(dir, 'serein.db');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  await pgRoot(lab, (c) => c.query(`CREATE ROLE "${pgAdmin}" LOGIN CREATEDB CREATEROLE PASSWORD '${pgAdminPassword}'`));
  noteSecrets('postgres admin password', pgAdminPassword);
  const m = lab.mariadb!;
  const p = lab.postgres!;
  const maria = { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password };
  const pgsql = { engine: 'postgres', host: p.host, port: p.port, user: pgAdmin, password: pgAdminPassword };
  const targets: Record<string, unknown> = { local: { type: 'local' } };
  const f = lab.phpFpm!;
  // PHP on the lab's nginx: vhost.create with php: true makes the site's pool (tested, reloaded, probed) among the operations.
  const php = { fpm: f.fpm, poolDir: f.poolDir, socketDir: f.socketDir, pidFile: f.pidFile };
  const webs: Record<string, unknown> = { web: { ...labNginx(lab, dir), php } };
  const dbs: Record<string, unknown> = { maria, pg: pgsql };
  if (TARGETS.has('ssh')) {
    const s = lab.sshd!;
    targets.labssh = {
      type: 'ssh',
      host: s.host,
      port: s.port,
      username: s.username,
      privateKeyPath: s.privateKeyPath,
      hostKeySha256: s.hostKeySha256,
    };
    webs.webssh = labWebserver(lab, join(dir, 'ssh'), 'labssh', {
      publicAddresses: ['127.0.0.1', '::1'],
      batchWindowMs: 20,
      probeTimeoutMs: 5000,
    });
    dbs.mariassh = { ...maria, via: 'client', target: 'labssh' };
    dbs.pgssh = { ...pgsql, via: 'client', target: 'labssh', client: [psqlBinary()] };
  }
  if (TARGETS.has('docker')) {
    const dockerTarget = { type: 'docker', socketPath: lab.podman!.socketPath, container: lab.podman!.container };
    targets.labdocker = dockerTarget;
    cn = await startContainerNginx(lab.podman!);
    webs.webdocker = labWebserver(cn, posix.join(cn.prefix, 'site'), 'labdocker', { batchWindowMs: 20 });
    dbs.mariadocker = { ...maria, via: 'client', target: 'labdocker' };
    dbs.pgdocker = { ...pgsql, via: 'client', target: 'labdocker', client: [psqlBinary()] };
  }
  const config = {
    ...labCertConfig(lab, dir),
    server: { host: '127.0.0.1', port },
    store: { driver: 'sqlite', path: storePath },
    playbooks: resolve(import.meta.dirname, '../playbooks'),
    log: { level: 'warn' },
    renewal: { enabled: false },
    targets,
    webservers: webs,
    databases: dbs,
    quotas: { runningJobs: 1000, vhosts: 1000, databases: 1000 },
    trash: { dir: join(dir, 'trash') },
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  await start();
  reader = openStoreReader({ driver: 'sqlite', path: storePath });
  await api('POST', '/v1/tenants', { id: tenant, name: `Tenant ${tenant}`, language: 'en' });
  await api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'domain', name: reg });
  for (const s of [...webservers, ...dbServers])
    await api('POST', `/v1/tenants/${tenant}/resources`, { kind: 'server', name: s });
  client = (await api('POST', '/v1/tokens', { kind: 'client', tenantId: tenant })).token;
  noteSecrets('client token', client);
}, 180_000);

afterAll(async () => {
  try {
    // The lab's nginx is shared: take this test's sites down before their folders go.
    if (daemon && daemon.exitCode === null && token) {
      const m = await readModel(api, tenant).catch(() => undefined);
      for (const s of m?.sites ?? []) {
        const id = (
          await api('POST', '/v1/jobs', { playbook: 'vhost.delete', inputs: { domain: s.name } }).catch(() => undefined)
        )?.job.id;
        if (id) await waitJob(api, id, token).catch(() => undefined);
      }
      daemon.kill('SIGTERM');
      await daemon.exited;
    }
    if (daemon) keepServeLog(daemon);
    await reader?.destroy();
    if (lab) {
      // Whatever is still there (the daemon gone before it could delete a site) must not
      // outlive this test's folders: every later `nginx -t` on the shared nginx would fail.
      for (const f of removeLeftSiteFiles(lab, (f) => f.includes(reg)))
        console.warn(`crash test: vhost file left after cleanup, removed: ${f}`);
      await dropByPrefix(lab, [`${tenant}_`]);
      // Pools of sites the daemon could not delete: php-fpm must not keep running them once their users go.
      const left = ourPools();
      for (const p of left) rmSync(p.file, { force: true });
      if (left.length && lab.phpFpm) process.kill(Number(readFileSync(lab.phpFpm.pidFile, 'utf8').trim()), 'SIGUSR2');
      await pgRoot(lab, (c) => c.query(`DROP ROLE IF EXISTS "${pgAdmin}"`)).catch(() => undefined);
    }
    if (dir) {
      notePrivateKeys(join(dir, 'certs'));
      notePrivateKeys(join(dir, 'ssh', 'certs'));
      keepStoreForScan(storePath);
    }
  } finally {
    await cn?.stop();
  }
}, 300_000);

describe('SIGKILL at random moments across every operation', () => {
  it(
    `${OPS} operations, the daemon killed once per round of ${BATCH}: nothing lost`,
    async () => {
      console.log(
        `crash test: seed ${SEED} (SEREIN_CRASH_SEED=${SEED} replays it), ${OPS} operations, targets ${[...TARGETS].join(',')}`,
      );
      expect(await problems(), 'before any kill').toEqual([]);
      const world = {
        rand,
        reg,
        webservers,
        certWebservers,
        dbServers,
        client,
        admin: token,
        phpWebservers: new Set(['web']),
      };
      await crashRounds(
        {
          world,
          tenant,
          reader: reader!,
          api,
          submit: async (op) =>
            (await api('POST', '/v1/jobs', { playbook: op.playbook, inputs: op.inputs }, op.as)).job.id,
          killOne: async () => {
            const killed = daemon!;
            killed.kill('SIGKILL');
            await killed.exited;
            keepServeLog(killed);
            await start();
            return 'serve';
          },
          problems,
        },
        { ops: OPS, batch: BATCH, seed: SEED },
        figures,
      );
      console.log(`crash test figures: ${JSON.stringify(figures)}`);
      expect(figures.needsAttention, figures.firstError).toBe(0);
      expect(figures.kills).toBeGreaterThanOrEqual(Math.ceil(OPS / BATCH));
      expect(figures.killsMidJob).toBeGreaterThan(0);
    },
    Number(process.env.SEREIN_CRASH_TIMEOUT_MS ?? 900_000),
  );
});
