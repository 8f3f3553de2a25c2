import { posix } from 'node:path';
import type { WebserverConfig } from '../config/schema.js';
import { siteUsersOn } from '../config/sites.js';
import { fix, ok, skip, type MachineCheck, type MachineDeps, type Outcome } from './finding.js';
import type { ProbeAnswer, Probes } from './probe.js';
import { notDenied, SCHEDULER_DENY_FILES } from './scheduling.js';

/** What an operation needs of a web server; `serein check` looks at all of it. */
export type WebserverPart =
  | 'vhosts'
  | 'sites'
  | 'logs'
  | 'certs'
  | 'challenges'
  | 'nginx'
  | 'reload'
  | 'pid'
  | 'users'
  | 'scheduling'
  | 'php'
  | 'test';

/** Every part, for `serein check` (which looks at all of them); an operation passes only the parts it needs. */
export const ALL_WEBSERVER_PARTS: readonly WebserverPart[] = [
  'vhosts',
  'sites',
  'logs',
  'certs',
  'challenges',
  'nginx',
  'reload',
  'pid',
  'users',
  'scheduling',
  'php',
  'test',
];

const quoted = (argv: readonly string[]) =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

/** Where the service cannot write: the sandbox of deploy/serein.service, or the folder's owner and mount. */
const readonlyFix = (path: string) =>
  `serein cannot write ${path}: add it to ReadWritePaths of the service (systemctl edit serein), or check its owner and mount (ls -ld ${path}; findmnt -T ${path})`;

/** A folder serein writes into: what each answer of the probe means, with the fix. */
function folder(path: string, key: string, answer: ProbeAnswer, o: { mustExist?: string } = {}): Outcome {
  switch (answer) {
    case 'ok':
      return ok();
    case 'readonly':
      return fix(readonlyFix(path));
    case 'notdir':
      return fix(`${path} is a file, not a folder: set ${key} to a folder`);
    case 'creatable':
      return o.mustExist
        ? fix(`${path} does not exist: ${o.mustExist}`)
        : ok('missing: serein creates it on first use');
    default:
      return fix(
        `${path} does not exist and cannot be created (its nearest parent is missing or read-only): mkdir -p ${path}, or set ${key}`,
      );
  }
}

/**
 * The checks of one web server on its own target (local, SSH or container alike): its
 * folders, nginx, its reload command, its pid file and, with `test`, `nginx -t`.
 */
export function webserverChecks(
  deps: MachineDeps,
  probes: Probes,
  name: string,
  ws: WebserverConfig,
  parts: readonly WebserverPart[] = ALL_WEBSERVER_PARTS,
): MachineCheck[] {
  const subject = `web server ${name}`;
  const key = (k: string) => `webservers.${name}.${k}`;
  const target = () => deps.target(ws.target);
  const on = ws.target === 'local' ? '' : ` on ${ws.target}`;
  const ask = (item: Parameters<Probes['ask']>[2]) => probes.ask(ws.target, target, item);
  const checks: MachineCheck[] = [];
  const dir = (part: WebserverPart, label: string, k: keyof WebserverConfig, mustExist?: string) => {
    if (!parts.includes(part)) return;
    const path = ws[k] as string;
    const answer = ask({ kind: 'dir', path });
    checks.push({
      subject,
      what: `${label} ${path}${on} (${key(k)})`,
      run: async () => folder(path, key(k), await answer(), { mustExist }),
    });
  };
  // nginx reads only the folder it includes: one serein made would be a folder nobody reads.
  dir(
    'vhosts',
    'site configuration folder',
    'vhostDir',
    `create it (mkdir -p ${ws.vhostDir}) and include it in nginx's http block (include ${posix.join(ws.vhostDir, '*.conf')};), or set ${key('vhostDir')} to the folder nginx includes`,
  );
  dir('sites', 'web root', 'webRoot');
  dir('logs', 'log folder', 'logDir');
  dir('certs', 'certificate folder', 'certDir');
  dir('challenges', 'challenge folder', 'challengeRoot');

  const nginx = ws.nginx[0];
  if (parts.includes('nginx')) {
    const found = ask({ kind: 'bin', path: nginx });
    checks.push({
      subject,
      what: `nginx: ${nginx}${on} (${key('nginx')})`,
      run: async () =>
        (await found()) === 'ok'
          ? ok()
          : fix(
              `${nginx} is not found${on}: install nginx (apt install nginx), or set ${key('nginx')} to its full path`,
            ),
    });
  }
  if (parts.includes('reload')) {
    const reload = ws.reload ?? [...ws.nginx, '-s', 'reload'];
    const found = ask({ kind: 'bin', path: reload[0] });
    const systemctl = posix.basename(reload[0]) === 'systemctl';
    const systemd = systemctl ? ask({ kind: 'systemd' }) : undefined;
    checks.push({
      subject,
      what: `reload command: ${quoted(reload)}${on} (${ws.reload ? key('reload') : `default, from ${key('nginx')}`})`,
      run: async () => {
        if ((await found()) !== 'ok')
          return fix(
            `${reload[0]} is not found${on}: ${ws.reload ? `fix ${key('reload')}, or remove it (serein then runs ${quoted([...ws.nginx, '-s', 'reload'])})` : `install nginx, or set ${key('nginx')} to its full path`}`,
          );
        if (systemd && (await systemd()) !== 'ok') {
          return fix(
            `${ws.target === 'local' ? 'this machine' : ws.target} does not run systemd, so ${quoted(reload)} cannot work: remove ${key('reload')} (serein then runs ${quoted([...ws.nginx, '-s', 'reload'])}), or set it to the command that reloads nginx there`,
          );
        }
        return ok();
      },
    });
  }
  if (parts.includes('pid') && ws.pidFile) {
    const pid = ws.pidFile;
    const found = ask({ kind: 'file', path: pid });
    checks.push({
      subject,
      what: `nginx pid file ${pid}${on} (${key('pidFile')})`,
      run: async () =>
        (await found()) === 'ok'
          ? ok()
          : fix(
              `${pid} does not exist: start nginx (systemctl start nginx), or set ${key('pidFile')} to the pid directive of nginx.conf`,
            ),
    });
  }
  // Each new site's own user (src/actions/site-user.ts) and its PHP pool need these programs on the target.
  const program = (part: WebserverPart, bin: string, what: string, fixIt: string) => {
    if (!parts.includes(part)) return;
    const found = ask({ kind: 'bin', path: bin });
    checks.push({
      subject,
      what: `${what}: ${bin}${on}`,
      run: async () => ((await found()) === 'ok' ? ok() : fix(`${bin} is not found${on}: ${fixIt}`)),
    });
  };
  if (siteUsersOn(ws, deps.config.targets))
    for (const bin of ['useradd', 'userdel', 'groupdel', 'pkill'])
      program(
        'users',
        bin,
        `each new site's own system user (${key('siteUsers')})`,
        `install ${bin === 'pkill' ? 'procps (apt install procps)' : 'the passwd package (apt install passwd)'}, or set ${key('siteUsers')}: false (new sites then share the web server's user)`,
      );
  // serein check only (no operation asks for it): a site user its code could schedule jobs as, which outlive its site.
  if (siteUsersOn(ws, deps.config.targets) && parts.includes('scheduling'))
    checks.push({
      subject,
      what: `site users denied cron and at${on}`,
      run: async () => {
        const r = await target().run(['getent', 'passwd']);
        if (r.code !== 0) return skip('the accounts could not be listed');
        const users = r.stdout
          .split('\n')
          .map((l) => l.split(':'))
          .filter((f) => (f[4] ?? '').startsWith('serein site '))
          .map((f) => f[0]);
        const left = await notDenied(target(), users);
        // A warning, not a problem: a delete removes such a user's jobs all the same, and users made before
        // (by an older serein, or by hand) are the admin's to add.
        return left.length === 0
          ? ok()
          : ok(
              `warning: ${left.length} site user(s) may use cron or at${on} (${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''}): add each, one a line, to ${SCHEDULER_DENY_FILES.join(' and ')}`,
            );
      },
    });
  if (ws.php)
    program(
      'php',
      ws.php.fpm[0],
      `PHP for the sites, one pool per site (${key('php.fpm')})`,
      `install php-fpm (apt install php8.2-fpm), or set ${key('php.fpm')} to its full path`,
    );
  if (parts.includes('test')) {
    checks.push({
      subject,
      what: `nginx -t passes${on}`,
      silent: `${quoted([...ws.nginx, '-t'])} did not finish in time: run it by hand and see where it stops`,
      run: async () => {
        const r = await target().run([...ws.nginx, '-t'], { timeoutMs: 30_000 });
        if (r.code === 0) return ok();
        if (r.code === 127) return skip('nginx is not found (said above)');
        const why = `${r.stderr}\n${r.stdout}`
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !/test (is successful|failed)/.test(l))
          .pop();
        return fix(
          `${quoted([...ws.nginx, '-t'])} fails now, so every change would be refused: ${why ?? `exit code ${r.code}`}; fix nginx's configuration until it passes`,
        );
      },
    });
  }
  return checks;
}
