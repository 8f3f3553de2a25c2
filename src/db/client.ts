import type { Target } from '../targets/target.js';
import { sqlLiteral } from './identifiers.js';
import { SqlError } from './session.js';

/**
 * Running a database server's own client (mariadb, psql) on a target, for servers the
 * daemon cannot reach directly (behind SSH, inside a container). Each statement is one
 * client run, so each is checked on its own.
 *
 * Secrets never reach argv or the environment (both are visible to `ps` and
 * /proc/<pid>/environ): the admin password is the first line of the program's standard
 * input, read by a fixed sh script (no request value is ever part of it) that hands it
 * to the client, followed by the SQL. Generated passwords only ever travel inside the
 * SQL, on standard input too.
 */

/**
 * MariaDB: the password goes to an option file on file descriptor 3, fed by a
 * here-document (a pipe in dash, busybox and bash >= 5.1; at worst a temporary file the
 * shell has already unlinked), so it never touches a file name anyone can open.
 * `--defaults-extra-file` must be the client's first option.
 */
export const MARIADB_SCRIPT = `IFS= read -r p
prog=$1; shift
exec 3<<SEREIN_EOF
[client]
password="$p"
SEREIN_EOF
p=
exec "$prog" --defaults-extra-file=/dev/fd/3 "$@"`;

/**
 * PostgreSQL: libpq only reads a password file that is a regular file, so the script
 * writes one with mktemp (mode 0600, owned by the connecting user), points PGPASSFILE
 * (a path, not the secret) at it, and removes it as soon as psql exits.
 */
export const PSQL_SCRIPT = `IFS= read -r p
f=$(mktemp) || exit 70
trap 'rm -f "$f"' HUP INT TERM
cat > "$f" <<SEREIN_EOF
$p
SEREIN_EOF
p=
PGPASSFILE=$f "$@"
rc=$?
rm -f "$f"
exit $rc`;

/** A password as a MariaDB option-file value inside double quotes. */
export function mariadbOptionValue(password: string): string {
  if (/[\r\n\0]/.test(password))
    throw new TypeError('the admin password contains a line break; use a driver connection or change it');
  return password.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** A .pgpass line matching any server with this password. */
export function pgpassLine(password: string): string {
  if (/[\r\n\0]/.test(password))
    throw new TypeError('the admin password contains a line break; use a driver connection or change it');
  return `*:*:*:*:${password.replace(/\\/g, '\\\\').replace(/:/g, '\\:')}`;
}

/** Replaces each `?` with a strict literal: the client has no parameter binding. */
export function inlineParams(sql: string, params: string[] = []): string {
  let i = 0;
  const out = sql.replace(/\?/g, () => {
    if (i >= params.length) throw new TypeError('more ? placeholders than parameters');
    return sqlLiteral(params[i++]);
  });
  if (i !== params.length) throw new TypeError('more parameters than ? placeholders');
  return out;
}

/** Output of `--batch --raw` (mariadb) or `-A -t -F <tab>` (psql): one row per line, tab-separated. */
export function parseRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

/** The server's message from a client's stderr, without the client's prefix. */
export function clientError(stderr: string): { message: string; code?: string } {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines.find((l) => /ERROR|FATAL|error:/.test(l)) ?? lines[0] ?? 'the client failed without a message';
  const maria = /^ERROR (\d+) \(([0-9A-Z]+)\)(?: at line \d+)?: (.*)$/.exec(line);
  if (maria) return { code: maria[1], message: maria[3] };
  const pg = /^(?:psql:[^:]*:\d+: )?(?:ERROR|FATAL):\s+(.*)$/.exec(line);
  if (pg) return { message: pg[1] };
  return { message: line.replace(/^psql: error: /, '') };
}

/** Runs one statement through a client on a target; the password (if any) and SQL travel on stdin. */
export async function runClientStatement(
  target: Target,
  o: {
    script: string;
    argv: string[];
    firstLine?: string;
    sql: string;
    env?: Record<string, string>;
    timeoutMs?: number;
  },
): Promise<string[][]> {
  const sql = o.sql.trimEnd().endsWith(';') ? o.sql : `${o.sql};`;
  const argv = o.firstLine === undefined ? o.argv : ['sh', '-c', o.script, 'serein-db', ...o.argv];
  const stdin = o.firstLine === undefined ? `${sql}\n` : `${o.firstLine}\n${sql}\n`;
  const r = await target.run(argv, { stdin, env: o.env, timeoutMs: o.timeoutMs ?? 60_000 });
  if (r.code !== 0) {
    const e = clientError(r.stderr || r.stdout || `exit code ${r.code}`);
    throw new SqlError(r.code === 124 ? `timed out: ${e.message}` : e.message, sql, e.code ?? `exit ${r.code}`);
  }
  return parseRows(r.stdout);
}
