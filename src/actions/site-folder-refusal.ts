import { SymlinkRefused } from '../targets/site-folder.js';
import { siteFolderLink } from './site-folder-errors.js';

// Where a site folder's refused link becomes the client's error (./site-folder-errors.ts).

/** Runs a site-folder operation of a site being created or changed, turning a refused symbolic link into the client's error. */
export async function folderOp<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof SymlinkRefused) throw siteFolderLink('create', err.message);
    throw err;
  }
}

/** The client's error when deleting a site's files was refused (nothing was deleted: see removeSiteFolder). */
export const deleteRefused = (err: SymlinkRefused) => siteFolderLink('delete', err.message);
