import type { SFTPWrapper } from 'ssh2';
import { TargetError } from './target.js';

/** SFTP status code for a missing file (SSH_FX_NO_SUCH_FILE). */
export const SFTP_NO_SUCH_FILE = 2;

/** Promise form of an ssh2 callback API. */
export function call<T = void>(fn: (cb: (err: Error | undefined | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      fn((err, value) => (err ? reject(err) : resolve(value as T)));
    } catch (err) {
      reject(err);
    }
  });
}

/** Flushes the file to disk when the server offers fsync@openssh.com; a rename alone does not. */
export async function fsync(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  try {
    await call((cb) => sftp.ext_openssh_fsync(handle, cb));
  } catch (err) {
    if (!/not supported/i.test((err as Error).message)) throw err;
  }
}

/** An SFTP failure as a target error, with the fix its status code points to. */
export function sftpError(target: string, what: string, err: unknown): Error {
  if (err instanceof TargetError) return err;
  const code = (err as { code?: unknown }).code;
  const hint =
    code === SFTP_NO_SUCH_FILE
      ? 'create the folder first (mkdir)'
      : code === 3
        ? 'the SSH user lacks the permission; check the owner and mode of the folder'
        : 'see the error message';
  return new TargetError(`${target}: ${what}: ${(err as Error).message}`, hint, 'ssh_file_failed');
}
