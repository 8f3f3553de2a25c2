import { posix } from 'node:path';
import type { SftpConfig, WebserverConfig } from '../config/schema.js';
import type { ActionContext } from '../engine/action.js';
import { parseDomain } from '../dns/domain.js';
import type { Target } from '../targets/target.js';
import { VHOST_KIND } from '../nginx/site.js';
import { chrootUnsafe, legacySite, noAccount, noFolder, sftpNotOffered, siteNotFound } from './sftp-errors.js';
import { layoutProblems, userId, USER_NAME, type SftpAccount } from './sftp-sshd.js';

// A site as SFTP access sees it (./sftp.ts): the caller's, with its own user and its folders.

/** Resource kind of an SFTP account; its name is the site's primary name. */
export const SFTP_KIND = 'sftp';

/** What serein remembers about an account (never its password nor its hash). */
export interface SftpRecord {
  webserver: string;
  user: string;
  chroot: string;
  writable: string;
  password: boolean;
  keyFingerprint?: string;
}

/** A site with the account it has or would have. */
export interface Site {
  domain: string;
  tenantId: string;
  webserver: string;
  ws: WebserverConfig;
  sftp: SftpConfig;
  target: Target;
  account: SftpAccount;
  record?: SftpRecord;
}

/**
 * The caller's site and the account it would have, checked before anything changes: the
 * site is the caller's, its server offers SFTP, it has its own user (a "legacy" site
 * created before that is refused with what to do), and its folders are as sshd requires.
 */
export async function siteOf(ctx: ActionContext, domainInput: string, o: { lookAtDisk: boolean }): Promise<Site> {
  const domain = parseDomain(domainInput, false);
  const tenants = ctx.services.store.tenants;
  const rec = await tenants.getResource(VHOST_KIND, domain);
  if (!rec || (ctx.tenantId && rec.tenantId !== ctx.tenantId)) throw siteNotFound(domain);
  // The site's record names its own user and its document root (the site's writable folder);
  // the chroot is the folder around it, <web root>/<domain>/, root's.
  const data = rec.data as { webserver: string; root?: string; user?: unknown };
  const ws = ctx.services.nginx.webserver(data.webserver);
  if (!ws.sftp) throw sftpNotOffered(domain, data.webserver);
  if (!data.root) throw noFolder(domain);
  if (typeof data.user !== 'string' || !USER_NAME.test(data.user))
    throw legacySite(domain, 'the site has no system user of its own');
  const writable = posix.normalize(data.root).replace(/\/+$/, '');
  const account: SftpAccount = { user: data.user, chroot: posix.dirname(writable), writable };
  const webRoot = posix.normalize(ws.webRoot).replace(/\/+$/, '');
  if (account.chroot !== posix.join(webRoot, domain))
    throw legacySite(domain, `its files are in ${writable}, not in ${posix.join(webRoot, domain)}/<folder>`);
  const target = ctx.services.target(ws.target);
  if (o.lookAtDisk) {
    const uid = await userId(target, account.user);
    if (uid === undefined) throw legacySite(domain, `the system user ${account.user} does not exist`);
    if (uid === 0) throw chrootUnsafe(domain, `${account.user} is root`);
    const problems = await layoutProblems(target, account);
    if (problems.length) throw chrootUnsafe(domain, problems.join('; '));
  }
  const own = await tenants.getResource(SFTP_KIND, domain);
  const record = own?.tenantId === rec.tenantId ? (own.data as unknown as SftpRecord) : undefined;
  return { domain, tenantId: rec.tenantId, webserver: data.webserver, ws, sftp: ws.sftp, target, account, record };
}

/** A value sealed for a checkpoint (a password hash is still worth guarding). */
export const sealed = (ctx: ActionContext, s: string) => ctx.services.certificates.seal.seal(s);
/** A sealed value opened again by an undo. */
export const opened = (ctx: ActionContext, s: string) => ctx.services.certificates.seal.open(s);

/** What the client needs to connect; the password, when there is one, is shown once. */
export function access(s: Site, password?: string, fingerprint?: string) {
  return {
    host: s.sftp.host,
    port: s.sftp.port,
    username: s.account.user,
    folder: posix.basename(s.account.writable),
    password: password ?? '',
    keyFingerprint: fingerprint ?? '',
  };
}

/** An account to close: read from its own record, so it can be closed even once its site is gone. */
export interface Account {
  domain: string;
  tenantId: string;
  record: SftpRecord;
  ws: WebserverConfig;
  sftp: SftpConfig;
  target: Target;
}

/** The caller's account for this site, or "not found" (another tenant's does not exist for a client). */
export async function accountOf(ctx: ActionContext, domainInput: string): Promise<Account> {
  const domain = parseDomain(domainInput, false);
  const rec = await ctx.services.store.tenants.getResource(SFTP_KIND, domain);
  if (!rec || (ctx.tenantId && rec.tenantId !== ctx.tenantId)) throw noAccount(domain);
  const record = rec.data as unknown as SftpRecord;
  const ws = ctx.services.nginx.webserver(record.webserver);
  if (!ws.sftp) throw sftpNotOffered(domain, record.webserver);
  return { domain, tenantId: rec.tenantId, record, ws, sftp: ws.sftp, target: ctx.services.target(ws.target) };
}
