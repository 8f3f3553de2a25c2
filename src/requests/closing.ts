import { NEGATORS_AFTER, NEGATORS_BEFORE } from './lexicon.js';
import { negatedInClause } from './negation.js';

/**
 * Whether closing file access is what is asked, read beside ./access-reading.ts's `closesAccess`:
 * the access must be the closing verb's own object ("close the sftp access", not "delete files over
 * FTP", « supprimez les vieux fichiers du ftp ») and the closing not negated ("do not close the sftp
 * access", « ne coupez pas l'accès ftp »). A review found both read as sftp.delete: a removal nobody asked.
 */

/** Starts of words for things kept over file access: removing them is no closing of the access. */
const FILES = [
  'file',
  'fichier',
  'image',
  'photo',
  'picture',
  'folder',
  'dossier',
  'document',
  'pdf',
  'upload',
  'video',
];
/** Words that make the access what a thing goes through ("with ftp", « par ftp », « du ftp »), not the thing removed. */
const MEANS = new Set('with over through via using by par avec from du des depuis dans in into en sur on'.split(' '));

/** Whether `access` is the first thing of `object` (the words after a closing or removal verb), before any file or means word. */
export function accessIsObject(object: string[], access: (w: string) => boolean): boolean {
  for (const w of object) {
    if (access(w)) return true;
    if (MEANS.has(w) || FILES.some((f) => w.startsWith(f))) return false;
  }
  return false;
}

/** Whether the closing verb at `i` of the words `ws` is negated: near it ("do not cut", « ne fermez pas ») or in its clause ("we don't want it disabled"). */
export function closingNegated(ws: string[], i: number): boolean {
  if (ws.slice(Math.max(0, i - 3), i).some((w) => NEGATORS_BEFORE.has(w) || w === 'cannot' || w === 'unable'))
    return true;
  if (ws.slice(i + 1, i + 3).some((w) => NEGATORS_AFTER.has(w))) return true;
  return negatedInClause(ws, Math.max(0, i - 10), i, ws.length, { isThing: () => false });
}
