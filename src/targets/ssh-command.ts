import { createHash } from 'node:crypto';
import { PID_PRELUDE, checkArgv, checkEnv } from './common.js';

/** What goes over the SSH wire as text: the one place serein builds shell syntax, and the host key's fingerprint. */

/**
 * Quotes one argv element for a POSIX shell: the whole string inside single quotes, each
 * `'` written as `'\''` (close quote, escaped quote, reopen). Inside single quotes a POSIX
 * shell gives no character a meaning (no `$`, backquote, backslash, glob or newline
 * handling) and the result has no unquoted blank, so it is always exactly one literal word.
 * SSH carries only a command string: this is the one place serein builds shell syntax.
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('an argv element cannot contain a NUL byte');
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command string sent over SSH: exported variables, the pid line used to kill the
 * program on timeout, then `exec` of the quoted argv. Names are checked identifiers and
 * every value is quoted. Needs a POSIX login shell for the user (sh, bash, dash, ksh, zsh).
 */
export function sshCommand(argv: readonly string[], env?: Record<string, string>): string {
  checkArgv(argv);
  checkEnv(env);
  const vars = Object.entries(env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`);
  const exportPart = vars.length > 0 ? `export ${vars.join(' ')}; ` : '';
  return `${exportPart}${PID_PRELUDE}; exec ${argv.map(shellQuote).join(' ')}`;
}

/** The fingerprint of a raw SSH public key blob, exactly as `ssh-keygen -lf` prints it. */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
