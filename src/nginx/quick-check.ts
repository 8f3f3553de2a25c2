import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { WebserverConfig } from '../config/schema.js';
import type { Target } from '../targets/target.js';
import type { NginxOutcome } from './commands.js';
import { sharedLogsSnippet } from './shared-logs.js';

/** One changed file of a batch, as the applier knows it: its path, and null content when it goes. */
interface Changed {
  path: string;
  content: string | null;
}

/** The main configuration file of an nginx, per web server argv: `-c`, else what `nginx -V` says it was built with. */
const mainFiles = new Map<string, Promise<string | undefined>>();

async function mainFile(target: Target, ws: WebserverConfig): Promise<string | undefined> {
  const c = ws.nginx.indexOf('-c');
  if (c >= 0) return posix.isAbsolute(ws.nginx[c + 1] ?? '') ? ws.nginx[c + 1] : undefined;
  const key = `${target.name}\0${ws.nginx.join('\0')}`;
  let known = mainFiles.get(key);
  if (!known) {
    known = target.run([...ws.nginx, '-V'], { timeoutMs: 10_000 }).then((r) => {
      const built = `${r.stderr}\n${r.stdout}`;
      const conf = /--conf-path=(\S+)/.exec(built)?.[1];
      const prefix = /--prefix=(\S+)/.exec(built)?.[1] ?? '/';
      return conf ? posix.resolve(prefix, conf) : undefined;
    });
    mainFiles.set(key, known);
  }
  return known.catch(() => undefined);
}

/** Main files whose folder this process has swept of copies left by a kill. */
const swept = new Set<string>();
const SWEEP = '-maxdepth 1 -type f -name .serein-check-* -mmin +10 -delete'.split(' ');

const INCLUDE = /^[ \t]*include[ \t]+["']?([^;"'\s]+)["']?[ \t]*;[ \t]*$/gm;
const within = (dir: string, path: string) => path.startsWith(dir.replace(/\/?$/, '/'));

/**
 * The cheap check of a change: the changed site files parsed by `nginx -t` in a copy of the
 * main configuration whose include of the sites' folder names only them, so nginx reads
 * the same shared settings and snippets (log formats, maps, upstreams, TLS defaults) and
 * the new pairs, but not the thousands of other sites, nor their certificates. A change
 * it passes still meets the whole configuration at the reload, which nginx refuses as a
 * whole when it cannot load it (and keeps serving the previous one; the applier sees that).
 *
 * Returns undefined when it cannot decide, and the caller runs the full `nginx -t`: a
 * changed file outside the sites' and certificates' folders or the shared logs' format (a shared file), a main
 * configuration it cannot read, or one that does not include the sites' folder exactly once.
 */
export async function quickCheck(
  target: Target,
  ws: WebserverConfig,
  changed: Changed[],
): Promise<NginxOutcome | undefined> {
  const sites: string[] = [];
  const snippet = sharedLogsSnippet(ws).path;
  for (const f of changed) {
    const site =
      posix.dirname(f.path) === posix.normalize(ws.vhostDir) && f.path.endsWith('.conf') && f.path !== snippet;
    if (site) {
      if (f.content !== null) sites.push(f.path);
    } else if (!within(ws.certDir, f.path)) return undefined;
  }
  const main = await mainFile(target, ws);
  if (!main) return undefined;
  const text = (await target.readFile(main).catch(() => undefined))?.toString('utf8');
  if (text === undefined) return undefined;
  const glob = posix.join(ws.vhostDir, '*.conf');
  const includes = [...text.matchAll(INCLUDE)].filter((m) => posix.resolve(posix.dirname(main), m[1]) === glob);
  if (includes.length !== 1) return undefined;
  // The shared logs' format first, as in the sites' folder (its name sorts before every site's).
  const only = [...(ws.sharedLogs ? [snippet] : []), ...sites].map((p) => `include ${p};`).join('\n');
  const copy = text.replace(includes[0][0], only);
  // A copy a kill left (the finally below never ran) goes at this process's first check there; another
  // daemon's live one is younger than ten minutes (its nginx -t is cut after one).
  if (!swept.has(`${target.name}\0${main}`)) {
    swept.add(`${target.name}\0${main}`);
    await target.run(['find', posix.dirname(main), ...SWEEP]);
  }
  // Beside the main file, so its relative includes mean the same; a name no include glob matches.
  const file = posix.join(posix.dirname(main), `.serein-check-${randomBytes(6).toString('hex')}`);
  await target.writeFile(file, copy, { mode: 0o600, durable: false });
  try {
    const argv = [...ws.nginx];
    const c = argv.indexOf('-c');
    if (c >= 0) argv[c + 1] = file;
    else argv.push('-c', file);
    const r = await target.run([...argv, '-t'], { timeoutMs: 60_000 });
    return {
      ok: r.code === 0,
      output: [r.stderr.trim(), r.stdout.trim()].filter(Boolean).join('\n') || `exit code ${r.code}`,
    };
  } finally {
    await target.remove(file).catch(() => undefined);
  }
}
