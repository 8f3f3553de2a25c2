import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { WebserverConfig } from '../config/schema.js';
import type { TenantStore } from '../store/tenants.js';
import { unknownWebserver } from './errors.js';
import type { NginxFileChange } from './apply.js';
import type { NginxFleet } from './fleet.js';
import type { NginxProbe } from './probe.js';
import { renderTemplate, TemplateError, type TemplateVars } from './template.js';
import { SHARED_LOG_FORMAT, siteLogPaths } from './shared-logs.js';

/** Resource kind under which vhosts are recorded (name: the primary name). */
export const VHOST_KIND = 'vhost';

/**
 * What serein remembers about a vhost (the resource record's data): enough to render
 * its configuration again, e.g. with TLS once a certificate is installed.
 */
export interface VhostData {
  primary: string;
  aliases: string[];
  webserver: string;
  /** Document root; absent when the vhost proxies to `upstream`. */
  root?: string;
  upstream?: string;
  /** The site's own system user (src/actions/site-user.ts); absent: a "legacy" site, its folder the web server's. */
  user?: string;
  /** The pool's socket when the site runs PHP as its user (src/actions/php-pool.ts). */
  phpSocket?: string;
  /** HTTPS server block enabled (a certificate is installed under certDir/<primary>/). */
  tls: boolean;
  /**
   * The version of the certificate pair the HTTPS block reads (see certPaths); absent for a
   * site secured before pairs were versioned, whose block reads the fixed names.
   */
  certVersion?: string;
  file: string;
  accessLog: string;
  errorLog: string;
}

/** A vhost configuration ready for safeApplyNginx: the file, the probes that confirm it, the record to keep. */
export interface RenderedVhost {
  webserver: string;
  file: NginxFileChange;
  probes: NginxProbe[];
  /** The record to store once safeApplyNginx succeeded (tls already set as rendered). */
  data: VhostData;
}

/** Path answered by nginx itself in every vhost with the probe token of the current config. */
export const PROBE_PATH = '/.well-known/serein-probe';

/** The vhost's configuration file: one per primary name, matched by the `*.conf` include. */
export function vhostFilePath(ws: WebserverConfig, primary: string): string {
  return posix.join(ws.vhostDir, `${primary}.conf`);
}

/**
 * Where a site's certificate pair lives, and where its HTTPS block reads it. A pair is
 * written once under its own version (`<certDir>/<primary>/<primary>.<version>.crt` and
 * `.key`) and never overwritten: a new certificate is a new pair, and the site's
 * configuration switching to it is the one change nginx sees, so no `nginx -t` or reload,
 * ours or anyone's, can read a certificate with another one's key. Without a version: the
 * fixed names (`fullchain.pem`, `privkey.pem`) sites secured by an older serein still read.
 */
export function certPaths(
  ws: WebserverConfig,
  primary: string,
  version?: string,
): { dir: string; fullchain: string; privkey: string } {
  const dir = posix.join(ws.certDir, primary);
  if (!version) return { dir, fullchain: posix.join(dir, 'fullchain.pem'), privkey: posix.join(dir, 'privkey.pem') };
  return {
    dir,
    fullchain: posix.join(dir, `${primary}.${version}.crt`),
    privkey: posix.join(dir, `${primary}.${version}.key`),
  };
}

/**
 * The version of a certificate pair: named after its (public) chain, which holds the public
 * key, so one version is one pair whatever installs it, and the same certificate installed
 * again finds its files already there with the same content.
 */
export const certVersion = (fullChainPem: string): string =>
  createHash('sha256').update(fullChainPem).digest('hex').slice(0, 16);

/** Default document root of a new vhost. */
export function defaultRoot(ws: WebserverConfig, primary: string): string {
  return posix.join(ws.webRoot, primary);
}

/** The record of a new vhost before it is rendered. */
export function newVhostData(
  ws: WebserverConfig,
  webserver: string,
  v: {
    primary: string;
    aliases: string[];
    root?: string;
    upstream?: string;
    tls?: boolean;
    certVersion?: string;
    user?: string;
    phpSocket?: string;
  },
): VhostData {
  return {
    ...(v.user ? { user: v.user } : {}),
    ...(v.phpSocket && !v.upstream ? { phpSocket: v.phpSocket } : {}),
    ...(v.certVersion ? { certVersion: v.certVersion } : {}),
    primary: v.primary,
    aliases: v.aliases,
    webserver,
    ...(v.upstream ? { upstream: v.upstream } : { root: v.root ?? defaultRoot(ws, v.primary) }),
    tls: v.tls ?? false,
    file: vhostFilePath(ws, v.primary),
    ...siteLogPaths(ws, { primary: v.primary }),
  };
}

/** The values a vhost template can use; each is checked again when inserted. */
export function vhostVariables(
  ws: WebserverConfig,
  d: VhostData,
  o: { tls: boolean; probeToken: string; tenant: string },
): TemplateVars {
  const cert = certPaths(ws, d.primary, d.certVersion);
  return {
    primary: d.primary,
    aliases: d.aliases,
    names: [d.primary, ...d.aliases],
    tenant: o.tenant,
    root: d.root,
    upstream: d.upstream,
    proxy: !!d.upstream,
    ownUser: !!d.user && !d.upstream,
    php: !!d.phpSocket && !d.upstream,
    phpSocket: d.phpSocket ?? '',
    phpPingPath: '/.well-known/serein-php-ping',
    tls: o.tls,
    listen: ws.listen,
    httpPort: ws.httpPort,
    httpsPort: ws.httpsPort,
    httpsPortSuffix: ws.httpsPort === 443 ? '' : `:${ws.httpsPort}`,
    accessLog: d.accessLog,
    // The shared access log says whose each line is; a site's own log needs no name in it.
    accessLogFormat: ws.sharedLogs ? SHARED_LOG_FORMAT : 'combined',
    errorLog: d.errorLog,
    challengeRoot: ws.challengeRoot,
    certificate: cert.fullchain,
    certificateKey: cert.privkey,
    probePath: PROBE_PATH,
    probeToken: o.probeToken,
  };
}

/** Reads the webserver's vhost template from `<playbooks>/templates/`, where admins adapt it. */
export function loadVhostTemplate(playbooksDir: string, ws: WebserverConfig): { file: string; text: string } {
  const file = join(playbooksDir, 'templates', ws.template);
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (err) {
    throw new TemplateError(file, 0, `cannot read the template: ${(err as Error).message}`).toOperationError();
  }
}

/** A fresh token per rendering: the probe then proves that this very configuration answers. */
export const newProbeToken = () => `serein-probe-${randomBytes(8).toString('hex')}`;

/** The probes that confirm a rendered vhost: every name over HTTP, and the primary over HTTPS with TLS. */
export function vhostProbes(d: VhostData, token: string, tls: boolean): NginxProbe[] {
  const probes: NginxProbe[] = [d.primary, ...d.aliases].map((host) => ({ host, path: PROBE_PATH, expectBody: token }));
  if (tls) probes.push({ host: d.primary, scheme: 'https', path: PROBE_PATH, expectBody: token });
  return probes;
}

/**
 * Renders a vhost's configuration from its record: template errors become a clear
 * OperationError before anything is written.
 */
export function renderVhost(fleet: NginxFleet, d: VhostData, o: { tls?: boolean; tenant: string }): RenderedVhost {
  const ws = fleet.all[d.webserver];
  if (!ws) throw unknownWebserver(d.webserver);
  const tls = o.tls ?? d.tls;
  // The logs follow the web server's sharedLogs as it is now, whatever the record says.
  d = { ...d, ...siteLogPaths(ws, d) };
  const { file, text } = loadVhostTemplate(fleet.playbooksDir, ws);
  const probeToken = newProbeToken();
  let content: string;
  try {
    content = renderTemplate(text, vhostVariables(ws, d, { tls, probeToken, tenant: o.tenant }), file);
  } catch (err) {
    if (err instanceof TemplateError) throw err.toOperationError();
    throw err;
  }
  const data: VhostData = { ...d, tls, file: d.file || vhostFilePath(ws, d.primary) };
  return {
    webserver: d.webserver,
    file: { path: data.file, content, mode: 0o644 },
    probes: vhostProbes(data, probeToken, tls),
    data,
  };
}

/**
 * For the certificate operations: the vhost re-rendered WITH its HTTPS server block
 * (certificate and key where certPaths says for the record's certVersion, listening on
 * httpsPort; HTTP then redirects to HTTPS except /.well-known/acme-challenge/).
 *
 * Usage (as installCertificate does): `const r = await renderVhostWithTls(fleet, tenants, data)`
 * with `data.certVersion` set, then `await safeApplyNginx(fleet, r.webserver, [keyFile, certFile, r.file], r.probes)`
 * (the new pair before the file that names it)
 * and, once it resolved, `store.tenants.putResource({ kind: VHOST_KIND, name: r.data.primary, tenantId, data: r.data })`.
 * Returns undefined when no vhost of that name is recorded.
 */
export async function renderVhostWithTls(
  fleet: NginxFleet,
  tenants: TenantStore,
  vhost: string | VhostData,
  tls = true,
): Promise<RenderedVhost | undefined> {
  let data: VhostData;
  let tenant = 'admin';
  if (typeof vhost === 'string') {
    const rec = await tenants.getResource(VHOST_KIND, vhost);
    if (!rec) return undefined;
    data = rec.data as unknown as VhostData;
    tenant = rec.tenantId;
  } else {
    data = vhost;
    const rec = await tenants.getResource(VHOST_KIND, vhost.primary);
    if (rec) tenant = rec.tenantId;
  }
  return renderVhost(fleet, data, { tls, tenant });
}
