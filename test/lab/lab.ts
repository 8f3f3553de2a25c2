/**
 * The test lab: real servers on loopback, free ports, one temporary folder per lab.
 *
 *   const lab = await startLab(['pebble', 'sshd']);   // dependencies (dns, nginx) come along
 *   await lab.ensure(['postgres']);                     // grow it later
 *   await lab.stop();                                   // kills every process by pid, removes the folder
 *
 * Nothing here is shared between labs: every file lives under `<os.tmpdir()>/serein-lab-XXXXXX`.
 * Three layers make sure nothing is left behind:
 *   1. stop(): graceful stop of every process (then SIGKILL), podman containers removed, folder removed;
 *   2. a process 'exit' handler that SIGKILLs the children synchronously and runs the cleanup script
 *      synchronously (this is what runs when vitest is interrupted with Ctrl-C / SIGTERM);
 *   3. a detached watchdog (bash) holding a pipe to this process: when this process dies without
 *      cleaning up (SIGKILL, crash), the pipe closes and the watchdog runs the same cleanup script.
 *
 * This file is the orchestrator: the component list, lazy start in dependency order, stop. Each
 * component lives in components/<name>.ts; shared.ts, processes.ts and cleanup.ts hold the plumbing.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanupScript, registerLiveLab, runCleanupSync, startWatchdog, unregisterLiveLab } from './cleanup.ts';
import { bind9 } from './components/bind9.ts';
import { dns } from './components/dns.ts';
import { dnssec } from './components/dnssec.ts';
import { mariadb } from './components/mariadb.ts';
import { nginx } from './components/nginx.ts';
import { pebble, pebbleBind9, pebblePdns } from './components/pebble.ts';
import { pdns } from './components/pdns.ts';
import { phpFpm } from './components/php-fpm.ts';
import { podman } from './components/podman.ts';
import { postgres } from './components/postgres.ts';
import { sftp, sshd } from './components/sshd.ts';
import { killPids, pidsReferencing, ProcessGroup } from './processes.ts';
import type { LabComponent, LabContext } from './shared.ts';

/** Re-exported so that scripts and test helpers keep importing them from lab.ts (a free port; the lab's nginx.conf). */
export { freePort } from './shared.ts';
export { nginxConfText } from './components/nginx.ts';

/**
 * Every component, by name, in the order ALL_COMPONENTS lists them. A new component is a file
 * under components/ and one entry here: the types below follow.
 */
const COMPONENTS = {
  dns,
  pebble,
  nginx,
  sshd,
  sftp,
  mariadb,
  postgres,
  podman,
  bind9,
  pdns,
  pebbleBind9,
  pebblePdns,
  dnssec,
  phpFpm,
};

/** A component's name, as test files ask for it with useLab(). */
export type Component = keyof typeof COMPONENTS;

/** Every component name, for validating requests (the coordinator) and starting everything. */
export const ALL_COMPONENTS: readonly Component[] = Object.keys(COMPONENTS) as Component[];

type InfoOf<C> = C extends LabComponent<infer I, infer _D> ? I : never;
type DepsOf<C> = C extends LabComponent<infer _I, infer D> ? D : never;
type Infos = { [K in Component]: InfoOf<(typeof COMPONENTS)[K]> };

/** What the started components answer (JSON-safe): `lab.postgres.port`, `lab.pebble.directoryUrl`... */
export type LabInfo = { [K in Component]?: Infos[K] };

// Compile-time check: every component needs only components that exist, and gets the infos it expects.
type DepsOk<K extends Component> = [keyof DepsOf<(typeof COMPONENTS)[K]>] extends [Component]
  ? Pick<Infos, keyof DepsOf<(typeof COMPONENTS)[K]> & Component> extends DepsOf<(typeof COMPONENTS)[K]>
    ? true
    : false
  : false;
type AssertTrue<T extends true> = T;
type _DependenciesTypeCheck = AssertTrue<{ [K in Component]: DepsOk<K> }[Component]>;

/**
 * The Debian packages the components run, one `package file...` line each (the files prove it is
 * installed; globs allowed): what test/lab/setup.sh checks and installs.
 */
export function packageLines(): string[] {
  return ALL_COMPONENTS.flatMap((c) =>
    Object.entries(def(c).packages).map(([pkg, files]) => [pkg, ...files].join(' ')),
  );
}

/** A running lab: the infos of its components as properties, and how to grow and stop it. */
export interface Lab extends LabInfo {
  /** The lab's temporary folder (removed by stop()). */
  readonly dir: string;
  /** Milliseconds each component took to become ready (including its own setup, excluding waiting for dependencies). */
  readonly timings: Partial<Record<Component, number>>;
  /** Start the given components (and their dependencies) if not started yet; concurrent-safe. */
  ensure(components: readonly Component[]): Promise<LabInfo>;
  /** JSON-safe snapshot of the started components. */
  info(): LabInfo;
  stop(): Promise<void>;
}

/** Makes a lab and starts the given components (and their dependencies); a failed start leaves nothing behind. */
export async function startLab(components: readonly Component[]): Promise<Lab> {
  const lab = await LabImpl.create();
  try {
    await lab.ensure(components);
  } catch (err) {
    await lab.stop().catch(() => undefined);
    throw err;
  }
  return lab;
}

// ---------------------------------------------------------------------------------------------
// the lab

const CLEANUP_SCRIPT = cleanupScript(Object.values(COMPONENTS).map((c: LabComponent<object, never>) => c.shellCleanup));

/** An untyped view of a component, for the orchestrator's loops. */
const def = (c: Component) => COMPONENTS[c] as unknown as LabComponent<object, Record<string, object>>;

// Declaration merging: the components' infos are set as properties when they are ready (Lab extends LabInfo).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
interface LabImpl extends LabInfo {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class LabImpl implements Lab, LabContext {
  readonly timings: Partial<Record<Component, number>> = {};

  private readonly processes: ProcessGroup;
  private readonly infos: LabInfo = {};
  private readonly starting = new Map<Component, Promise<void>>();
  private stopPromise: Promise<void> | null = null;
  private watchdog: ChildProcess | null = null;

  private constructor(readonly dir: string) {
    this.processes = new ProcessGroup(dir);
  }

  static async create(): Promise<LabImpl> {
    // realpath: os.tmpdir() may be a symlink; command lines must mention the real path for the sweep.
    const dir = await fsp.mkdtemp(path.join(fs.realpathSync(os.tmpdir()), 'serein-lab-'));
    await fsp.chmod(dir, 0o755); // postgres runs as its own user and must traverse it
    const lab = new LabImpl(dir);
    registerLiveLab(lab);
    lab.watchdog = startWatchdog(CLEANUP_SCRIPT, dir);
    return lab;
  }

  info(): LabInfo {
    const info: Record<string, object> = {};
    for (const c of ALL_COMPONENTS) {
      const i = this.infos[c];
      if (i) info[c] = { ...i };
    }
    return info as LabInfo;
  }

  async ensure(components: readonly Component[]): Promise<LabInfo> {
    for (const c of components) {
      if (!ALL_COMPONENTS.includes(c)) throw new Error(`lab: unknown component "${String(c)}"`);
    }
    await Promise.all(components.map((c) => this.ensureOne(c)));
    return this.info();
  }

  private ensureOne(c: Component): Promise<void> {
    if (this.processes.stopping) return Promise.reject(new Error('lab: stopped'));
    let p = this.starting.get(c);
    if (!p) {
      p = (async () => {
        const needs = def(c).needs as Component[];
        await Promise.all(needs.map((d) => this.ensureOne(d)));
        const t0 = performance.now();
        const deps: Record<string, object> = {};
        for (const d of needs) {
          const i = this.infos[d];
          if (!i) throw new Error(`lab: ${c} needs ${needs.join(' and ')}`);
          deps[d] = i;
        }
        const info = await def(c).start(this, deps);
        (this.infos as Record<string, object>)[c] = info;
        (this as Record<string, unknown>)[c] = info;
        this.timings[c] = Math.round(performance.now() - t0);
      })();
      p.catch(() => undefined); // failures are reported to whoever awaits; avoid unhandled rejections
      this.starting.set(c, p);
    }
    return p;
  }

  // --- LabContext: what components use -----------------------------------------------------

  spawn: LabContext['spawn'] = (...a) => this.processes.spawn(...a);
  run: LabContext['run'] = (...a) => this.processes.run(...a);
  waitUntil: LabContext['waitUntil'] = (...a) => this.processes.waitUntil(...a);

  async mkdir(...parts: string[]): Promise<string> {
    const d = path.join(this.dir, ...parts);
    await fsp.mkdir(d, { recursive: true });
    return d;
  }

  // --- stop -------------------------------------------------------------------------------

  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    this.processes.stopping = true;
    const t0 = performance.now();
    const debug = (what: string) => {
      if (process.env.SEREIN_LAB_DEBUG)
        process.stderr.write(`[lab] stop: ${what} at ${Math.round(performance.now() - t0)} ms\n`);
    };
    // the components that were started, even partly (podman: remove the containers first)
    const begun = ALL_COMPONENTS.filter((c) => this.starting.has(c));
    const afterSteps: (() => void)[] = [];
    for (const c of begun) {
      const after = await def(c)
        .beforeStop?.(this)
        .catch(() => undefined); // a failed hook must not stop the cleanup
      if (after) afterSteps.push(after);
    }
    debug('containers removed');
    // in-flight starts notice `stopping` (or their process dying) and fail fast
    await this.processes.stopAll();
    await Promise.allSettled([...this.starting.values()]);
    await this.processes.stopAll();
    debug('processes stopped');
    // strays: exec-session conmons, `podman container cleanup` children, anything else mentioning the folder
    const strays = pidsReferencing(this.dir);
    await killPids(strays, 250); // mostly exec-session conmons, which ignore SIGTERM
    debug(`${strays.length} strays killed`);
    for (const step of [...afterSteps, ...begun.map((c) => () => def(c).afterStop?.(this))]) {
      try {
        step();
      } catch {
        /* best effort: the folder must still go */
      }
    }
    const mounts = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(`${this.dir}/`))
      .reverse();
    for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    await fsp.rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
    debug('folder removed');
    unregisterLiveLab(this);
    this.watchdog?.stdin?.end(); // the watchdog sees EOF, finds no folder and exits
  }

  /** Called from the process 'exit' handler: synchronous only. */
  emergencyCleanupSync(): void {
    if (!fs.existsSync(this.dir)) return;
    this.processes.killAllSync();
    runCleanupSync(CLEANUP_SCRIPT, this.dir);
  }
}
