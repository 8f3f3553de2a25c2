import { posix } from 'node:path';
import { z } from 'zod';
import { defineAction, type ActionContext, type PlanItem } from '../engine/action.js';
import { tenantDatabaseName } from '../db/identifiers.js';
import { parseDomain } from '../dns/domain.js';
import { VHOST_KIND } from '../nginx/site.js';
import { DATABASE_KIND } from './database.js';
import { databaseNamesFor, environmentDatabase } from './site-environment-database.js';
import { sftpCreate } from './sftp.js';
import { checkLoginAllowed } from './sftp-sshd.js';
import { siteUserName } from './site-user.js';
import {
  environmentFileExists,
  environmentLayout,
  environmentNoDatabaseName,
  environmentNoDatabaseServer,
  environmentNoPhp,
  environmentSiteExists,
} from './site-environment-errors.js';

// A whole environment in one operation (playbooks/site.environment.yaml): the site with its
// own user and PHP, a database and its user, the certificate and SFTP access, composed of the
// existing actions. What they lack is here: choosing the database's server and name from the
// site, and the file through which the site's PHP (and nothing else) reads the database's
// details, outside the folder the web server serves.

/** The credentials file, in the site's home (root's): beside public/, never served, read by the site's group only. */
export const CREDENTIALS_FILE = 'database.php';

const checkParams = z.object({
  webserver: z.string().min(1),
  domain: z.string().min(1),
  /** The database server asked for; absent: the tenant's (a MariaDB one first: what PHP applications expect). */
  server: z.string().optional(),
  /** The site's tenant, as vhost.check read it (the client's own, or the domain's owner for an admin). */
  tenant: z.string().min(1),
});

async function databaseServer(ctx: ActionContext, tenant: string, asked?: string): Promise<string> {
  if (asked) return asked;
  const dbs = ctx.services.config.databases;
  const granted = (await ctx.services.store.tenants.servers(tenant)).map((s) => s.name).filter((s) => dbs[s]);
  // WordPress and nearly every PHP application run on MySQL: a MariaDB server when the tenant has one.
  const server = granted.find((s) => dbs[s].engine === 'mariadb') ?? granted[0];
  if (!server) throw environmentNoDatabaseServer(tenant);
  return server;
}

/**
 * Preflight of site.environment: a new site on a server running PHP, a database server of
 * the tenant's, a free database name made from the site's, and whether SFTP with a password
 * is offered there (else the environment is made without it). Changes nothing.
 */
export const environmentCheck = defineAction({
  name: 'environment.check',
  params: checkParams,
  async plan() {
    return [];
  },
  async run(ctx, p) {
    const domain = parseDomain(p.domain, false);
    if (await ctx.services.store.tenants.getResource(VHOST_KIND, domain)) throw environmentSiteExists(domain);
    const ws = ctx.services.nginx.webserver(p.webserver);
    if (!ws.php) throw environmentNoPhp(p.webserver);
    // An sshd that would refuse the site's user at login refuses the environment now, before anything is made.
    if (ws.sftp?.passwordAuthentication)
      await checkLoginAllowed(ctx.services.target(ws.target), ws.sftp, siteUserName(domain), domain);
    const server = await databaseServer(ctx, p.tenant, p.server);
    const tried: string[] = [];
    // The likely name, for the plan and database.check; environment.database takes the one free when it creates.
    for (const name of databaseNamesFor(domain)) {
      tried.push(name);
      const key = `${server}:${tenantDatabaseName(p.tenant, name)}`;
      if (!(await ctx.services.store.tenants.getResource(DATABASE_KIND, key)))
        return { server, name, sftp: !!ws.sftp?.passwordAuthentication };
    }
    throw environmentNoDatabaseName(domain, tried);
  },
});

const credentialsParams = z.object({
  webserver: z.string().min(1),
  domain: z.string().min(1),
  database: z.string().min(1),
  user: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.string().min(1),
  password: z.string().min(1),
});

interface CredentialsCheckpoint {
  webserver: string;
  file: string;
}

/** A PHP single-quoted string: its only escapes are \\ and \'. */
const phpString = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** The file's text: constants WordPress's wp-config.php (or any PHP) takes with one require. */
export function credentialsFile(domain: string, d: { database: string; user: string; host: string; password: string }) {
  return [
    '<?php',
    `// The database of ${domain}, written by serein when the site was created. Readable by this`,
    "// site's PHP only. In wp-config.php: require __DIR__ . '/../database.php'; then remove the",
    '// four DB_NAME, DB_USER, DB_PASSWORD and DB_HOST lines there.',
    `define('DB_NAME', ${phpString(d.database)});`,
    `define('DB_USER', ${phpString(d.user)});`,
    `define('DB_PASSWORD', ${phpString(d.password)});`,
    `define('DB_HOST', ${phpString(d.host)});`,
    '',
  ].join('\n');
}

/** The site's home in the site-user layout, from its record: <web root>/<domain>/, its user's group reading the file. */
async function siteHome(ctx: ActionContext, p: { webserver: string; domain: string }) {
  const ws = ctx.services.nginx.webserver(p.webserver);
  const domain = parseDomain(p.domain, false);
  const home = posix.join(posix.normalize(ws.webRoot), domain);
  const rec = await ctx.services.store.tenants.getResource(VHOST_KIND, domain);
  const data = (rec?.data ?? {}) as { root?: string; user?: unknown };
  return { ws, domain, home, root: data.root, user: typeof data.user === 'string' ? data.user : undefined };
}

/**
 * Writes the site's database details where its PHP reads them and nothing else does: root's,
 * group the site's own, 0640, in the site's home beside public/ (open_basedir covers the
 * home; the web server serves public/ only; another site's user is not in the group).
 */
export const environmentCredentials = defineAction({
  name: 'environment.credentials',
  params: credentialsParams,
  async plan(ctx, p) {
    const { ws, domain } = await siteHome(ctx, p);
    return [
      {
        kind: 'file',
        target: ws.target,
        summary: {
          en: `write the file ${CREDENTIALS_FILE} beside the site's public folder: the database's name, user and password for the site's PHP (root's, group ${siteUserName(domain)}, 0640; never served)`,
          fr: `écrire le fichier ${CREDENTIALS_FILE} à côté du dossier public du site : le nom, l'utilisateur et le mot de passe de la base pour le PHP du site (à root, groupe ${siteUserName(domain)}, 0640 ; jamais servi)`,
        },
      },
    ];
  },
  async run(ctx, p) {
    const { ws, domain, home, root, user } = await siteHome(ctx, p);
    if (!user || !root) throw environmentLayout(domain, 'the site has no system user of its own');
    if (posix.dirname(posix.normalize(root)) !== home)
      throw environmentLayout(domain, `its files are in ${root}, not in ${home}/public`);
    const target = ctx.services.target(ws.target);
    const file = posix.join(home, CREDENTIALS_FILE);
    if ((await target.readFile(file)) !== undefined) throw environmentFileExists(domain, file);
    // Checkpointed before the write: a crash right after it is undone by removing the file.
    await ctx.checkpoint({ webserver: p.webserver, file } satisfies CredentialsCheckpoint);
    const password = ctx.secrets.add(p.password);
    const host = `${p.host}:${p.port}`;
    await target.writeFile(file, credentialsFile(domain, { ...p, host, password }), {
      mode: 0o640,
      owner: `root:${user}`,
    });
    ctx.log(`wrote ${file} (0640, group ${user})`);
    return { file: CREDENTIALS_FILE };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as CredentialsCheckpoint | undefined;
    if (!cp) return;
    await ctx.services.target(ctx.services.nginx.webserver(cp.webserver).target).remove(cp.file);
  },
});

/**
 * sftp.create inside a whole environment: the same run and undo; its dry run describes the
 * account of a site that does not exist yet (sftp.create's own plan reads the site's record).
 */
export const environmentSftp = defineAction({
  ...sftpCreate,
  name: 'environment.sftp',
  async plan(ctx, p): Promise<PlanItem[]> {
    const domain = parseDomain(p.domain, false);
    const user = siteUserName(domain);
    return [
      {
        kind: 'program',
        summary: {
          en: `SFTP access for ${user}, locked in the site's folder (sshd tested with sshd -t, then reloaded)`,
          fr: `accès SFTP pour ${user}, enfermé dans le dossier du site (sshd testé par sshd -t, puis rechargé)`,
        },
      },
      {
        kind: 'note',
        summary: {
          en: `give ${user} a generated password (shown once in the result)`,
          fr: `donner à ${user} un mot de passe généré (affiché une seule fois dans le résultat)`,
        },
      },
    ];
  },
});

/** The actions of site.environment, registered in src/actions/index.ts. */
export const environmentActions = [environmentCheck, environmentDatabase, environmentCredentials, environmentSftp];
