import type { DatabaseServerConfig } from '../config/schema.js';
import type { Target } from '../targets/target.js';
import { mariadbOptionValue, pgpassLine, clientError } from './client.js';
import { checkIdentifier } from './identifiers.js';
import { SqlError } from './session.js';

/**
 * A copy of one database as its server's own tools make it (mariadb-dump, pg_dump), and
 * loading it back (mariadb, pg_restore), run as argv on a target: the server's target for
 * `via: client`, the daemon's machine for a driver connection. The password (the admin's
 * to dump, the database user's to load) is the first line of standard input, read by
 * fixed sh scripts (as in ./client.ts): no request value is ever part of a script, only
 * of argv, and only after it was checked.
 *
 * The copy is written next to its final name and renamed once complete, 0600 in a 0700
 * folder, so a crash never leaves half a dump under the name the trash records.
 *
 * A copy holds the tenant's own SQL (names, functions, checks it wrote), so it is loaded
 * connected as the tenant's new database user, never the admin: whatever it runs has
 * only the tenant's rights. The MariaDB client reads it with client commands off
 * (`--binary-mode`, and `--sandbox` where the client has it), so a name carrying
 * `\! command` into a dump is never a shell command, and dumps carry no comments.
 */

/** Shared head: the password from stdin, the trash folder made private, the secret handed over as in ./client.ts. */
const HEAD = `IFS= read -r p
file=$1; shift
umask 077
mkdir -p -- "\${file%/*}" && chmod 0700 -- "\${file%/*}" || { echo "serein: cannot create the folder of $file" >&2; exit 71; }
rm -f -- "$file.part" "$file.part.gz"`;

/** MariaDB: the password on fd 3 as an option file; the dump is plain SQL, compressed once complete. */
const MARIADB_DUMP = `${HEAD}
prog=$1; shift
exec 3<<SEREIN_EOF
[client]
password="$p"
SEREIN_EOF
p=
"$prog" --defaults-extra-file=/dev/fd/3 "$@" > "$file.part" || { rm -f -- "$file.part"; exit 72; }
gzip -n -- "$file.part" || { rm -f -- "$file.part" "$file.part.gz"; exit 73; }
mv -f -- "$file.part.gz" "$file" && wc -c < "$file"`;

/**
 * The dump loaded into an existing database by the mariadb client, as the database's own
 * user; a damaged copy is refused before anything runs. The DEFINER of a trigger, view or
 * routine is dropped where the dump writes it (at the start of its DDL lines; data rows
 * are INSERT lines), so each is defined by the user loading it: the tenant may not name
 * another account, and its old user may have another name.
 */
const MARIADB_LOAD = `IFS= read -r p
file=$1; prog=$2; shift 2
gzip -t -- "$file" || exit 74
sandbox=
"$prog" --no-defaults --help 2>/dev/null | grep -q -e '--sandbox' && sandbox=--sandbox
q='\`([^\`]|\`\`)*\`'
exec 3<<SEREIN_EOF
[client]
password="$p"
SEREIN_EOF
p=
gzip -dc -- "$file" | sed -E \
  -e "s/^(\\/\\*!50003 CREATE\\*\\/ )\\/\\*!50017 DEFINER=$q@$q\\*\\/ /\\1/" \
  -e "s/^\\/\\*!50013 DEFINER=$q@$q /\\/*!50013 /" \
  -e "s/^CREATE DEFINER=$q@$q /CREATE /" \
  | "$prog" --defaults-extra-file=/dev/fd/3 --binary-mode $sandbox "$@"`;

/** PostgreSQL: a private password file for libpq (as PSQL_SCRIPT), pg_dump's own compressed format. */
const PG_PASS = `f=$(mktemp) || exit 70
trap 'rm -f "$f"' EXIT HUP INT TERM
cat > "$f" <<SEREIN_EOF
$p
SEREIN_EOF
p=`;

const PG_DUMP = `${HEAD}
${PG_PASS}
PGPASSFILE=$f "$@" -f "$file.part" || { rm -f -- "$file.part"; exit 72; }
mv -f -- "$file.part" "$file" && wc -c < "$file"`;

const PG_LOAD = `IFS= read -r p
file=$1; shift
${PG_PASS}
PGPASSFILE=$f "$@" "$file"`;

/** The server's own tool next to its client (a psql in /usr/lib/postgresql/15/bin has its pg_dump there). */
function tool(cfg: DatabaseServerConfig, name: 'mariadb-dump' | 'mariadb' | 'pg_dump' | 'pg_restore'): string {
  const client = cfg.client?.length === 1 ? cfg.client[0] : undefined;
  const m = client && /^(.*\/)?(mariadb|mysql|psql)$/.exec(client);
  if (!m) return name;
  if (name === 'mariadb') return client;
  if (name === 'mariadb-dump') return `${m[1] ?? ''}${m[2] === 'mysql' ? 'mysqldump' : 'mariadb-dump'}`;
  return `${m[1] ?? ''}${name}`;
}

const mariaConn = (cfg: DatabaseServerConfig, user = cfg.user) => [
  ...(cfg.host.startsWith('/')
    ? ['--protocol=socket', `--socket=${cfg.host}`]
    : ['--protocol=tcp', `--host=${cfg.host}`, `--port=${cfg.port ?? 3306}`]),
  `--user=${user}`,
  '--default-character-set=utf8mb4',
];
const pgConn = (cfg: DatabaseServerConfig, user = cfg.user) => [
  '-w',
  '-h',
  cfg.host,
  '-p',
  String(cfg.port ?? 5432),
  '-U',
  user,
];
const PG_ENV = { PGCONNECT_TIMEOUT: '10', PGAPPNAME: 'serein', PGCLIENTENCODING: 'UTF8' };

/** The password line the scripts read first (empty when the server needs none). */
function firstLine(cfg: DatabaseServerConfig, password: string | undefined): string {
  if (password === undefined) return '';
  return cfg.engine === 'mariadb' ? mariadbOptionValue(password) : pgpassLine(password);
}

async function run(
  target: Target,
  script: string,
  args: string[],
  stdin: string,
  what: string,
  env?: Record<string, string>,
): Promise<string> {
  const r = await target.run(['sh', '-c', script, 'serein-dump', ...args], { stdin, env, timeoutMs: 3_600_000 });
  if (r.code !== 0) {
    const e = clientError(r.stderr || r.stdout || `exit code ${r.code}`);
    throw new SqlError(`${what}: ${e.message}`, what, e.code ?? `exit ${r.code}`);
  }
  return r.stdout.trim();
}

/** Writes a complete copy of `database` to `file` on `target`; returns its size in bytes. */
export async function dumpDatabase(
  target: Target,
  cfg: DatabaseServerConfig,
  password: string | undefined,
  database: string,
  file: string,
): Promise<number> {
  checkIdentifier(database);
  const stdin = `${firstLine(cfg, password)}\n`;
  const said =
    cfg.engine === 'mariadb'
      ? await run(
          target,
          MARIADB_DUMP,
          [
            file,
            tool(cfg, 'mariadb-dump'),
            ...mariaConn(cfg),
            '--skip-comments',
            '--single-transaction',
            '--quick',
            '--routines',
            '--triggers',
            '--hex-blob',
            '--',
            database,
          ],
          stdin,
          `dumping ${database}`,
        )
      : await run(
          target,
          PG_DUMP,
          [file, tool(cfg, 'pg_dump'), ...pgConn(cfg), '-Fc', '--no-owner', '--no-privileges', '-d', database],
          stdin,
          `dumping ${database}`,
          PG_ENV,
        );
  return Number(said.split('\n').pop()) || 0;
}

/**
 * Loads a copy made by dumpDatabase into `database`, an empty database serein just
 * created, connected as its own `user` with the password just made for it (never the
 * admin: the copy is the tenant's SQL), so every object is made by and owned by it.
 */
export async function loadDatabase(
  target: Target,
  cfg: DatabaseServerConfig,
  o: { database: string; user: string; password: string; file: string },
): Promise<void> {
  checkIdentifier(o.database);
  checkIdentifier(o.user);
  const stdin = `${firstLine(cfg, o.password)}\n`;
  if (cfg.engine === 'mariadb')
    await run(
      target,
      MARIADB_LOAD,
      [o.file, tool(cfg, 'mariadb'), ...mariaConn(cfg, o.user), '--batch', `--database=${o.database}`],
      stdin,
      `loading ${o.database}`,
    );
  else
    await run(
      target,
      PG_LOAD,
      [
        o.file,
        tool(cfg, 'pg_restore'),
        ...pgConn(cfg, o.user),
        '--no-owner',
        '--no-privileges',
        '--exit-on-error',
        '--single-transaction',
        '-d',
        o.database,
      ],
      stdin,
      `loading ${o.database}`,
      PG_ENV,
    );
}
