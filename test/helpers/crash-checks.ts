import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { servedCertificate } from '../../src/certificates/install.js';
import type { LabInfo } from '../lab/client.js';
import type { CrashFigures } from './crash-rounds.js';
import { deletedDatabases, readModel, trashCopies, type CrashApi, type StoreReader } from './crash-store.js';
import { mariaRoot, pgRoot } from './db-lab.js';
import { privateKeyFiles, strayKeyFiles } from './key-files.js';
import { until } from './until.js';
import type { ContainerNginx } from './vhost-container.js';
import { getWithHost, labNginxTest } from './vhost-lab.js';

/**
 * What a crash test's promises are checked against: the lab, the folders its daemons write
 * under, its names, and how to read what the store knows.
 */
export interface CrashScene {
  lab: LabInfo;
  /** The container's nginx, when the Docker target is among the operations' targets. */
  cn?: ContainerNginx;
  /** This test's folder: certificates, sites and logs of the lab's nginx (and `ssh/` for the SSH target). */
  dir: string;
  /** The certificate folders the web servers write (one folder per certificate's first name). */
  certDirs: string[];
  /** Every folder under which only an active certificate's key may be. */
  keyRoots: string[];
  /** This test's registered domain: every site is named under it. */
  reg: string;
  tenant: string;
  /** The PostgreSQL admin password serein uses (this test's own role): a file holding it is a password file left. */
  pgAdminPassword: string;
  reader: StoreReader;
  api: CrashApi;
}

const localList = (path: string) => (existsSync(path) ? readdirSync(path) : []);
const sameSerial = (a: string | undefined, b: string) =>
  a?.replace(/^0+/, '').toLowerCase() === b?.replace(/^0+/, '').toLowerCase();
// `<file>.serein-bak`: the previous version nginx changes keep by design, never included by nginx: counted, not a site
const isBackup = (f: string) => f.endsWith('.conf.serein-bak');
// a chain's backup (`<site>.<version>.crt.serein-bak`, or `fullchain.pem.serein-bak` of older seriens): public, no key
const isChainBackup = (f: string) => f === 'fullchain.pem.serein-bak' || f.endsWith('.crt.serein-bak');
// `.serein-<random>.tmp`: a write cut by a kill between its temporary file and the rename; inert, never included
// by nginx, and left: removing them safely needs to know no other writer is using them. Counted and reported.
const isTemp = (f: string) => /^\.serein-[0-9a-f]+\.tmp$/.test(f);

/** Lists a folder inside the container (empty when it does not exist). */
async function containerList(cn: ContainerNginx, path: string): Promise<string[]> {
  const r = await cn.target.run(['sh', '-c', 'ls -A -- "$1" 2>/dev/null || true', 'sh', path], { timeoutMs: 15_000 });
  return r.stdout.split('\n').filter(Boolean);
}

/**
 * Every promise of the crash tests, checked against the lab; returns what is wrong (empty:
 * nothing), and counts in `figures` what is left by design (backups, temporary files, folders).
 * - every job terminal; `nginx -t` passes on the lab's nginx (and on the container's);
 * - this test's vhost files are exactly the store's sites, and each site answers its probe;
 * - certificate folders are exactly the active certificates; each holds one pair, whose
 *   chain has the active serial and whose key matches it, and nginx serves it: no key lost;
 * - no private key outside an active certificate's folder: no key outlives its use;
 * - the tenant's databases and users on MariaDB and PostgreSQL are exactly the store's;
 * - every deleted database has its copy in the trash, and every recorded copy is there;
 * - no PostgreSQL password file is left on the host or in the container.
 */
export async function crashProblems(s: CrashScene, figures: CrashFigures): Promise<string[]> {
  const { lab, cn, api } = s;
  const out: string[] = [];
  figures.checks++;
  const m = await readModel(api, s.tenant);
  for (const status of ['queued', 'running']) {
    const open = (await api('GET', `/v1/jobs?status=${status}&limit=1000`)).jobs as any[];
    if (open.length) out.push(`${open.length} jobs ${status}: ${open.map((j) => j.id).join(' ')}`);
  }
  const t = labNginxTest(lab);
  if (!t.ok) out.push(`lab nginx -t fails: ${t.output}`);
  if (cn) {
    const ct = await cn.test();
    if (!ct.ok) out.push(`container nginx -t fails: ${ct.output}`);
  }
  // vhost files: this test's files in each include folder are exactly the store's sites on it
  const vhostDir = lab.nginx!.vhostDir;
  const labAll = localList(vhostDir).filter(
    (f) => f.includes(s.reg) || (f.startsWith('.serein-') && readFileSync(join(vhostDir, f), 'utf8').includes(s.reg)),
  );
  const labFiles = labAll.filter((f) => !isBackup(f) && !isTemp(f));
  figures.backupsKept = labAll.filter(isBackup).length;
  figures.tempFilesLeft = labAll.filter(isTemp).length;
  const want = (ws: string[]) =>
    m.sites
      .filter((x) => ws.includes(x.webserver))
      .map((x) => `${x.name}.conf`)
      .sort();
  const labWant = want(['web', 'webssh']);
  if (JSON.stringify(labFiles.sort()) !== JSON.stringify(labWant))
    out.push(`lab vhost files ${JSON.stringify(labFiles)} but the store has ${JSON.stringify(labWant)}`);
  if (cn) {
    const all = (await containerList(cn, cn.vhostDir)).filter((f) => f.includes(s.reg) || f.startsWith('.serein-'));
    const files = all.filter((f) => !isBackup(f) && !isTemp(f));
    figures.backupsKept += all.filter(isBackup).length;
    figures.tempFilesLeft += all.filter(isTemp).length;
    const cw = want(['webdocker']);
    if (JSON.stringify(files.sort()) !== JSON.stringify(cw))
      out.push(`container vhost files ${JSON.stringify(files)} but the store has ${JSON.stringify(cw)}`);
  }
  // every site answers its probe (plain HTTP, or its redirect to HTTPS)
  for (const x of m.sites) {
    const port = x.webserver === 'webdocker' ? cn!.port : lab.nginx!.port;
    const res = await getWithHost('127.0.0.1', port, x.name).catch((err) => ({
      status: 0,
      body: String(err),
      location: undefined,
    }));
    const ok =
      (res.status === 200 && res.body.includes(`${x.name} is ready`)) ||
      ([301, 302, 307, 308].includes(res.status) && res.location?.startsWith(`https://${x.name}`));
    if (!ok) out.push(`site ${x.name} (${x.webserver}) answers ${res.status} ${res.body.slice(0, 80)}`);
  }
  // certificate folders are exactly the active certificates
  // (an empty folder is no certificate: an undone install removes the files it wrote and leaves their folder; counted)
  const everyFolder = s.certDirs.flatMap((d) => localList(d).map((f) => ({ d, f, files: localList(join(d, f)) })));
  // (a folder holding only a chain's backup: an issue undone after its install wrote the files keeps the
  // removed chain as a backup, like every nginx change; never a key: a folder with any key file must be an active one's)
  const folders = everyFolder.filter((x) => x.files.some((f) => !isChainBackup(f)));
  figures.emptyCertFolders = everyFolder.filter((x) => x.files.length === 0).length;
  figures.backupOnlyCertFolders = everyFolder.filter((x) => x.files.length > 0 && !folders.includes(x)).length;
  const activeNames = m.active.map((c) => c.site).sort();
  const folderNames = folders.map((x) => x.f).sort();
  if (JSON.stringify(folderNames) !== JSON.stringify(activeNames))
    out.push(
      `certificate folders ${JSON.stringify(folders.map((x) => `${x.f}: ${x.files.join(',')}`))} but active certificates for ${JSON.stringify(activeNames)}`,
    );
  const { out: certs, activeKeys } = await certificateProblems(s, m, folders);
  out.push(...certs);
  // no file holding a private key anywhere under this test's folders (certificates, sites, logs; the vhost folder's
  // files of this test) but the key of an active certificate, in its folder: no backup, temporary file or leftover
  const vhostTemps = labAll.filter(isTemp).map((f) => join(vhostDir, f));
  const stray = [...strayKeyFiles(s.keyRoots, activeKeys), ...vhostTemps.filter((f) => privateKeyFiles(f).length)];
  if (stray.length) out.push(`private keys outside an active certificate's folder: ${stray.join(' ')}`);
  out.push(...(await databaseProblems(s, m.databases)));
  // every copy the trash records is there, complete (a deleted database or site's files is never lost)
  const copies = await trashCopies(s.reader);
  for (const name of await deletedDatabases(s.reader))
    if (!copies.some((c) => c.name === name)) out.push(`database ${name} deleted with no copy in the trash`);
  for (const c of copies) {
    const there =
      c.target === 'labdocker'
        ? (await containerList(cn!, posix.dirname(c.file))).includes(posix.basename(c.file))
        : existsSync(c.file);
    if (!there) out.push(`trash copy ${c.id} recorded but missing at ${c.target || 'daemon'}:${c.file}`);
  }
  figures.trashCopies = copies.length;
  out.push(...(await passwordFileProblems(s)));
  return out;
}

/** The key file beside a chain file: `<site>.<version>.key` beside `.crt`, or the fixed names of older seriens. */
const keyOf = (chain: string) => (chain === 'fullchain.pem' ? 'privkey.pem' : chain.replace(/\.crt$/, '.key'));
const isChain = (f: string) => f === 'fullchain.pem' || f.endsWith('.crt');

/**
 * Each active certificate: in its folder, one pair (chain and key, under a version or the
 * fixed names) whose chain has the active serial and whose key matches it, nothing else but
 * the chain's backup; and nginx serves it. Returns what is wrong, and the active keys' paths.
 */
async function certificateProblems(
  s: CrashScene,
  m: Awaited<ReturnType<typeof readModel>>,
  folders: { d: string; f: string; files: string[] }[],
): Promise<{ out: string[]; activeKeys: string[] }> {
  const out: string[] = [];
  const activeKeys: string[] = [];
  for (const c of m.active) {
    const at = folders.find((x) => x.f === c.site);
    if (!at) continue;
    const files = join(at.d, c.site);
    const serials = at.files.filter(isChain).map((f) => {
      try {
        return { f, serial: new X509Certificate(readFileSync(join(files, f))).serialNumber };
      } catch (err) {
        return { f, serial: `unreadable (${String(err)})` };
      }
    });
    const pair = serials.filter((x) => sameSerial(x.serial, c.serial));
    if (pair.length !== 1) {
      out.push(`${c.site}: active ${c.serial}, on disk ${JSON.stringify(serials)} (key lost?)`);
      continue;
    }
    const [chainFile, keyFile] = [pair[0].f, keyOf(pair[0].f)];
    try {
      const chain = new X509Certificate(readFileSync(join(files, chainFile)));
      if (!chain.checkPrivateKey(createPrivateKey(readFileSync(join(files, keyFile)))))
        out.push(`${c.site}: the key ${keyFile} does not match the chain ${chainFile}`);
      activeKeys.push(join(files, keyFile));
    } catch (err) {
      out.push(`${c.site}: the key ${keyFile} beside ${chainFile} unreadable (key lost?): ${String(err)}`);
    }
    // (the chain's backup is no secret; a key never has one)
    const extra = at.files.filter((f) => ![chainFile, keyFile].includes(f) && !isChainBackup(f));
    if (extra.length) out.push(`${c.site}: stray files ${JSON.stringify(extra)}`);
    if (m.sites.some((x) => x.name === c.site)) {
      const served = await servedCertificate({ address: '127.0.0.1', port: s.lab.nginx!.tlsPort, servername: c.site });
      if (!sameSerial(served.serial, c.serial))
        out.push(`${c.site}: nginx serves ${served.serial ?? served.error}, active ${c.serial}`);
    }
  }
  return { out, activeKeys };
}

/** The tenant's databases and users on the lab's MariaDB and PostgreSQL: exactly the store's. */
async function databaseProblems(s: CrashScene, databases: { server: string; database: string }[]): Promise<string[]> {
  const prefix = `${s.tenant}_`;
  const known = (engine: string) =>
    databases
      .filter((d) => d.server.startsWith(engine === 'mariadb' ? 'maria' : 'pg'))
      .map((d) => d.database)
      .sort();
  const [mdb, musers] = await mariaRoot(s.lab, async (c) => {
    const [d] = await c.query('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [
      `${prefix}%`,
    ]);
    const [u] = await c.query('SELECT DISTINCT User AS n FROM mysql.user WHERE User LIKE ?', [`${prefix}%`]);
    return [(d as { n: string }[]).map((r) => r.n).sort(), (u as { n: string }[]).map((r) => r.n).sort()];
  });
  const [pdb, pusers] = await pgRoot(s.lab, async (c) => [
    (await c.query('SELECT datname AS n FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1', [prefix])).rows
      .map((r) => r.n as string)
      .sort(),
    (await c.query('SELECT rolname AS n FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1', [prefix])).rows
      .map((r) => r.n as string)
      .sort(),
  ]);
  const out: string[] = [];
  for (const [what, have, wanted] of [
    ['MariaDB databases', mdb, known('mariadb')],
    ['MariaDB users', musers, known('mariadb')],
    ['PostgreSQL databases', pdb, known('postgres')],
    ['PostgreSQL roles', pusers, known('postgres')],
  ] as const) {
    if (JSON.stringify(have) !== JSON.stringify(wanted))
      out.push(`${what} ${JSON.stringify(have)} but the store has ${JSON.stringify(wanted)}`);
  }
  return out;
}

/**
 * No psql password file left: on the host (local and SSH targets) and in the container
 * (mktemp's folder: TMPDIR of the program serein starts, /tmp for the local target's minimal environment and SSH).
 */
async function passwordFileProblems(s: CrashScene): Promise<string[]> {
  const out: string[] = [];
  const passwordFiles = () =>
    [...new Set(['/tmp', tmpdir()])]
      .flatMap((d) => localList(d).map((f) => join(d, f)))
      .filter((p) => {
        try {
          return statSync(p).isFile() && statSync(p).size < 4096 && readFileSync(p, 'utf8').includes(s.pgAdminPassword);
        } catch {
          return false;
        }
      });
  // (a dump or restore the kill left running keeps its file until pg_dump/pg_restore ends: in use, not left)
  const hostLeft = await until(
    async () => (passwordFiles().length ? undefined : []),
    20_000,
    'password files in use to go',
  ).catch(() => passwordFiles());
  if (hostLeft.length) out.push(`password files left on the host: ${hostLeft.join(' ')}`);
  if (s.cn) {
    const cn = s.cn;
    const containerFiles = async () =>
      (
        await cn.target.run(['sh', '-c', 'grep -rlF -f /dev/stdin /tmp 2>/dev/null || true'], {
          stdin: `${s.pgAdminPassword}\n`,
          timeoutMs: 15_000,
        })
      ).stdout
        .split('\n')
        .filter(Boolean);
    // The same in the container: a dump the kill left running there keeps its file until it ends.
    const left = await until(
      async () => ((await containerFiles()).length ? undefined : []),
      20_000,
      'password files in use in the container to go',
    ).catch(() => containerFiles());
    if (left.length) out.push(`password files left in the container: ${left.join(' ')}`);
  }
  return out;
}
