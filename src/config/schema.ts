import { z } from 'zod';
import { DEFAULT_LIMITS, DEFAULT_QUOTAS, limitsSchema, quotasSchema } from './limits.js';

// Limits and quotas (what one address, token or tenant may ask or have) live in ./limits.ts.
export { limitsSchema, quotasSchema } from './limits.js';
import { DEFAULT_TRASH, DEFAULT_USAGE, trashSchema, usageSchema } from './trash.js';
import { acmeSchema } from './acme.js';
import { siteUserFields } from './sites.js';
import { dnsSchema } from './dns.js';
import { configName as name, port } from './fields.js';
import { alertsSchema, driftSchema, escalationsSchema, mailSchema, renewalSchema } from './watch.js';

const sha256Fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "an SSH host key fingerprint as 'ssh-keygen -lf' prints it, e.g. SHA256:abc...");

/** Where operations run. One name per machine or container. */
export const targetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('local') }).strict(),
  z
    .object({
      type: z.literal('ssh'),
      host: z.string().min(1),
      port: port.default(22),
      username: z.string().min(1).default('root'),
      privateKeyPath: z.string().min(1),
      hostKeySha256: sha256Fingerprint,
      maxConcurrency: z.number().int().min(1).max(64).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('docker'),
      socketPath: z.string().min(1),
      container: z.string().min(1),
      maxConcurrency: z.number().int().min(1).max(64).optional(),
    })
    .strict(),
]);

const portRange = z
  .string()
  .regex(/^[0-9]{1,5}-[0-9]{1,5}$/, 'a port range such as "1024-65535"')
  .refine((r) => {
    const [a, b] = r.split('-').map(Number);
    return a >= 1 && a <= b && b <= 65535;
  }, 'a port range from low to high, within 1-65535');

/**
 * Where a client's site may forward visitors (vhost.create `upstream`); admins are not
 * limited. Default ports: the web ports and the unprivileged ones, where applications
 * listen; ports below 1024 are system services (SSH, SMTP, DNS...), never a site's backend.
 */
export const clientUpstreamsSchema = z
  .object({
    networks: z
      .array(z.cidrv4().or(z.cidrv6()))
      .default([])
      .describe('networks clients may forward to, even private ones (e.g. 10.20.0.0/16)'),
    public: z
      .boolean()
      .default(true)
      .describe('any public address is allowed too (never loopback, private, link-local or our own web servers)'),
    ports: z.array(port.or(portRange)).default([80, 443, '1024-65535']).describe('ports clients may forward to'),
  })
  .strict();

/**
 * SFTP access to a web server's sites through its OpenSSH: serein writes one drop-in per
 * account (a Match User block chrooting it to its site), tests sshd and reloads it.
 */
export const sftpSchema = z
  .object({
    host: z.string().min(1).describe('the address clients connect to with their SFTP program'),
    port: port.default(22),
    dropInDir: z
      .string()
      .startsWith('/', 'an absolute path')
      .default('/etc/ssh/sshd_config.d')
      .describe('a folder sshd_config includes (Include <dir>/*.conf) before its own settings'),
    keysDir: z
      .string()
      .startsWith('/', 'an absolute path')
      .default('/etc/ssh/serein-keys')
      .describe("clients' public keys, one root-owned file per account"),
    sshd: z.array(z.string()).min(1).default(['/usr/sbin/sshd']).describe('argv that runs sshd; -t is appended'),
    reload: z.array(z.string()).min(1).default(['systemctl', 'reload', 'ssh']).describe('argv that reloads sshd'),
    pidFile: z
      .string()
      .startsWith('/', 'an absolute path')
      .optional()
      .describe("sshd's pid file: SIGHUP instead of reload"),
    passwordAuthentication: z.boolean().default(true).describe('accounts may log in with a password (else keys only)'),
  })
  .strict();

/** An nginx instance that serein may change, and how to test and reload it. */
export const webserverSchema = z
  .object({
    target: name,
    vhostDir: z.string().startsWith('/', 'an absolute path'),
    nginx: z.array(z.string()).min(1).default(['nginx']).describe('argv that runs nginx; -t or -s reload are appended'),
    reload: z.array(z.string()).min(1).optional().describe('argv that reloads nginx; default: nginx argv + -s reload'),
    webRoot: z.string().startsWith('/', 'an absolute path').describe('folder under which site folders are created'),
    logDir: z.string().startsWith('/', 'an absolute path'),
    certDir: z.string().startsWith('/', 'an absolute path'),
    challengeRoot: z
      .string()
      .startsWith('/', 'an absolute path')
      .describe('served at /.well-known/acme-challenge/ for every name'),
    httpPort: port.default(80),
    httpsPort: port.default(443),
    listen: z.array(z.string()).min(1).default(['0.0.0.0', '[::]']).describe('addresses nginx listens on'),
    publicAddresses: z.array(z.ipv4().or(z.ipv6())).default([]).describe('the addresses DNS must point to'),
    probeAddress: z.string().default('127.0.0.1').describe('address serein uses to probe the vhost'),
    template: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a file name in the playbooks templates folder')
      .default('vhost.conf.tmpl')
      .describe('vhost template, in <playbooks>/templates/'),
    siteOwner: z
      .string()
      .optional()
      .describe("'user' or 'user:group' owning new site folders; default: left as created"),
    batchWindowMs: z
      .number()
      .int()
      .min(0)
      .max(5000)
      .default(0)
      .describe(
        'wait this long for more changes before testing and reloading; 0: start at once, changes arriving meanwhile share the next nginx -t and reload',
      ),
    probeTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(10_000)
      .describe('how long a reloaded vhost has to answer its probe'),
    clientUpstreams: clientUpstreamsSchema.default({ networks: [], public: true, ports: [80, 443, '1024-65535'] }),
    sftp: sftpSchema.optional().describe("SFTP access to this server's sites (sftp.create)"),
    ...siteUserFields,
    quickCheck: z
      .boolean()
      .default(true)
      .describe(
        'before a reload, nginx -t parses the changed sites alone in the main configuration (with its shared settings), not every site: the reload, which nginx refuses as a whole while serving the previous configuration, is the one full parse (needs pidFile to see that; false: a full nginx -t first)',
      ),
    sharedLogs: z
      .boolean()
      .default(false)
      .describe(
        "every site logs to one shared access log and one shared error log in logDir (the site's name first in each access line) instead of two files per site: for thousands of sites, whose two log files each would hold more files open than nginx may during a reload; sites change over as they are next applied",
      ),
    pidFile: z
      .string()
      .startsWith('/', 'an absolute path')
      .optional()
      .describe(
        "nginx master's pid file: after a reload, serein retires the old workers as soon as the new ones run (rather than after nginx's fixed 100 ms), so nobody is served the old configuration once a job is done",
      ),
  })
  .strict();

/** A database server serein creates databases on. */
export const databaseServerSchema = z
  .object({
    engine: z.enum(['mariadb', 'postgres']),
    host: z.string().min(1).default('127.0.0.1'),
    port: port.optional(),
    user: z.string().min(1),
    password: z.string().optional(),
    passwordFile: z.string().optional(),
    via: z
      .enum(['driver', 'client'])
      .default('driver')
      .describe('driver connection, or the server client on the target'),
    target: name.optional(),
    allowedHosts: z
      .array(z.string())
      .default(['localhost', '127.0.0.1'])
      .describe('MariaDB hosts the new user may connect from'),
    client: z
      .array(z.string())
      .min(1)
      .optional()
      .describe("argv of the server's client on the target (via: client); default mariadb or psql"),
    adminDatabase: z.string().optional().describe('PostgreSQL database the admin connects to (default postgres)'),
    maxPerTenant: z.number().int().min(0).optional().describe('most databases one tenant may have on this server'),
    // A burst of jobs (500 at once) would otherwise open as many admin connections and use up the
    // customer's own limit (MariaDB 151, PostgreSQL 100 by default), failing its sites too.
    maxConnections: z
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe("serein's admin sessions open at once on this server; the others wait (default 8)"),
  })
  .strict();

const cssColor = z.string().regex(/^#[0-9a-fA-F]{3,8}$/, 'a colour as #rgb or #rrggbb');

/**
 * The provider's own client page: its name, logo (a PNG or SVG file, sent inline so the
 * page loads nothing from elsewhere), colours, how to reach support, and where a client
 * who lost the token goes.
 */
const brandingSchema = z
  .object({
    name: z.string().min(1).max(80).default('serein'),
    logo: z
      .string()
      .min(1)
      .optional()
      .describe("a .png or .svg file (absolute, or relative to the daemon's working folder); at most 64 KiB"),
    colors: z
      .object({ accent: cssColor.optional(), accentDark: cssColor.optional(), background: cssColor.optional() })
      .strict()
      .default({}),
    support: z
      .object({ email: z.email().optional(), phone: z.string().max(40).optional(), url: z.url().optional() })
      .strict()
      .default({}),
    lostToken: z
      .string()
      .regex(/^(https:\/\/|mailto:)/, 'an https:// or mailto: address')
      .optional()
      .describe('where a client who lost the access token asks for a new one'),
  })
  .strict();

/** The whole configuration file; each section's own schema says what it is for. */
export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: port.or(z.literal(0)).default(8080),
        trustProxy: z
          .union([z.boolean(), z.array(z.string().min(1))])
          .default(false)
          .describe(
            'reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs): limits per client address need the real one',
          ),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080, trustProxy: false }),
    store: z
      .discriminatedUnion('driver', [
        z.object({ driver: z.literal('sqlite'), path: z.string().min(1) }).strict(),
        z.object({ driver: z.literal('postgres'), url: z.string().min(1) }).strict(),
      ])
      .default({ driver: 'sqlite', path: 'var/serein.db' }),
    stateDir: z.string().default('var').describe('the seal key and ACME account keys (0600)'),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    language: z.enum(['en', 'fr']).default('en'),
    branding: brandingSchema
      .default({ name: 'serein', colors: {}, support: {} })
      .describe("the client page's name, logo, colours and contacts"),
    playbooks: z.string().default('playbooks'),
    plugins: z
      .array(z.string().min(1))
      .default([])
      .describe('modules adding resource kinds and actions (src/plugins.ts); relative to this file'),
    // Jobs mostly wait (on nginx's test and reload, a probe, a CA), and one nginx reload
    // carries every change queued for it: at 4 per target, 100 vhosts at once took 22 s;
    // at 64 per target, 5 s (bench/vhost.bench.ts, README "Performance"). Certificate jobs
    // have no target: at 32 at once, 200 of them waited in line for 9 reloads of ~26
    // installs (26 s); at 128, 3 reloads (11 s). 500 vhost.create at once at 128 went in 8
    // reloads of alternating small and full batches (the slots a batch frees refill the next
    // but one); at 512, in 2 (a lone first change, then the rest).
    workers: z
      .object({
        concurrency: z.number().int().min(1).max(1024).default(512),
        perTarget: z.number().int().min(1).max(64).default(16),
      })
      .strict()
      .default({ concurrency: 512, perTarget: 16 }),
    targets: z.record(name, targetSchema).default({ local: { type: 'local' } }),
    webservers: z.record(name, webserverSchema).default({}),
    databases: z.record(name, databaseServerSchema).default({}),
    acme: acmeSchema,
    dns: dnsSchema,
    renewal: renewalSchema,
    alerts: alertsSchema,
    escalations: escalationsSchema,
    drift: driftSchema,
    mail: mailSchema.optional().describe('emails to clients when something needs them; absent: none are sent'),
    limits: limitsSchema.default(DEFAULT_LIMITS),
    quotas: quotasSchema.default(DEFAULT_QUOTAS),
    trash: trashSchema
      .default(DEFAULT_TRASH)
      .describe('copies of deleted databases and site files, restorable for keepDays'),
    usage: usageSchema
      .default(DEFAULT_USAGE)
      .describe('disk space used by each site and database, measured in the background'),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type WebserverConfig = z.output<typeof webserverSchema>;
export type SftpConfig = z.output<typeof sftpSchema>;
export type DatabaseServerConfig = z.output<typeof databaseServerSchema>;
export type { CaConfig } from './acme.js';
export type { MailConfig } from './watch.js';
