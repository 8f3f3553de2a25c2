/**
 * Crashes across every operation (issue 13): a real `serein serve` process runs mixed
 * operations (vhost create and delete, certificate issue and renew, database create and
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
 *
 * SEREIN_CRASH_OPS operations (100 in CI; `npm run soak` runs 1,000), SEREIN_CRASH_BATCH a
 * round, SEREIN_CRASH_TARGETS (local,ssh,docker). The figures are printed at the end.
 */
import Database from 'better-sqlite3';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedCertificate } from '../src/certificates/install.js';
import { generatePassword } from '../src/secrets.js';
import { labCertConfig, labNginx } from './helpers/acme-lab.js';
import { dropByPrefix, mariaRoot, pgRoot, psqlBinary } from './helpers/db-lab.js';
import { freePort, serein, until } from './helpers/process.js';
import { keepStoreForScan, notePrivateKeys, noteSecrets } from './helpers/secrets-scan.js';
import { keepServeLog, serveApi, serveReady } from './helpers/serve-process.js';
import { tempDir } from './helpers/tmp.js';
import {
  chooseOps,
  deletedDatabases,
  lastEvent,
  openJobs,
  seeded,
  trashCopies,
  type Model,
} from './helpers/crash-ops.js';
import { privateKeyFiles, strayKeyFiles } from './helpers/key-files.js';
import { startContainerNginx, type ContainerNginx } from './helpers/vhost-container.js';
import { getWithHost, labNginxTest, labWebserver, removeLeftSiteFiles } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

const OPS = Number(process.env.SEREIN_CRASH_OPS ?? 100);
const BATCH = Number(process.env.SEREIN_CRASH_BATCH ?? 6);
const SEED = Number(process.env.SEREIN_CRASH_SEED ?? randomBytes(4).readUInt32LE(0));
const TARGETS = new Set((process.env.SEREIN_CRASH_TARGETS ?? 'local,ssh,docker').split(','));
const TERMINAL = ['succeeded', 'failed', 'needs-attention'];

const rand = seeded(SEED);

let lab: LabInfo;
let cn: ContainerNginx | undefined;
let dir: string;
let configFile: string;
let storePath: string;
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

const figures = {
  operations: 0,
  byPlaybook: {} as Record<string, number>,
  kills: 0,
  killsMidJob: 0,
  interrupted: 0,
  succeeded: 0,
  failed: 0,
  needsAttention: 0,
  lost: 0,
  checks: 0,
  backupsKept: 0,
  tempFilesLeft: 0,
  emptyCertFolders: 0,
  backupOnlyCertFolders: 0,
  trashCopies: 0,
  firstError: '',
};

/** Starts `serein serve` and waits until it answers. */
async function start(): Promise<void> {
  daemon = serein(['serve', '--config', configFile]);
  token = await serveReady(daemon, url, token);
}

const api = (method: string, path: string, body?: unknown, as = token): Promise<any> =>
  serveApi(url, as, method, path, body);

/** Waits for a job to end; the requester reads it (a shown-once password goes to it). */
async function waitJob(id: string, as: string): Promise<any> {
  return until(
    `job ${id} to end`,
    async () => {
      const res = await api('GET', `/v1/jobs/${id}`, undefined, as);
      return TERMINAL.includes(res.job.status) ? res.job : undefined;
    },
    180_000,
  );
}

/** What the store knows: this test's sites, active certificates and databases. */
async function model(): Promise<Model> {
  const resources = (await api('GET', `/v1/resources?tenantId=${tenant}`)).resources as any[];
  const sites = resources
    .filter((r) => r.kind === 'vhost')
    .map((r) => ({ name: r.name as string, webserver: r.data.webserver as string }));
  const databases = resources
    .filter((r) => r.kind === 'database')
    .map((r) => {
      // recorded as `<server>:<tenant>_<name>`
      const [server, database] = (r.name as string).split(':');
      return { server, database, name: database.slice(tenant.length + 1) };
    });
  const certs = (await api('GET', `/v1/certificates?status=active&tenantId=${tenant}`)).certificates as any[];
  const active = certs.map((c) => ({ id: c.id as string, site: c.domains[0] as string, serial: c.serial as string }));
  const trash = ((await api('GET', `/v1/trash?tenantId=${tenant}`)).trash as any[]).map((t) => ({
    id: t.id as string,
    kind: t.kind as string,
    name: t.name as string,
  }));
  return { sites, active, databases, trash };
}

/** Lists a folder inside the container (empty when it does not exist). */
async function containerList(path: string): Promise<string[]> {
  const r = await cn!.target.run(['sh', '-c', 'ls -A -- "$1" 2>/dev/null || true', 'sh', path], { timeoutMs: 15_000 });
  return r.stdout.split('\n').filter(Boolean);
}

const localList = (path: string) => (existsSync(path) ? readdirSync(path) : []);
const sameSerial = (a: string | undefined, b: string) =>
  a?.replace(/^0+/, '').toLowerCase() === b?.replace(/^0+/, '').toLowerCase();

/** Every promise of the issue, checked against the lab; returns what is wrong (empty: nothing). */
async function problems(): Promise<string[]> {
  const out: string[] = [];
  figures.checks++;
  const m = await model();
  // every job terminal
  for (const status of ['queued', 'running']) {
    const open = (await api('GET', `/v1/jobs?status=${status}&limit=1000`)).jobs as any[];
    if (open.length) out.push(`${open.length} jobs ${status}: ${open.map((j) => j.id).join(' ')}`);
  }
  // nginx -t on both nginx
  const t = labNginxTest(lab);
  if (!t.ok) out.push(`lab nginx -t fails: ${t.output}`);
  if (cn) {
    const ct = await cn.test();
    if (!ct.ok) out.push(`container nginx -t fails: ${ct.output}`);
  }
  // vhost files: this test's files in each include folder are exactly the store's sites on it
  // (`<file>.serein-bak`: the previous version nginx changes keep by design, never included by nginx: counted, not a site)
  const isBackup = (f: string) => f.endsWith('.conf.serein-bak');
  const labAll = localList(lab.nginx!.vhostDir).filter(
    (f) =>
      f.includes(reg) || (f.startsWith('.serein-') && readFileSync(join(lab.nginx!.vhostDir, f), 'utf8').includes(reg)),
  );
  // (`.serein-<random>.tmp`: a write cut by the kill between its temporary file and the rename; inert, never included
  // by nginx, and left: removing them safely needs to know no other writer is using them. Counted and reported.)
  const isTemp = (f: string) => /^\.serein-[0-9a-f]+\.tmp$/.test(f);
  const labFiles = labAll.filter((f) => !isBackup(f) && !isTemp(f));
  figures.backupsKept = labAll.filter(isBackup).length;
  figures.tempFilesLeft = labAll.filter(isTemp).length;
  const want = (ws: string[]) =>
    m.sites
      .filter((s) => ws.includes(s.webserver))
      .map((s) => `${s.name}.conf`)
      .sort();
  const labWant = want(['web', 'webssh']);
  if (JSON.stringify(labFiles.sort()) !== JSON.stringify(labWant))
    out.push(`lab vhost files ${JSON.stringify(labFiles)} but the store has ${JSON.stringify(labWant)}`);
  if (cn) {
    const all = (await containerList(cn.vhostDir)).filter((f) => f.includes(reg) || f.startsWith('.serein-'));
    const files = all.filter((f) => !isBackup(f) && !isTemp(f));
    figures.backupsKept += all.filter(isBackup).length;
    figures.tempFilesLeft += all.filter(isTemp).length;
    const cw = want(['webdocker']);
    if (JSON.stringify(files.sort()) !== JSON.stringify(cw))
      out.push(`container vhost files ${JSON.stringify(files)} but the store has ${JSON.stringify(cw)}`);
  }
  // every site answers its probe (plain HTTP, or its redirect to HTTPS)
  for (const s of m.sites) {
    const port = s.webserver === 'webdocker' ? cn!.port : lab.nginx!.port;
    const res = await getWithHost('127.0.0.1', port, s.name).catch((err) => ({
      status: 0,
      body: String(err),
      location: undefined,
    }));
    const ok =
      (res.status === 200 && res.body.includes(`${s.name} is ready`)) ||
      ([301, 302, 307, 308].includes(res.status) && res.location?.startsWith(`https://${s.name}`));
    if (!ok) out.push(`site ${s.name} (${s.webserver}) answers ${res.status} ${res.body.slice(0, 80)}`);
  }
  // certificate folders are exactly the active certificates; each key matches its chain; nginx serves it
  const certDirs = [join(dir, 'certs'), join(dir, 'ssh', 'certs')];
  // (an empty folder is no certificate: an undone install removes the files it wrote and leaves their folder; counted)
  const everyFolder = certDirs.flatMap((d) => localList(d).map((f) => ({ d, f, files: localList(join(d, f)) })));
  // (a folder holding only `fullchain.pem.serein-bak`: an issue undone after its install wrote the files keeps the
  // removed chain as a backup, like every nginx change; never a key: a folder with any key file must be an active one's)
  const folders = everyFolder.filter((x) => x.files.some((f) => f !== 'fullchain.pem.serein-bak'));
  figures.emptyCertFolders = everyFolder.filter((x) => x.files.length === 0).length;
  figures.backupOnlyCertFolders = everyFolder.filter((x) => x.files.length > 0 && !folders.includes(x)).length;
  const activeNames = m.active.map((c) => c.site).sort();
  const folderNames = folders.map((x) => x.f).sort();
  if (JSON.stringify(folderNames) !== JSON.stringify(activeNames))
    out.push(
      `certificate folders ${JSON.stringify(folders.map((x) => `${x.f}: ${x.files.join(',')}`))} but active certificates for ${JSON.stringify(activeNames)}`,
    );
  for (const c of m.active) {
    const at = folders.find((x) => x.f === c.site);
    if (!at) continue;
    const files = join(at.d, c.site);
    try {
      const chain = new X509Certificate(readFileSync(join(files, 'fullchain.pem')));
      if (!sameSerial(chain.serialNumber, c.serial))
        out.push(`${c.site}: on disk ${chain.serialNumber}, active ${c.serial}`);
      if (!chain.checkPrivateKey(createPrivateKey(readFileSync(join(files, 'privkey.pem')))))
        out.push(`${c.site}: the key does not match the chain`);
    } catch (err) {
      out.push(`${c.site}: certificate files unreadable (key lost?): ${String(err)}`);
    }
    // (the chain's backup is no secret; a key never has one)
    const extra = localList(files).filter(
      (f) => !['fullchain.pem', 'privkey.pem', 'fullchain.pem.serein-bak'].includes(f),
    );
    if (extra.length) out.push(`${c.site}: stray files ${JSON.stringify(extra)}`);
    if (m.sites.some((s) => s.name === c.site)) {
      const served = await servedCertificate({ address: '127.0.0.1', port: lab.nginx!.tlsPort, servername: c.site });
      if (!sameSerial(served.serial, c.serial))
        out.push(`${c.site}: nginx serves ${served.serial ?? served.error}, active ${c.serial}`);
    }
  }
  // no file holding a private key anywhere under this test's folders (certificates, sites, logs; the vhost folder's
  // files of this test) but the key of an active certificate, in its folder: no backup, temporary file or leftover
  const activeKeys = m.active.flatMap((c) => certDirs.map((d) => join(d, c.site, 'privkey.pem')));
  const vhostTemps = labAll.filter(isTemp).map((f) => join(lab.nginx!.vhostDir, f));
  const stray = [
    ...strayKeyFiles([join(dir, 'certs'), join(dir, 'ssh'), join(dir, 'www'), join(dir, 'logs')], activeKeys),
    ...vhostTemps.filter((f) => privateKeyFiles(f).length),
  ];
  if (stray.length) out.push(`private keys outside an active certificate's folder: ${stray.join(' ')}`);
  // databases and users of this tenant: exactly the store's
  const prefix = `${tenant}_`;
  const known = (engine: string) =>
    m.databases
      .filter((d) => d.server.startsWith(engine === 'mariadb' ? 'maria' : 'pg'))
      .map((d) => d.database)
      .sort();
  const [mdb, musers] = await mariaRoot(lab, async (c) => {
    const [d] = await c.query('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [
      `${prefix}%`,
    ]);
    const [u] = await c.query('SELECT DISTINCT User AS n FROM mysql.user WHERE User LIKE ?', [`${prefix}%`]);
    return [(d as { n: string }[]).map((r) => r.n).sort(), (u as { n: string }[]).map((r) => r.n).sort()];
  });
  const [pdb, pusers] = await pgRoot(lab, async (c) => [
    (await c.query('SELECT datname AS n FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1', [prefix])).rows
      .map((r) => r.n as string)
      .sort(),
    (await c.query('SELECT rolname AS n FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1', [prefix])).rows
      .map((r) => r.n as string)
      .sort(),
  ]);
  for (const [what, have, wanted] of [
    ['MariaDB databases', mdb, known('mariadb')],
    ['MariaDB users', musers, known('mariadb')],
    ['PostgreSQL databases', pdb, known('postgres')],
    ['PostgreSQL roles', pusers, known('postgres')],
  ] as const) {
    if (JSON.stringify(have) !== JSON.stringify(wanted))
      out.push(`${what} ${JSON.stringify(have)} but the store has ${JSON.stringify(wanted)}`);
  }
  // every copy the trash records is there, complete (a deleted database or site's files is never lost)
  const store = new Database(storePath, { readonly: true, fileMustExist: true });
  const copies = trashCopies(store);
  const deleted = deletedDatabases(store);
  store.close();
  for (const name of deleted)
    if (!copies.some((c) => c.name === name)) out.push(`database ${name} deleted with no copy in the trash`);
  for (const c of copies) {
    const there =
      c.target === 'labdocker'
        ? (await containerList(posix.dirname(c.file))).includes(posix.basename(c.file))
        : existsSync(c.file);
    if (!there) out.push(`trash copy ${c.id} recorded but missing at ${c.target || 'daemon'}:${c.file}`);
  }
  figures.trashCopies = copies.length;
  // no psql password file left: on the host (local and SSH targets) and in the container
  // (mktemp's folder: TMPDIR of the program serein starts, /tmp for the local target's minimal environment and SSH)
  const passwordFiles = () =>
    [...new Set(['/tmp', tmpdir()])]
      .flatMap((d) => localList(d).map((f) => join(d, f)))
      .filter((p) => {
        try {
          return statSync(p).isFile() && statSync(p).size < 4096 && readFileSync(p, 'utf8').includes(pgAdminPassword);
        } catch {
          return false;
        }
      });
  // (a dump or restore the kill left running keeps its file until pg_dump/pg_restore ends: in use, not left)
  const hostLeft = await until(
    'password files in use to go',
    async () => (passwordFiles().length ? undefined : []),
    20_000,
  ).catch(() => passwordFiles());
  if (hostLeft.length) out.push(`password files left on the host: ${hostLeft.join(' ')}`);
  if (cn) {
    const r = await cn.target.run(['sh', '-c', 'grep -rlF -f /dev/stdin /tmp 2>/dev/null || true'], {
      stdin: `${pgAdminPassword}\n`,
      timeoutMs: 15_000,
    });
    const left = r.stdout.split('\n').filter(Boolean);
    if (left.length) out.push(`password files left in the container: ${left.join(' ')}`);
  }
  return out;
}

beforeAll(async () => {
  lab = await useLab(
    'pebble',
    'mariadb',
    'postgres',
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
  const webs: Record<string, unknown> = { web: labNginx(lab, dir) };
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
      const m = await model().catch(() => undefined);
      for (const s of m?.sites ?? []) {
        const id = (
          await api('POST', '/v1/jobs', { playbook: 'vhost.delete', inputs: { domain: s.name } }).catch(() => undefined)
        )?.job.id;
        if (id) await waitJob(id, token).catch(() => undefined);
      }
      daemon.kill('SIGTERM');
      await daemon.exited;
    }
    if (daemon) keepServeLog(daemon);
    if (lab) {
      // Whatever is still there (the daemon gone before it could delete a site) must not
      // outlive this test's folders: every later `nginx -t` on the shared nginx would fail.
      for (const f of removeLeftSiteFiles(lab, (f) => f.includes(reg)))
        console.warn(`crash test: vhost file left after cleanup, removed: ${f}`);
      await dropByPrefix(lab, [`${tenant}_`]);
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
      const before = await problems();
      expect(before, 'before any kill').toEqual([]);
      let eventsPerOp = 6;
      let [eventsSeen, eventsOps] = [0, 0];
      while (figures.operations < OPS) {
        const ops = chooseOps(
          { rand, reg, webservers, certWebservers, dbServers, client, admin: token },
          await model(),
          Math.min(BATCH, OPS - figures.operations),
        );
        const store = new Database(storePath, { readonly: true, fileMustExist: true });
        const base = lastEvent(store);
        const ids: { id: string; as: string; playbook: string }[] = [];
        for (const op of ops) {
          const res = await api('POST', '/v1/jobs', { playbook: op.playbook, inputs: op.inputs }, op.as);
          ids.push({ id: res.job.id, as: op.as, playbook: op.playbook });
          figures.byPlaybook[op.playbook] = (figures.byPlaybook[op.playbook] ?? 0) + 1;
        }
        figures.operations += ops.length;
        // The kill lands after a random number of job events (0: the jobs are still queued).
        // (up to 1.25 times what the whole round makes: about one kill in five lands after the round has ended)
        const target = base + Math.floor(rand() * 1.25 * eventsPerOp * ops.length);
        const killed = daemon!;
        await until(
          'the kill moment',
          async () =>
            lastEvent(store) >= target ||
            openJobs(
              store,
              ids.map((j) => j.id),
            ) === 0 ||
            undefined,
          180_000,
        );
        const open = openJobs(
          store,
          ids.map((j) => j.id),
        );
        killed.kill('SIGKILL');
        await killed.exited;
        figures.kills++;
        if (open > 0) figures.killsMidJob++;
        store.close();
        keepServeLog(killed);
        await start();
        const finished: { id: string; status: string }[] = [];
        for (const j of ids) {
          const job = await waitJob(j.id, j.as);
          finished.push({ id: j.id, status: job.status });
          if (job.error?.code === 'interrupted') figures.interrupted++;
          if (job.status === 'succeeded') figures.succeeded++;
          else if (job.status === 'failed') figures.failed++;
          else figures.needsAttention++;
          if (job.status === 'needs-attention' || (job.status === 'failed' && job.error?.code !== 'interrupted')) {
            const steps = (await api('GET', `/v1/jobs/${j.id}`)).steps;
            const line = `${j.playbook} ${j.id} ${job.status}: ${JSON.stringify(job.error)} ${JSON.stringify(steps?.map((s: any) => [s.name, s.status]))}`;
            console.warn(`crash test: ${line}`);
            if (job.status === 'needs-attention' && !figures.firstError) figures.firstError = line;
          }
        }
        // Learn how many events an operation makes when it runs to its end, so the kill moments spread over whole runs.
        const done = new Database(storePath, { readonly: true, fileMustExist: true });
        const count = done.prepare('SELECT COUNT(*) AS n FROM job_events WHERE job_id = ?');
        for (const j of finished.filter((x) => x.status === 'succeeded')) {
          eventsSeen += Number((count.get(j.id) as { n: number }).n);
          eventsOps++;
        }
        done.close();
        if (eventsOps) eventsPerOp = Math.max(2, eventsSeen / eventsOps);
        const wrong = await problems();
        if (wrong.length) figures.lost += wrong.length;
        expect(wrong, `after kill ${figures.kills} (seed ${SEED})`).toEqual([]);
      }
      console.log(`crash test figures: ${JSON.stringify(figures)}`);
      expect(figures.needsAttention, figures.firstError).toBe(0);
      expect(figures.kills).toBeGreaterThanOrEqual(Math.ceil(OPS / BATCH));
      expect(figures.killsMidJob).toBeGreaterThan(0);
    },
    Number(process.env.SEREIN_CRASH_TIMEOUT_MS ?? 900_000),
  );
});
