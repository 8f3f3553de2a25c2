import type { WebserverConfig } from '../config/schema.js';
import type { RaiseAlert } from '../alerts.js';
import type { Logger } from '../log.js';
import { mapLimit, type Mutex } from '../util/concurrency.js';
import { toOperationError } from '../errors.js';
import { lockUnavailable, nginxDown, probeFailed, reloadFailed, writeFailed } from './apply-errors.js';
import type { Target } from '../targets/target.js';
import { acceptingWorkers, masterPid, nginxTest, type NginxOutcome } from './commands.js';
import { reloadVerified, retireEarlierConfigurations } from './reload.js';
import { warnOpenFiles } from './open-files.js';
import { quickCheck } from './quick-check.js';
import { ensureSharedLogsSnippet } from './shared-logs.js';
import type { SharedConfigLock } from './config-lock.js';
import { nginxRejected } from './messages.js';
import {
  keepRejected,
  REJECTED_SUFFIX,
  restoreChange,
  writeChange,
  type NginxFileChange,
  type PreviousFile,
  type SafeApplyOptions,
  type SafeApplyResult,
} from './apply-files.js';

export { safeApplyNginx } from './safe-apply.js';
export {
  BACKUP_SUFFIX,
  REJECTED_SUFFIX,
  type NginxFileChange,
  type PreviousFile,
  type SafeApplyOptions,
  type SafeApplyResult,
} from './apply-files.js';
import { waitForProbe, waitTcpAccepts, type NginxProbe } from './probe.js';

/** The check before a reload: nginx's answer, and whether it parsed the whole configuration. */
type Checked = NginxOutcome & { full: boolean };

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
  /** Full `nginx -t` runs. */
  tests: number;
  /** Cheap checks of the changed sites alone that decided (see quickCheck). */
  quickChecks: number;
  reloads: number;
  batches: number;
  largestBatch: number;
  fallbacks: number;
  /**
   * The last batch's steps in ms: files written, check, reload (signal to new workers running and old
   * ones stopped), probes with earlier workers retired. What the benchmarks set beside nginx's parse.
   */
  lastSteps?: { write: number; check: number; reload: number; probe: number };
}

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
  readonly stats: NginxApplyStats = {
    changes: 0,
    tests: 0,
    quickChecks: 0,
    reloads: 0,
    batches: 0,
    largestBatch: 0,
    fallbacks: 0,
  };

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
    // A site naming the shared logs' format is never checked or loaded without it.
    const refused = this.ws.sharedLogs && (await ensureSharedLogsSnippet(this.target, this.ws, () => this.test()));
    if (refused) for (const e of ready) e.reject(nginxRejected(refused.output));
    else if (ready.length) await this.commit(ready);
  }

  /** Restores, and if even that fails, tells the admins: the configuration is then not what serein believes. */
  private async restoreOrAlert(entries: Entry[], why: string): Promise<boolean> {
    let ok = true;
    for (const e of entries) {
      try {
        await restoreChange(this.target, e.previous);
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

  private async test() {
    this.stats.tests++;
    return nginxTest(this.target, this.ws);
  }

  /**
   * The one parse before the reload: the changed sites alone in the main configuration
   * (quickCheck), when the reload's outcome can be seen (the workers known) and the change
   * touches only sites and their certificates; otherwise, or when it cannot decide, the
   * full `nginx -t`. The reload is then the whole configuration's parse, which nginx refuses
   * as a whole, keeping the previous one served.
   */
  private async check(entries: Entry[], verifiable: boolean): Promise<Checked> {
    if (verifiable && this.ws.quickCheck) {
      const quick = await quickCheck(
        this.target,
        this.ws,
        entries.flatMap((e) => e.files),
      );
      if (quick) {
        this.stats.quickChecks++;
        return { ...quick, full: false };
      }
    }
    return { ...(await this.test()), full: true };
  }

  private reload(old?: number[]): Promise<NginxOutcome> {
    this.stats.reloads++;
    return reloadVerified(this.reloading, old);
  }

  private get reloading() {
    return { target: this.target, ws: this.ws, name: this.name, logger: this.deps.logger };
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
    const steps = { write: 0, check: 0, reload: 0, probe: 0 };
    let at = performance.now();
    const lap = (step: keyof typeof steps) => {
      steps[step] = performance.now() - at;
      at = performance.now();
    };
    const wrote = await this.eachChange(entries, async (e) => {
      try {
        await writeChange(this.target, e.files, e.previous);
        return true;
      } catch (err) {
        await this.restoreOrAlert([e], 'a failed write');
        e.reject(writeFailed(err));
        return false;
      }
    });
    const written = entries.filter((_, i) => wrote[i]);
    if (!written.length) return;
    lap('write');

    // nginx -t or the reload not run at all (the target out of reach, the connection cut):
    // the written files go back like after any other failure, never left untested.
    let test: Checked;
    let reload: NginxOutcome | undefined;
    let old: number[] = [];
    try {
      // The workers running now: with them known, a reload nginx does not take is seen (see reload()).
      old = await acceptingWorkers(this.target, this.ws);
      // The open files looked at while nginx checks the change (it lists a folder: a program on the target).
      const workers = old;
      const looked = (async () => {
        const master = workers.length ? await masterPid(this.target, this.ws) : undefined;
        await warnOpenFiles(this.target, { webserver: this.name, master, workers, alert: this.deps.alert });
      })().catch(() => undefined);
      test = await this.check(written, old.length > 0);
      await looked;
      lap('check');
      if (test.ok) {
        reload = await this.reload(old);
        lap('reload');
        // Refused at the reload after the cheap check passed (a clash with another site, the
        // open files): nginx kept the previous configuration, and its own test says why.
        if (!reload.ok && !test.full) {
          const full = await this.test();
          if (!full.ok) test = { ...full, full: true };
        }
      }
    } catch (err) {
      await this.undo(written, 'nginx -t or the reload could not be run', () => err as Error);
      return;
    }
    if (!test.ok || !reload) {
      if (written.length === 1) {
        const e = written[0];
        const kept = await keepRejected(this.target, e.files);
        await this.restoreOrAlert([e], 'nginx -t failed');
        this.log([e], `nginx refused the change; previous files restored`);
        e.reject(nginxRejected(test.output, kept));
        return;
      }
      this.stats.fallbacks++;
      this.log(written, `nginx refused ${written.length} changes checked together; trying them one by one`);
      await this.restoreOrAlert(written, 'a combined nginx -t failure');
      for (const e of written) await this.commit([e]);
      return;
    }
    if (!reload.ok) {
      const output = reload.output;
      await this.undo(written, 'a failed reload', () => reloadFailed(this.name, output));
      return;
    }
    const how = test.full ? 'tested and reloaded' : 'checked the changed sites and reloaded';
    this.log(written, written.length > 1 ? `nginx ${how} once for ${written.length} changes` : `nginx ${how}`);

    // nginx still accepting is looked at while the probes run: most often both answer at once.
    const [results, up] = await Promise.all([Promise.all(written.map((e) => this.probeAll(e))), this.alive()]);
    if (!up) {
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
    if (live.length && old.length) await retireEarlierConfigurations(this.reloading);
    lap('probe');
    this.stats.lastSteps = steps;
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
