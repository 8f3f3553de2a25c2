import { posix } from 'node:path';
import { BACKUP_SUFFIX, type PreviousFile } from '../nginx/apply.js';
import type { Target } from '../targets/target.js';

/** Where a site's pair lives (certPaths): its folder and the new pair's two files. */
interface PairPaths {
  dir: string;
  fullchain: string;
  privkey: string;
}

const DIRECTIVE = /^\s*(ssl_certificate|ssl_certificate_key)\s+([^\s;]+)\s*;/gm;

/**
 * The certificate pair a site's configuration reads now (the files its `ssl_certificate`
 * and `ssl_certificate_key` name inside the site's own certificate folder), with their
 * content: what an undo writes back, and what goes once the new pair is served. Files
 * outside the folder are never counted (an admin's template may name shared ones), nor the
 * new pair itself (the same certificate installed again).
 */
export async function servedPair(target: Target, pair: PairPaths, config: string | null): Promise<PreviousFile[]> {
  const found: PreviousFile[] = [];
  for (const m of config?.matchAll(DIRECTIVE) ?? []) {
    const path = posix.normalize(m[2]);
    if (posix.dirname(path) !== pair.dir || path === pair.fullchain || path === pair.privkey) continue;
    if (found.some((f) => f.path === path)) continue;
    const content = (await target.readFile(path))?.toString('utf8');
    if (content !== undefined) found.push({ path, content, mode: m[1] === 'ssl_certificate_key' ? 0o600 : 0o644 });
  }
  return found;
}

/**
 * The previous files of an install in the order that puts them back safely when written
 * one after the other (restoreFiles, a job's undo): the old pair first (nothing names it
 * yet), then the configuration that names it, then the new pair's files (absent before,
 * so removed) once nothing names them any more.
 */
export function undoOrder(old: PreviousFile[], changed: PreviousFile[], configPath: string): PreviousFile[] {
  return [...old, ...changed.filter((f) => f.path === configPath), ...changed.filter((f) => f.path !== configPath)];
}

/** The fixed names of the pairs older seriens wrote, and overwrote in place (with a backup of the chain). */
const LEGACY = new Set(['fullchain.pem', 'privkey.pem']);

/**
 * Removes the pair served until now, once the new one is served (nothing names it any
 * more); a pair under the fixed names of an older serein goes with the backup copies it
 * left beside it.
 */
export async function removePair(target: Target, old: PreviousFile[]): Promise<void> {
  for (const f of old) {
    await target.remove(f.path);
    if (LEGACY.has(posix.basename(f.path))) await target.remove(f.path + BACKUP_SUFFIX);
  }
}
