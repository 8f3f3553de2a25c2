import { createHash } from 'node:crypto';
import { openKey } from '../certificates/keys.js';
import type { ActionContext } from '../engine/action.js';
import type { PreviousFile } from '../nginx/apply.js';
import { restoreFiles } from '../nginx/restore.js';
import { certPaths } from '../nginx/site.js';

/** The hash a previous key is remembered by in a job's checkpoint (the key itself never is). */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A file replaced by an install, as its checkpoint keeps it: a key only as its hash and the id of the certificate it belongs to. */
export type RememberedFile = PreviousFile & { secretSha256?: string; secretCertificateId?: string };

/**
 * What a certificate install checkpoints of the files it replaces: a private key (0600)
 * becomes its hash plus the id of the certificate served until now when that one holds
 * it, so an undo reads one row instead of unsealing a fleet's keys to find it.
 */
export async function rememberPrevious(
  ctx: ActionContext,
  webserver: string,
  site: string,
  previous: PreviousFile[],
): Promise<RememberedFile[]> {
  const served = await ctx.services.store.certificates.active(webserver, site);
  let servedKey: string | undefined;
  try {
    servedKey = served ? sha256(openKey(ctx.services, served.keyPem)) : undefined;
  } catch {
    servedKey = undefined; // an unreadable stored key: the undo falls back to the site's history
  }
  return previous.map((f) => {
    if (f.mode !== 0o600 || f.content === null) return f;
    const hash = sha256(f.content);
    return {
      path: f.path,
      mode: f.mode,
      content: null,
      secretSha256: hash,
      ...(served && servedKey === hash ? { secretCertificateId: served.id } : {}),
    };
  });
}

/**
 * A previous private key: read by the id of the certificate it belongs to (one row, one
 * unsealing), else among that site's own history (a checkpoint written before ids were
 * recorded); always checked against its hash. The store is the only copy: no backup of a
 * key is ever written beside it (src/nginx/apply.ts).
 */
export async function findSecret(
  ctx: ActionContext,
  file: { path: string; secretSha256: string; secretCertificateId?: string },
  site: string,
): Promise<string> {
  const { path, secretSha256: hash } = file;
  const store = ctx.services.store.certificates;
  const known = file.secretCertificateId ? await store.get(file.secretCertificateId) : undefined;
  // No site name (the certificate's row is gone): no history to search, never the whole fleet's.
  for (const c of known ? [known] : site ? await store.list({ name: site, limit: 1000 }) : []) {
    const pem = openKey(ctx.services, c.keyPem);
    if (sha256(pem) === hash) return pem;
  }
  throw new Error(
    `the previous content of ${path} cannot be found again: no certificate of ${site || 'this site'} in the store holds that key`,
  );
}

/**
 * The undo of an install, by a job's compensation: the files it replaced put back in the
 * order they were remembered (src/certificates/pair.ts undoOrder: the old pair, then the
 * configuration naming it, then the new pair removed), each previous key read again from
 * the store, through safeApplyNginx. A daemon killed while writing a key or chain leaves
 * that write's temporary file (perhaps a key) in the site's certificate folder; every job
 * writing there holds the site's lock, so any one found now is a dead write's and goes.
 */
export async function putBackFiles(
  ctx: ActionContext,
  webserver: string,
  previous: RememberedFile[],
  site: string,
): Promise<void> {
  const files: PreviousFile[] = [];
  for (const f of previous)
    files.push(
      f.secretSha256
        ? { path: f.path, mode: f.mode, content: await findSecret(ctx, { ...f, secretSha256: f.secretSha256 }, site) }
        : f,
    );
  await restoreFiles(ctx.services.nginx, webserver, files, (m) => ctx.log(m));
  if (!site) return;
  const ws = ctx.services.nginx.webserver(webserver);
  await ctx.services
    .target(ws.target)
    .run(['find', certPaths(ws, site).dir, '-maxdepth', '1', '-type', 'f', '-name', '.serein-*.tmp', '-delete'], {
      timeoutMs: 15_000,
    });
}
