import * as tls from 'node:tls';
import { isIP } from 'node:net';
import type { WebserverConfig } from '../config/schema.js';
import type { Services } from '../engine/action.js';
import { safeApplyNginx, type NginxFileChange, type PreviousFile } from '../nginx/apply.js';
import { ensureDefaultTls } from '../nginx/default-tls.js';
import { restoreFiles } from '../nginx/restore.js';
import { certPaths, certVersion, renderVhostWithTls, VHOST_KIND, type VhostData } from '../nginx/site.js';
import { wait } from '../util/concurrency.js';
import { certificateNotServed, noVhost } from './install-errors.js';
import { removePair, servedPair, undoOrder } from './pair.js';

export { noVhost } from './install-errors.js';

/** What the TLS port handed out for a name. */
export interface ServedCertificate {
  serial?: string;
  fingerprint256?: string;
  subjectAltName?: string;
  error?: string;
}

/** Opens a TLS connection with SNI `servername` and reads the certificate presented; never throws. */
export function servedCertificate(o: {
  address: string;
  port: number;
  servername: string;
  timeoutMs?: number;
}): Promise<ServedCertificate> {
  return new Promise((resolve) => {
    const host = o.address.replace(/^\[|\]$/g, '');
    const socket = tls.connect({
      host,
      port: o.port,
      servername: isIP(o.servername) ? undefined : o.servername,
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => done({ error: 'no TLS answer in time' }), o.timeoutMs ?? 3000);
    const done = (r: ServedCertificate) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    socket.once('secureConnect', () => {
      const c = socket.getPeerCertificate();
      done(
        c && c.serialNumber
          ? { serial: c.serialNumber.toLowerCase(), fingerprint256: c.fingerprint256, subjectAltName: c.subjectaltname }
          : { error: 'no certificate presented' },
      );
    });
    socket.once('error', (e) => done({ error: e.message }));
  });
}

/** Leading zeros aside, two hex serials are the same number. */
const sameSerial = (a: string, b: string) => a.replace(/^0+/, '').toLowerCase() === b.replace(/^0+/, '').toLowerCase();

/** A name to put in SNI for each certificate name (a wildcard gets a label in front). */
const sniName = (name: string) => (name.startsWith('*.') ? `serein-probe.${name.slice(2)}` : name);

/**
 * The proof that counts: a TLS handshake to the vhost, for each name, presents the new
 * certificate. Polls with short backoff while old nginx workers finish.
 */
export async function verifyServed(
  ws: WebserverConfig,
  names: string[],
  serial: string,
  timeoutMs = ws.probeTimeoutMs,
): Promise<{ ok: boolean; seen: Record<string, string> }> {
  const deadline = Date.now() + timeoutMs;
  const seen: Record<string, string> = {};
  const results = await Promise.all(
    names.map(async (name) => {
      let delay = 10;
      for (;;) {
        const got = await servedCertificate({
          address: ws.probeAddress,
          port: ws.httpsPort,
          servername: sniName(name),
          timeoutMs: Math.max(500, Math.min(3000, deadline - Date.now())),
        });
        seen[name] = got.serial ? `serial ${got.serial}` : (got.error ?? 'nothing');
        if (got.serial && sameSerial(got.serial, serial)) return true;
        if (Date.now() + delay > deadline) return false;
        await wait(delay);
        delay = Math.min(delay * 2, 250);
      }
    }),
  );
  return { ok: results.every(Boolean), seen };
}

/** The site a certificate goes to: the vhost recorded under its first name (or one of its names). */
export async function findVhost(services: Services, domains: string[]): Promise<VhostData | undefined> {
  for (const d of domains) {
    const rec = await services.store.tenants.getResource(VHOST_KIND, d.replace(/^\*\./, ''));
    if (rec) return rec.data as unknown as VhostData;
  }
  return undefined;
}

/** What to install where: the certificate, its key, and the site that serves it. */
export interface InstallRequest {
  webserver: string;
  /** The vhost (its primary name) whose TLS block serves the certificate. */
  vhost: VhostData;
  domains: string[];
  fullChainPem: string;
  keyPem: string;
  serial: string;
  /** Receives the files being replaced, BEFORE any write (ctx.checkpoint). */
  onPrevious?(previous: PreviousFile[]): Promise<void>;
  /** Once the files are written and nginx tested, reloaded and probed, before the handshake is checked. */
  onApplied?(): void;
  log?(message: string): void;
}

/** The names of the vhost that the certificate covers: those the handshake must prove. */
function coveredNames(vhost: VhostData, domains: string[]): string[] {
  const covers = (n: string) =>
    domains.some(
      (d) => d === n || (d.startsWith('*.') && n.endsWith(d.slice(1)) && n.split('.').length === d.split('.').length),
    );
  const names = [vhost.primary, ...vhost.aliases].filter(covers);
  return names.length ? names : [vhost.primary];
}

/**
 * Installs a certificate on nginx the safe way: the new pair written under its own version
 * (key 0600, see certPaths) beside the one served, then the vhost re-rendered to read it, as
 * one change through safeApplyNginx (nginx -t, reload, probes; the address's default TLS
 * server put in place first, see src/nginx/default-tls.ts); then a TLS handshake per name
 * must present the new certificate, otherwise everything is put back as it was and served
 * before. The pair served until then is removed only once the new one is served. The
 * previous files are handed to `onPrevious` (and returned) in the order that puts them
 * back safely: the old pair, the configuration naming it, then the new pair (absent before).
 */
export async function installCertificate(
  services: Services,
  req: InstallRequest,
): Promise<{ previous: PreviousFile[]; vhost: VhostData; names: string[] }> {
  const ws = services.nginx.webserver(req.webserver);
  const target = services.target(ws.target);
  const version = certVersion(req.fullChainPem);
  const rendered = await renderVhostWithTls(services.nginx, services.store.tenants, {
    ...req.vhost,
    certVersion: version,
  });
  if (!rendered) throw noVhost(req.vhost.primary);
  const pair = certPaths(ws, req.vhost.primary, version);
  const files: NginxFileChange[] = [
    { path: pair.privkey, content: req.keyPem, mode: 0o600 },
    { path: pair.fullchain, content: req.fullChainPem, mode: 0o644 },
    rendered.file,
  ];
  await target.mkdir(pair.dir, { mode: 0o700 });
  // Before the first certificate on an address: names nginx does not serve are refused there, never given this one.
  await ensureDefaultTls(services.nginx, req.webserver, { alert: services.alert, log: req.log });
  let previous: PreviousFile[] = [];
  let old: PreviousFile[] = [];
  await safeApplyNginx(services.nginx, req.webserver, files, rendered.probes, {
    onPrevious: async (changed) => {
      // Read under the web server's lock, before anything is written: the pair nginx reads now.
      old = await servedPair(target, pair, changed.find((f) => f.path === rendered.file.path)?.content ?? null);
      previous = undoOrder(old, changed, rendered.file.path);
      await req.onPrevious?.(previous);
    },
    log: req.log,
  });
  req.onApplied?.();
  const names = coveredNames(req.vhost, req.domains);
  const served = await verifyServed(ws, names, req.serial);
  if (!served.ok) {
    req.log?.('the new certificate is not the one served; putting back the previous files');
    await restoreFiles(services.nginx, req.webserver, previous);
    throw certificateNotServed(`${ws.probeAddress}:${ws.httpsPort}`, req.serial, served.seen);
  }
  await removePair(target, old);
  return { previous, vhost: rendered.data, names };
}

/** Records that the vhost now has its HTTPS block, keeping its owner. Call once the certificate is served. */
export async function recordVhost(services: Services, data: VhostData): Promise<void> {
  const rec = await services.store.tenants.getResource(VHOST_KIND, data.primary);
  await services.store.tenants.putResource({
    kind: VHOST_KIND,
    name: data.primary,
    tenantId: rec?.tenantId ?? 'admin',
    data: data as unknown as Record<string, unknown>,
  });
}
