import { posix } from 'node:path';
import type { WebserverConfig } from '../config/schema.js';
import type { RaiseAlert } from '../alerts.js';
import type { Logger } from '../log.js';
import { mapLimit, type Mutex } from '../util/concurrency.js';
import { toOperationError } from '../errors.js';
import { lockUnavailable, nginxDown, probeFailed, reloadFailed, writeFailed } from './apply-errors.js';
import type { Target } from '../targets/target.js';
import { acceptingWorkers, nginxReload, nginxTest, retireOldWorkers } from './commands.js';
import type { NginxFleet } from './fleet.js';
import type { SharedConfigLock } from './config-lock.js';
import { nginxRejected } from './messages.js';
import { waitForProbe, waitTcpAccepts, type NginxProbe } from './probe.js';

/** One file of a change: new content, or null to remove it. */
export interface NginxFileChange {
  path: string;
  content: string | null;
  mode?: number;
}

/** What a file held before a change (null: it did not exist): enough to put it back. */
export interface PreviousFile {
  path: string;
  content: string | null;
  mode?: number;
}

/** Hooks of one safeApplyNginx call: checkpointing and progress for the calling job. */
export interface SafeApplyOptions {
  /**
   * Receives the previous version of every file BEFORE anything is written. Actions
   * pass ctx.checkpoint here, so a daemon that dies mid-change can put them back.
   */
  onPrevious?(previous: PreviousFile[]): Promise<void>;
  /** Progress lines for the job log. */
  log?(message: string): void;
}

/** How a change went live. */
export interface SafeApplyResult {
  /** The versions replaced: pass them back to safeApplyNginx to undo the change. */
  previous: PreviousFile[];
  /** How many changes shared the nginx -t and reload that published this one. */
  batchSize: number;
}

/** Suffix of the copy of a file's previous version (outside an `*.conf` include glob). */
export const BACKUP_SUFFIX = '.serein-bak';
/** Suffix of a file nginx refused, kept for diagnosis (outside an `*.conf` include glob). */
export const REJECTED_SUFFIX = '.rejected';

interface Entry {
  files: NginxFileChange[];
  probes: NginxProbe[];
  opts: SafeApplyOptions;
  previous: PreviousFile[];
  resolve(r: SafeApplyResult): void;
  reject(e: unknown): void;
}

/** Counters per webserver, for tests and metrics: how often nginx was tested and reloaded. */
export interface NginxApplyStats {
  changes: number;
  tests: number;
  reloads: number;
  batches: number;
  largestBatch: number;
  fallbacks: number;
}

/** A private key, whatever mode the caller asked for: never written readable by others, never copied for diagnosis. */
const PRIVATE_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const isPrivate = (f: { mode?: number; content: string | null }) =>
  (f.mode !== undefined && (f.mode & 0o077) === 0) || (f.content !== null && PRIVATE_PEM.test(f.content));
/** The mode a file is written with: the caller's, else 0600 for private keys and 0644 for the rest. */
const modeOf = (f: { mode?: number; content: string | null }) => f.mode ?? (isPrivate(f) ? 0o600 : 0o644);

/**
 * Serialises and batches the changes of one nginx. Changes that arrive within the
 * webserver's batch window (or while a batch is running) are written together, tested
 * with one `nginx -t` and published with one reload; each is then confirmed by its own
 * probes. If the combined test fails, the changes are retried one by one, so one bad
 * change never fails the others.
 */
export class NginxApplier {
  private pending: Entry[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private draining = false;
  readonly stats: NginxApplyStats = { changes: 0, tests: 0, reloads: 0, batches: 0, largestBatch: 0, fallbacks: 0 };

  /**
   * `deps.mutex` keeps this daemon's changes of the nginx apart (shared by every web
   * server entry naming the same nginx, see NginxFleet); `deps.shared`, held for each
   * batch under `deps.lockKey`, keeps other daemons' changes of the same nginx out.
   */
  constructor(
    private readonly deps: {
      target: Target;
      logger: Logger;
      alert: RaiseAlert;
      mutex: Mutex;
      shared: SharedConfigLock;
      lockKey: string;
    },
    private readonly name: string,
    private readonly ws: WebserverConfig,
  ) {}

  private get target(): Target {
    return this.deps.target;
  }

  /**
   * Queues a change. An idle nginx starts at once (group commit: changes arriving while a
   * batch runs form the next one, so the batch grows with the load without a fixed wait);
   * a `batchWindowMs` above 0 waits that long for company first.
   */
  submit(e: Entry): void {
    this.stats.changes++;
    this.pending.push(e);
    if (this.draining || this.timer) return;
    const start = () => {
      this.timer = undefined;
      void this.drain();
    };
    // setImmediate, not a direct call: changes submitted in the same tick join the first batch.
    this.timer = this.ws.batchWindowMs > 0 ? setTimeout(start, this.ws.batchWindowMs) : setImmediate(start);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      await this.deps.mutex.run(async () => {
        while (this.pending.length) {
          let batch: Entry[] | undefined;
          try {
            // The batch is taken once the lock is held: changes that arrived while
            // another daemon had this nginx join it instead of waiting for one more turn.
            await this.deps.shared.hold(this.deps.lockKey, async () => {
              batch = this.takeBatch();
              await this.process(batch);
            });
          } catch (err) {
            // Never leave a caller waiting: anything unexpected fails the batch's open
            // entries; the shared lock out of reach fails those waiting (nothing was written).
            const failed = batch ?? this.takeBatch();
            for (const e of failed) e.reject(batch ? err : lockUnavailable(this.name, err));
          }
        }
      });
    } finally {
      this.draining = false;
      if (this.pending.length && !this.timer) void this.drain();
    }
  }

  /** Takes the pending changes that touch distinct files; a second change to a file waits for the next batch. */
  private takeBatch(): Entry[] {
    const taken: Entry[] = [];
    const rest: Entry[] = [];
    const paths = new Set<string>();
    for (const e of this.pending) {
      if (e.files.some((f) => paths.has(f.path))) rest.push(e);
      else {
        e.files.forEach((f) => paths.add(f.path));
        taken.push(e);
      }
    }
    this.pending = rest;
    return taken;
  }

  /**
   * Runs `fn` for each change of a batch, a few at a time: their files are distinct, and
   * one after the other, a batch of a hundred certificate installs spent seconds in
   * reads and writes before its single nginx -t.
   */
  private eachChange<R>(entries: Entry[], fn: (e: Entry) => Promise<R>): Promise<R[]> {
    return mapLimit(entries, 16, fn);
  }

  private log(entries: Entry[], message: string): void {
    for (const e of entries) e.opts.log?.(message);
    this.deps.logger.info({ webserver: this.name }, message);
  }

  private async process(batch: Entry[]): Promise<void> {
    this.stats.batches++;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    const read = await this.eachChange(batch, async (e) => {
      try {
        e.previous = await Promise.all(
          e.files.map(async (f) => ({
            path: f.path,
            mode: f.mode,
            content: (await this.target.readFile(f.path))?.toString('utf8') ?? null,
          })),
        );
        await e.opts.onPrevious?.(e.previous);
        return true;
      } catch (err) {
        e.reject(err);
        return false;
      }
    });
    const ready = batch.filter((_, i) => read[i]);
    if (ready.length) await this.commit(ready);
  }

  private async write(e: Entry): Promise<void> {
    for (const p of e.previous) {
      // A private key never gets a backup copy: the undo takes it from the store, where it is
      // sealed; a copy left by an older serein goes as soon as its key is replaced or removed.
      if (p.content === null) continue;
      if (isPrivate(p) || e.files.some((f) => f.path === p.path && isPrivate(f)))
        await this.target.remove(p.path + BACKUP_SUFFIX);
      else await this.target.writeFile(p.path + BACKUP_SUFFIX, p.content, { mode: modeOf(p) });
    }
    for (const f of e.files) {
      if (f.content === null) await this.target.remove(f.path);
      else {
        await this.target.mkdir(posix.dirname(f.path));
        await this.target.writeFile(f.path, f.content, { mode: modeOf(f) });
      }
    }
  }

  /**
   * Puts back in the reverse order of the writes: a file naming others (a site's configuration
   * after its new certificate pair) goes back before they are removed, so nginx never names a
   * file that is gone.
   */
  private async restore(e: Entry): Promise<void> {
    for (const p of [...e.previous].reverse()) {
      if (p.content === null) await this.target.remove(p.path);
      else await this.target.writeFile(p.path, p.content, { mode: modeOf(p) });
    }
  }

  /** Restores, and if even that fails, tells the admins: the configuration is then not what serein believes. */
  private async restoreOrAlert(entries: Entry[], why: string): Promise<boolean> {
    let ok = true;
    for (const e of entries) {
      try {
        await this.restore(e);
      } catch (err) {
        ok = false;
        await this.deps.alert({
          kind: 'nginx-restore-failed',
          tenantId: null,
          subject: `webserver:${this.name}`,
          message: `Could not put back the previous configuration of ${e.files.map((f) => f.path).join(', ')} on ${this.name} after ${why}. Check it by hand.`,
          detail: { error: toOperationError(err).detail ?? String(err) },
        });
      }
    }
    return ok;
  }

  private async keepRejected(e: Entry): Promise<string[]> {
    const kept: string[] = [];
    for (const f of e.files) {
      if (f.content === null || isPrivate(f)) continue; // never leave extra copies of keys around
      try {
        await this.target.writeFile(f.path + REJECTED_SUFFIX, f.content, { mode: 0o600 });
        kept.push(f.path + REJECTED_SUFFIX);
      } catch {
        /* diagnosis only */
      }
    }
    return kept;
  }

  private async test() {
    this.stats.tests++;
    return nginxTest(this.target, this.ws);
  }

  /**
   * Reloads, then (with a pidFile) retires the old workers, so nobody is served the old
   * configuration once a change is done. A master that started no worker on the new
   * configuration counts as a failed reload: nginx accepted the signal but kept the old one.
   */
  private async reload(): Promise<{ ok: boolean; output: string }> {
    this.stats.reloads++;
    const old = await acceptingWorkers(this.target, this.ws);
    const r = await nginxReload(this.target, this.ws);
    if (!r.ok || !old.length) return r;
    const retired = await retireOldWorkers(this.target, this.ws, old, this.ws.probeTimeoutMs);
    if (retired === 'not-reloaded')
      return {
        ok: false,
        output: `nginx started no worker on the new configuration within ${this.ws.probeTimeoutMs} ms and kept the previous one; its error log says why (often: too many open files for its number of sites and logs)`,
      };
    if (retired === 'slow')
      this.deps.logger.warn(
        { webserver: this.name, workers: old },
        'old nginx workers still accept connections after the reload',
      );
    return r;
  }

  private async probeAll(e: Entry): Promise<{ ok: boolean; failure?: string; host?: string }> {
    const defaults = { address: this.ws.probeAddress, httpPort: this.ws.httpPort, httpsPort: this.ws.httpsPort };
    const results = await Promise.all(
      e.probes.map((p) => waitForProbe(p, defaults, this.ws.probeTimeoutMs).then((r) => ({ ...r, host: p.host }))),
    );
    const bad = results.find((r) => !r.ok);
    return bad ? { ok: false, failure: `${bad.url}: got ${bad.seen}`, host: bad.host } : { ok: true };
  }

  /** nginx still accepts connections after a reload: the other sites are still served. */
  private alive(): Promise<boolean> {
    return waitTcpAccepts(this.ws.probeAddress, this.ws.httpPort, Math.min(this.ws.probeTimeoutMs, 5000));
  }

  private async commit(entries: Entry[]): Promise<void> {
    const wrote = await this.eachChange(entries, async (e) => {
      try {
        await this.write(e);
        return true;
      } catch (err) {
        await this.restoreOrAlert([e], 'a failed write');
        e.reject(writeFailed(err));
        return false;
      }
    });
    const written = entries.filter((_, i) => wrote[i]);
    if (!written.length) return;

    // nginx -t or the reload not run at all (the target out of reach, the connection cut):
    // the written files go back like after any other failure, never left untested.
    let test: Awaited<ReturnType<typeof this.test>>;
    try {
      test = await this.test();
    } catch (err) {
      await this.undo(written, 'nginx -t could not be run', () => err as Error);
      return;
    }
    if (!test.ok) {
      if (written.length === 1) {
        const e = written[0];
        const kept = await this.keepRejected(e);
        await this.restoreOrAlert([e], 'nginx -t failed');
        this.log([e], `nginx -t refused the change; previous files restored`);
        e.reject(nginxRejected(test.output, kept));
        return;
      }
      this.stats.fallbacks++;
      this.log(written, `nginx -t refused ${written.length} changes tested together; trying them one by one`);
      await this.restoreOrAlert(written, 'a combined nginx -t failure');
      for (const e of written) await this.commit([e]);
      return;
    }

    let reload: Awaited<ReturnType<typeof this.reload>>;
    try {
      reload = await this.reload();
    } catch (err) {
      await this.undo(written, 'the reload could not be run', () => err as Error);
      return;
    }
    if (!reload.ok) {
      await this.undo(written, 'a failed reload', () => reloadFailed(this.name, reload.output));
      return;
    }
    this.log(
      written,
      written.length > 1 ? `nginx tested and reloaded once for ${written.length} changes` : 'nginx tested and reloaded',
    );

    const results = await Promise.all(written.map((e) => this.probeAll(e)));
    if (!(await this.alive())) {
      await this.undo(written, 'nginx stopped answering', () =>
        nginxDown(`${this.ws.probeAddress}:${this.ws.httpPort}`),
      );
      await this.deps.alert({
        kind: 'nginx-down',
        tenantId: null,
        subject: `webserver:${this.name}`,
        message: `nginx on ${this.name} stopped answering on ${this.ws.probeAddress}:${this.ws.httpPort} after a reload; the changes were undone. Check that it is running.`,
      });
      return;
    }

    const failed = written.filter((_, i) => !results[i].ok);
    if (failed.length) {
      await this.undo(failed, 'a failed probe', (e) => {
        const r = results[written.indexOf(e)];
        this.log([e], `probe failed (${r.failure}); previous files restored`);
        return probeFailed(r.host ?? '?', r.failure ?? '');
      });
    }
    const live = written.filter((e) => !failed.includes(e));
    for (const e of live) e.resolve({ previous: e.previous, batchSize: written.length });
    // A copy an earlier refusal kept for diagnosis is stale once the change is live; tidied
    // after the callers have their answer (nginx never reads these files).
    await this.eachChange(live, async (e) => {
      for (const f of e.files) await this.target.remove(f.path + REJECTED_SUFFIX).catch(() => undefined);
    });
  }

  /** Puts the previous files back, reloads nginx on them when they pass the test, and fails each change with its own reason. */
  private async undo(changes: Entry[], why: string, reason: (e: Entry) => Error): Promise<void> {
    await this.restoreOrAlert(changes, why);
    try {
      if ((await this.test()).ok) await this.reload();
    } catch {
      // The target out of reach again: the previous files are back (or the admins alerted), and nginx reads them at its next reload.
    }
    for (const e of changes) e.reject(reason(e));
  }
}

/**
 * Changes files of one nginx safely, the only way serein changes an nginx: under the
 * webserver's lock, the previous version of each file is kept (`<path>.serein-bak`, never
 * for a private key, and handed to `onPrevious` before any write), the new files are written, `nginx -t`
 * must pass, nginx reloads gracefully, and each probe must pass. On any failure the
 * previous files are put back (a refused file is kept as `<path>.rejected`) and the
 * error says, in plain words, what nginx complained about; the running nginx keeps
 * serving the other sites. Concurrent calls are batched (see NginxApplier).
 *
 * Resolves once this change is live and its own probes passed.
 */
export function safeApplyNginx(
  fleet: NginxFleet,
  webserverName: string,
  files: NginxFileChange[],
  probes: NginxProbe[],
  opts: SafeApplyOptions = {},
): Promise<SafeApplyResult> {
  return new Promise<SafeApplyResult>((resolve, reject) => {
    const a = fleet.applier(webserverName);
    if (files.length === 0) throw new TypeError('safeApplyNginx: no file to change');
    const seen = new Set<string>();
    for (const f of files) {
      if (!f.path.startsWith('/') || f.path.split('/').includes('..') || /[\0\n]/.test(f.path))
        throw new TypeError(`safeApplyNginx: bad path ${JSON.stringify(f.path)}`);
      if (seen.has(f.path)) throw new TypeError(`safeApplyNginx: ${f.path} given twice`);
      seen.add(f.path);
    }
    a.submit({ files, probes, opts, previous: [], resolve, reject });
  });
}
