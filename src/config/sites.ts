import { z } from 'zod';

// How a web server's sites are kept apart: a system user per site, and PHP per site.

/** A Unix user or group name as useradd accepts it. */
const unixName = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a user or group name (lower case, at most 32)');

/**
 * PHP for the sites of one web server: Debian's php-fpm, one pool per site running as the
 * site's own user (src/actions/php-pool.ts). The pool folder must be included by php-fpm's
 * configuration (Debian: `include=/etc/php/8.2/fpm/pool.d/*.conf`).
 */
export const phpSchema = z
  .object({
    fpm: z
      .array(z.string())
      .min(1)
      .default(['php-fpm8.2'])
      .describe(
        "argv that runs php-fpm with its configuration; -t is appended to test it (e.g. ['php-fpm8.2', '-y', '/etc/php/8.2/fpm/php-fpm.conf'])",
      ),
    poolDir: z
      .string()
      .startsWith('/', 'an absolute path')
      .default('/etc/php/8.2/fpm/pool.d')
      .describe('the folder php-fpm includes pools from (*.conf); serein writes serein-<user>.conf there'),
    socketDir: z
      .string()
      .startsWith('/', 'an absolute path')
      .default('/run/php')
      .describe("where each pool's socket is made (<user>.sock), mode 0600 for nginx's worker only"),
    reload: z
      .array(z.string())
      .min(1)
      .optional()
      .describe(
        "argv that reloads php-fpm gracefully; default: SIGUSR2 to pidFile's process, else systemctl reload php8.2-fpm",
      ),
    pidFile: z.string().startsWith('/', 'an absolute path').optional().describe("php-fpm master's pid file"),
    listenOwner: unixName
      .default('www-data')
      .describe("nginx's worker user: the only one allowed to use a pool's socket"),
  })
  .strict();

/** PHP-FPM settings of a web server (the phpSchema output). */
export type PhpConfig = z.output<typeof phpSchema>;

/** The part of a web server's settings that makes each new site a system user of its own. */
export const siteUserFields = {
  siteUsers: z
    .boolean()
    .optional()
    .describe(
      "each new site gets its own system user and group, <web root>/<domain>/ root's (its SFTP chroot) and its files in <web root>/<domain>/public/, the user's; sites created before keep their folder (shown as 'legacy'); default: on where the target can make users (local, ssh), off on a docker target",
    ),
  nginxGroup: unixName
    .default('www-data')
    .describe(
      "nginx's worker group: given each site's public folder (2750) so nginx reads its files and no other site can",
    ),
  php: phpSchema.optional().describe("PHP for this server's sites (vhost.create with php: true), one pool per site"),
};

/**
 * Whether a web server gives each new site its own system user: as configured, else where
 * its target can make one (a local or SSH machine). A container target has no useradd, and
 * its sites share the web server's user: shown to admins as such ("shared"), never silently.
 */
export function siteUsersOn(
  ws: { siteUsers?: boolean; target: string },
  targets: Readonly<Record<string, { type: string }>>,
): boolean {
  return ws.siteUsers ?? (targets[ws.target] !== undefined && targets[ws.target].type !== 'docker');
}
