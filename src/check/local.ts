import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Config } from '../config/schema.js';
import { fix, ok, reason, unanswered, type MachineCheck, type Outcome } from './finding.js';

/** A file the daemon itself reads (password, CA bundle, logo): there and readable, or the fix. */
export async function readableFile(path: string, key: string, what: string): Promise<Outcome> {
  try {
    if (!(await stat(path)).isFile()) return fix(`${path} is not a file: set ${key} to a file holding ${what}`);
    await access(path, constants.R_OK);
    return ok();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return fix(
        `${path} does not exist: write ${what} in it (install -m 600 /dev/null ${path}, then edit it), or fix ${key}`,
      );
    return fix(
      `${path} cannot be read (${code ?? reason(err)}): check its owner and mode (ls -l ${path}), or fix ${key}`,
    );
  }
}

/** A folder the daemon writes itself: there and writable, or missing with a writable parent (it creates it). */
async function writableFolder(path: string, key: string): Promise<Outcome> {
  let p = path;
  for (;;) {
    try {
      const s = await stat(p);
      if (!s.isDirectory()) return fix(`${p} is not a folder: fix ${key}`);
      break;
    } catch {
      if (dirname(p) === p) break;
      p = dirname(p);
    }
  }
  try {
    await access(p, constants.W_OK);
  } catch {
    return fix(
      `serein cannot write ${p}: add it to ReadWritePaths of the service (systemctl edit serein), or check its owner and mount (ls -ld ${p})`,
    );
  }
  return p === path ? ok() : ok('missing: serein creates it at start');
}

/**
 * What the daemon reads and writes on its own machine: its state folder (seal key,
 * ACME account keys), its store, its playbooks, the mail password file and the logo.
 */
export function localChecks(config: Config): MachineCheck[] {
  const subject = 'serein';
  const checks: MachineCheck[] = [
    {
      subject,
      what: `state folder ${config.stateDir} (stateDir)`,
      run: () => writableFolder(config.stateDir, 'stateDir'),
    },
  ];
  const store = config.store;
  if (store.driver === 'sqlite' && store.path !== ':memory:') {
    checks.push({
      subject,
      what: `store ${store.path} (store.path)`,
      run: () => writableFolder(dirname(store.path), 'store.path'),
    });
  } else if (store.driver === 'postgres') {
    const where = (() => {
      try {
        const u = new URL(store.url);
        return `${u.hostname}:${u.port || 5432}`;
      } catch {
        return 'the configured PostgreSQL';
      }
    })();
    checks.push({
      subject,
      what: `store: PostgreSQL at ${where} (store.url)`,
      silent: `nothing answered at ${where} in time: check store.url and that PostgreSQL runs there (systemctl status postgresql)`,
      run: async () => {
        const { default: pg } = await import('pg');
        const client = new pg.Client({
          connectionString: store.url,
          connectionTimeoutMillis: 5000,
          application_name: 'serein check',
        });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.query('SELECT 1');
          return ok();
        } catch (err) {
          const why = reason(err).split(store.url).join('store.url');
          return fix(
            unanswered(err)
              ? `nothing answers at ${where} (${why}): start PostgreSQL (systemctl start postgresql), or fix store.url`
              : `${why}: check the user, password and database in store.url`,
          );
        } finally {
          await client.end().catch(() => undefined);
        }
      },
    });
  }
  checks.push({
    subject,
    what: `playbooks folder ${config.playbooks} (playbooks)`,
    run: async () =>
      (await stat(config.playbooks).then(
        (s) => s.isDirectory(),
        () => false,
      ))
        ? ok()
        : fix(
            `${config.playbooks} is not a folder: set playbooks to serein's playbooks folder (e.g. /opt/serein/playbooks)`,
          ),
  });
  const mailPassword = config.mail?.auth?.passwordFile;
  if (mailPassword)
    checks.push({
      subject: 'mail',
      what: `SMTP password file ${mailPassword} (mail.auth.passwordFile)`,
      run: () => readableFile(mailPassword, 'mail.auth.passwordFile', 'the SMTP password'),
    });
  const logo = config.branding.logo;
  if (logo)
    checks.push({
      subject: 'client page',
      what: `logo ${logo} (branding.logo)`,
      run: () => readableFile(logo, 'branding.logo', 'a PNG or SVG logo'),
    });
  return checks;
}
