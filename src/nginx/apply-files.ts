import { posix } from 'node:path';
import type { Target } from '../targets/target.js';

// What a change of nginx writes, and how it is put back (src/nginx/apply.ts runs them under its lock).

/** One file of a change: new content, or null to remove it. */
export interface NginxFileChange {
  path: string;
  content: string | null;
  mode?: number;
}

/** What a file held before a change (null: it did not exist): enough to put it back. */
export interface PreviousFile {
  path: string;
  content: string | null;
  mode?: number;
}

/** Hooks of one safeApplyNginx call: checkpointing and progress for the calling job. */
export interface SafeApplyOptions {
  /**
   * Receives the previous version of every file BEFORE anything is written. Actions
   * pass ctx.checkpoint here, so a daemon that dies mid-change can put them back.
   */
  onPrevious?(previous: PreviousFile[]): Promise<void>;
  /** Progress lines for the job log. */
  log?(message: string): void;
}

/** How a change went live. */
export interface SafeApplyResult {
  /** The versions replaced: pass them back to safeApplyNginx to undo the change. */
  previous: PreviousFile[];
  /** How many changes shared the nginx -t and reload that published this one. */
  batchSize: number;
}

/** Suffix of the copy of a file's previous version (outside an `*.conf` include glob). */
export const BACKUP_SUFFIX = '.serein-bak';
/** Suffix of a file nginx refused, kept for diagnosis (outside an `*.conf` include glob). */
export const REJECTED_SUFFIX = '.rejected';

/** A private key, whatever mode the caller asked for: never written readable by others, never copied for diagnosis. */
const PRIVATE_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const isPrivate = (f: { mode?: number; content: string | null }) =>
  (f.mode !== undefined && (f.mode & 0o077) === 0) || (f.content !== null && PRIVATE_PEM.test(f.content));
/** The mode a file is written with: the caller's, else 0600 for private keys and 0644 for the rest. */
const modeOf = (f: { mode?: number; content: string | null }) => f.mode ?? (isPrivate(f) ? 0o600 : 0o644);

/**
 * Writes a change's files in their order, after keeping each previous version beside it
 * (`<path>.serein-bak`), never for a private key: its undo takes it from the store, where
 * it is sealed; a copy left by an older serein goes as soon as its key is replaced or removed.
 */
export async function writeChange(target: Target, files: NginxFileChange[], previous: PreviousFile[]): Promise<void> {
  for (const p of previous) {
    if (p.content === null) continue;
    if (isPrivate(p) || files.some((f) => f.path === p.path && isPrivate(f)))
      await target.remove(p.path + BACKUP_SUFFIX);
    else await target.writeFile(p.path + BACKUP_SUFFIX, p.content, { mode: modeOf(p) });
  }
  for (const f of files) {
    if (f.content === null) await target.remove(f.path);
    else {
      await target.mkdir(posix.dirname(f.path));
      await target.writeFile(f.path, f.content, { mode: modeOf(f) });
    }
  }
}

/**
 * Puts back in the reverse order of the writes: a file naming others (a site's configuration
 * after its new certificate pair) goes back before they are removed, so nginx never names a
 * file that is gone.
 */
export async function restoreChange(target: Target, previous: PreviousFile[]): Promise<void> {
  for (const p of [...previous].reverse()) {
    if (p.content === null) await target.remove(p.path);
    else await target.writeFile(p.path, p.content, { mode: modeOf(p) });
  }
}

/** Keeps each refused file beside it as `<path>.rejected` for diagnosis (never a key); returns their paths. */
export async function keepRejected(target: Target, files: NginxFileChange[]): Promise<string[]> {
  const kept: string[] = [];
  for (const f of files) {
    if (f.content === null || isPrivate(f)) continue; // never leave extra copies of keys around
    try {
      await target.writeFile(f.path + REJECTED_SUFFIX, f.content, { mode: 0o600 });
      kept.push(f.path + REJECTED_SUFFIX);
    } catch {
      /* diagnosis only */
    }
  }
  return kept;
}
