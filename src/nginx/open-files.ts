import type { RaiseAlert } from '../alerts.js';
import type { Target } from '../targets/target.js';

/** What a reload would need in open files, against what nginx's processes may open. */
export interface OpenFilesFigure {
  /** Files the master holds now (its sites' logs, its sockets...). */
  open: number;
  /** About what the master holds during a reload: both configurations at once. */
  duringReload: number;
  /** The master's limit (its "Max open files"). */
  masterLimit: number;
  /** A worker's limit (worker_rlimit_nofile, else inherited): each holds one configuration's files. */
  workerLimit?: number;
}

/** Share of a limit past which the admin is warned: a few more sites and the reload fails. */
const MARGIN = 0.9;

const softLimit = (limits: string | undefined) => {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits ?? '');
  return !m ? undefined : m[1] === 'unlimited' ? Infinity : Number(m[1]);
};

/**
 * The open files of an nginx before a reload can fail on them: during a reload the master
 * opens the new configuration's files (every site's access and error log) while it still
 * holds the old one's, so it needs about twice what it holds now; a master out of file
 * descriptors keeps the old configuration, and a worker out of them drops connections.
 * Read from /proc on the target (the master's open descriptors and limits, a worker's
 * limit). Returns the figure when it is within 10 % of a limit, else undefined (also when
 * /proc cannot be read there).
 */
export async function openFilesAtRisk(
  target: Target,
  master: number,
  worker?: number,
): Promise<OpenFilesFigure | undefined> {
  const read = async (path: string) => (await target.readFile(path).catch(() => undefined))?.toString('utf8');
  const masterLimit = softLimit(await read(`/proc/${master}/limits`));
  if (masterLimit === undefined || masterLimit === Infinity) return undefined;
  const listed = await target.run(['ls', '-1', `/proc/${master}/fd`], { timeoutMs: 10_000 }).catch(() => undefined);
  if (!listed || listed.code !== 0) return undefined;
  const open = listed.stdout.split('\n').filter(Boolean).length;
  const workerLimit = worker ? softLimit(await read(`/proc/${worker}/limits`)) : undefined;
  const figure = { open, duringReload: 2 * open, masterLimit, workerLimit };
  const over = figure.duringReload > MARGIN * masterLimit || (workerLimit !== undefined && open > MARGIN * workerLimit);
  return over ? figure : undefined;
}

/** What the admins read: the figure, and the ways out (the limits, or serein's shared logs). */
export function openFilesMessage(webserver: string, f: OpenFilesFigure): string {
  const worker = f.workerLimit !== undefined ? `, each worker ${f.workerLimit}` : '';
  return (
    `nginx on ${webserver} holds ${f.open} open files (mostly its sites' log files); a reload opens the new ` +
    `configuration's files before it lets the old ones go, about ${f.duringReload}, and its master may open ` +
    `${f.masterLimit}${worker}: a few more sites and reloads fail (nginx then keeps the previous configuration). ` +
    `Raise the limits (worker_rlimit_nofile in nginx.conf, LimitNOFILE= in nginx's systemd unit, both above ` +
    `${Math.ceil(f.duringReload * 1.5)}), or set sharedLogs: true for ${webserver} in serein's configuration: every ` +
    `site then logs to one shared access log (its name in each line) and one shared error log, each site changing ` +
    `over at its next change.`
  );
}

/** When each nginx (by its master's pid) was last looked at: the check lists a folder, so once a minute is enough. */
const lastLook = new Map<string, number>();

/**
 * Before a reload: warns the admins once a minute at most while nginx's open files are near
 * a limit (openFilesAtRisk), with the figure and the fix. Never stops the reload: nginx
 * refuses it itself when it cannot open its files, and the applier sees that.
 */
export async function warnOpenFiles(
  target: Target,
  o: { webserver: string; master: number | undefined; workers: number[]; alert: RaiseAlert },
): Promise<void> {
  if (!o.master) return;
  const key = `${target.name}:${o.master}`;
  if (Date.now() - (lastLook.get(key) ?? 0) < 60_000) return;
  lastLook.set(key, Date.now());
  const figure = await openFilesAtRisk(target, o.master, o.workers[0]).catch(() => undefined);
  if (!figure) return;
  await o.alert({
    kind: 'nginx-open-files',
    tenantId: null,
    subject: `webserver:${o.webserver}`,
    message: openFilesMessage(o.webserver, figure),
    detail: { ...figure },
  });
}
