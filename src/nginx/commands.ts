import type { WebserverConfig } from '../config/schema.js';
import type { Target } from '../targets/target.js';

/** What nginx said when asked to test or reload: ok, and its own words. */
export interface NginxOutcome {
  ok: boolean;
  output: string;
}

const outcome = (r: { code: number; stdout: string; stderr: string }): NginxOutcome => ({
  ok: r.code === 0,
  output: [r.stderr.trim(), r.stdout.trim()].filter(Boolean).join('\n') || `exit code ${r.code}`,
});

/**
 * `nginx -t` with the webserver's own argv (prefix, config file...): the whole
 * configuration, every vhost included, must parse before anything is reloaded.
 */
export async function nginxTest(target: Target, ws: WebserverConfig): Promise<NginxOutcome> {
  return outcome(await target.run([...ws.nginx, '-t'], { timeoutMs: 60_000 }));
}

/**
 * Graceful reload: nginx starts new workers on the new configuration and lets the old
 * ones finish their requests, so nobody sees a dropped connection. It is asynchronous:
 * callers probe afterwards to know when the new configuration answers. With the
 * master's pid file known, the master gets its SIGHUP directly: `nginx -s reload` sends
 * the very same signal, but parses the whole configuration first only to find the pid
 * file, which on a server with thousands of sites costs as much as `nginx -t` again.
 */
export async function nginxReload(target: Target, ws: WebserverConfig): Promise<NginxOutcome> {
  if (ws.reload) return outcome(await target.run(ws.reload, { timeoutMs: 60_000 }));
  const master = await masterPid(target, ws);
  const signalled = master && (await target.signal([master], 'HUP'));
  // A target without a kill program (a minimal container: 126 or 127) reloads the usual way.
  if (signalled && signalled.code !== 126 && signalled.code !== 127) return outcome(signalled);
  return outcome(await target.run([...ws.nginx, '-s', 'reload'], { timeoutMs: 60_000 }));
}

/**
 * The nginx master's pid from the webserver's pid file, or undefined (no pidFile,
 * unreadable, not a pid). A stale file can name any process by now: the pid counts only
 * while its process is an nginx master, since serein signals it as root.
 */
export async function masterPid(target: Target, ws: WebserverConfig): Promise<number | undefined> {
  if (!ws.pidFile) return undefined;
  const pid = Number((await target.readFile(ws.pidFile).catch(() => undefined))?.toString('utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return (await cmdline(target, pid)).includes('master process') ? pid : undefined;
}

const cmdline = async (target: Target, pid: number) =>
  (await target.readFile(`/proc/${pid}/cmdline`).catch(() => undefined))?.toString('utf8').replace(/\0/g, ' ') ?? '';

/**
 * The worker processes still accepting connections (their title is "nginx: worker
 * process", not "... is shutting down"), read from /proc on the target through the
 * master's pid file. Empty when the webserver has no pidFile or /proc cannot be read.
 */
export async function acceptingWorkers(target: Target, ws: WebserverConfig): Promise<number[]> {
  const master = await masterPid(target, ws);
  return master ? workersOf(target, master) : [];
}

/** Every process the master started (workers accepting or shutting down); empty when /proc cannot be read. */
async function masterChildren(target: Target, master: number): Promise<number[]> {
  const listed = await target.readFile(`/proc/${master}/task/${master}/children`).catch(() => undefined);
  return listed?.toString('utf8').trim().split(/\s+/).filter(Boolean).map(Number) ?? [];
}

async function workersOf(target: Target, master: number): Promise<number[]> {
  try {
    return await stillAccepting(target, await masterChildren(target, master), master);
  } catch {
    return [];
  }
}

/**
 * Whether the pid is still one of the master's workers, accepting. Anyone can title a
 * process "worker process": the parent is checked too, so a pid reused since the
 * listing is never taken for a worker (nor signalled).
 */
async function isAcceptingWorker(target: Target, pid: number, master: number): Promise<boolean> {
  return (await acceptingSince(target, pid, master)) !== undefined;
}

/** When an accepting worker of the master started (clock ticks since boot, /proc's starttime), else undefined. */
async function acceptingSince(target: Target, pid: number, master: number): Promise<number | undefined> {
  const stat = (await target.readFile(`/proc/${pid}/stat`).catch(() => undefined))?.toString('utf8') ?? '';
  // After the command's closing parenthesis: state, ppid, ... and starttime, the 22nd field of the line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (Number(fields[1]) !== master) return undefined;
  const title = await cmdline(target, pid);
  return title.includes('worker process') && !title.includes('shutting down') ? Number(fields[19]) : undefined;
}

/** The longest a reload's parse is waited for (a master stuck reading a file must not hold a change for ever). */
const PARSE_CAP_MS = 120_000;

/**
 * Where the master is with reloads: 'idle' in its wait for signals (sigsuspend, the kernel's
 * name in /proc's wchan) with none pending; 'pausing' in the 100 ms pause after starting
 * workers (a nanosleep), none pending either: the workers it started come from the last
 * signal it took; 'busy' otherwise: a signal pending, or the master running or asleep anywhere
 * else (reading a slow file, for one). wchan is read before and after the state and must agree
 * (a running task's is 0); 'unknown' when it says nothing of a sleeping master (hidden there).
 */
async function masterState(target: Target, master: number): Promise<'idle' | 'pausing' | 'busy' | 'unknown'> {
  const read = async (f: string) =>
    (await target.readFile(`/proc/${master}/${f}`).catch(() => undefined))?.toString('utf8').trim() ?? '';
  const before = await read('wchan');
  const [status, stat] = await Promise.all([read('status'), read('stat')]);
  const after = await read('wchan');
  const pending = /^ShdPnd:\s*([0-9a-f]+)/m.exec(status)?.[1];
  if (pending && (BigInt(`0x${pending}`) & 1n) === 1n) return 'busy'; // SIGHUP, signal 1
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'R' || state === 'D' || before !== after) return 'busy';
  if (after.includes('nanosleep')) return 'pausing';
  if (after.includes('sigsuspend')) return 'idle'; // sigsuspend, or a kernel's __x64_sys_rt_sigsuspend
  return after === '' || after === '0' ? 'unknown' : 'busy';
}

/**
 * How long the last reload of each nginx took from its signal to its new workers (per target and
 * pid file): the next one of the same configuration, one site more or less, takes about as long.
 */
const lastParse = new Map<string, number>();

/**
 * The pause before the next look for new workers: a few milliseconds while the master's parse
 * may be short (up to 20 ms of a 100 ms parse went to the pause), then at most a twentieth of
 * the time waited so far, so a parse of seconds is not polled a thousand times meanwhile; but
 * short steps again once the wait nears what the last parse of this master took (a 20 ms step
 * at the end of a parse of 1,000 certificates was up to 20 ms of every change).
 */
const nextPause = (delay: number, started: number, expected: number | undefined) => {
  const waited = Date.now() - started;
  const coarse = Math.min(20, Math.max(Math.min(delay * 2, 4), waited / 20));
  if (expected === undefined || waited > expected * 1.5) return coarse;
  // Coarse up to a step short of 80 % of the last parse, then a look every 3 ms.
  const window = expected * 0.8 - waited;
  return window > 3 ? Math.min(coarse, window) : 3;
};

/**
 * Retires the workers that ran the old configuration as soon as the new ones run: nginx's
 * master lets old workers accept for a fixed 100 ms after a reload before it tells them
 * to stop, and until then a request may still get the old configuration. Once a new
 * worker is up and the master has no reload left to do (the new configuration's sockets
 * exist by then, so a connection meanwhile waits in their queue), the workers of every
 * earlier generation get the graceful-stop signal nginx documents for workers (QUIT:
 * stop accepting, finish what they serve), exactly what the master sends them 100 ms
 * later. Then waits, short and bounded, until none of them accepts.
 *
 * 'not-reloaded': no new worker came within `timeoutMs` and the master is back waiting for
 * signals (while it still parses, it is waited for, up to two minutes), so it kept its previous
 * configuration (a reload signal is accepted even when the master then fails, e.g. out
 * of file descriptors); the old workers are left serving. 'slow': the old ones still
 * accept after `timeoutMs`.
 */
export async function retireOldWorkers(
  target: Target,
  ws: WebserverConfig,
  old: number[],
  timeoutMs: number,
): Promise<'retired' | 'not-reloaded' | 'slow'> {
  const deadline = Date.now() + timeoutMs;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const master = await masterPid(target, ws);
  if (!master) return 'not-reloaded';
  const started = Date.now();
  const cap = started + Math.max(timeoutMs, PARSE_CAP_MS);
  const key = `${target.name}\0${ws.pidFile}`;
  const expected = lastParse.get(key);
  let unknownBefore = false;
  for (let delay = 2; ; delay = nextPause(delay, started, expected)) {
    const [workers, state] = await Promise.all([workersOf(target, master), masterState(target, master)]);
    const fresh = workers.some((pid) => !old.includes(pid));
    // Where /proc hides it, a master seen settled twice in a row: once could be a moment between two reads.
    const busy = state === 'busy' || (state === 'unknown' && unknownBefore === false);
    unknownBefore = state === 'unknown';
    // New workers and no reload left to do: the newest generation was parsed after the signal was
    // taken. New workers while the master is still at a reload are another one's, under way when
    // serein signalled (an admin's): they lack the change, and the master parses again.
    if (fresh && !busy) {
      lastParse.set(key, Date.now() - started);
      break;
    }
    // Past the deadline, a master still at the reload (a parse of 10,000 sites or 1,000 certificates
    // on a busy machine takes longer than a probe) is waited for; one back in its wait for signals
    // with no new worker refused the configuration.
    const late = Date.now() + delay > deadline;
    if (late && Date.now() > cap) {
      if (fresh) break;
      return 'not-reloaded';
    }
    // Pausing, it has just started workers: one may not have taken its title yet.
    if (late && !fresh && (state === 'idle' || state === 'unknown')) return 'not-reloaded';
    await pause(delay);
  }
  // The master's own signal to them follows anyway.
  return quitUntilGone(target, await olderGenerations(target, master), master, deadline);
}

/** Tells the workers to stop and waits, until the deadline, until none of them accepts. */
async function quitUntilGone(
  target: Target,
  pids: number[],
  master: number,
  deadline: number,
): Promise<'retired' | 'slow'> {
  if (pids.length) await target.signal(pids, 'QUIT').catch(() => undefined);
  // Workers told to stop close their sockets within milliseconds: poll tightly (a look is two reads
  // per worker; steps of 2, 4 then 5 ms made it 6 to 13 ms after each reload of 1,000 TLS sites).
  for (let left = pids; left.length;) {
    if (Date.now() + 2 > deadline) return 'slow';
    await new Promise((r) => setTimeout(r, 2));
    left = await stillAccepting(target, left, master);
  }
  return 'retired';
}

/** The pids still accepting, looked at together: on a busy machine, one after the other took 12 ms. */
async function stillAccepting(target: Target, pids: number[], master: number): Promise<number[]> {
  const accepting = await Promise.all(pids.map((pid) => isAcceptingWorker(target, pid, master)));
  return pids.filter((_, i) => accepting[i]);
}

/**
 * Two generations of workers start at least 100 ms apart: nginx's master sleeps that long after
 * starting one before it handles the next reload. Workers of one generation are forked in a
 * row, each within 50 ms (5 ticks of /proc's 10 ms clock) of the one before.
 */
const GENERATION_GAP_TICKS = 5;

/** The accepting workers started before the newest generation of the master's workers. */
async function olderGenerations(target: Target, master: number): Promise<number[]> {
  const children = await masterChildren(target, master);
  const since = await Promise.all(children.map((pid) => acceptingSince(target, pid, master)));
  const started = new Map<number, number>();
  children.forEach((pid, i) => since[i] !== undefined && started.set(pid, since[i]));
  // The newest generation is the run of start times, from the newest back, each within the gap
  // of the one after it (a big host forks one generation's workers over more than the gap).
  const times = [...new Set(started.values())].sort((a, b) => b - a);
  let oldest = times[0];
  for (const t of times.slice(1)) {
    if (oldest - t > GENERATION_GAP_TICKS) break;
    oldest = t;
  }
  return [...started].filter(([, s]) => s < oldest).map(([pid]) => pid);
}

/**
 * Once a change's probes passed (some worker answers with the new configuration): stops every
 * worker of an older generation that still accepts, and waits, bounded, until none does, so
 * the change is never called live while a worker of a previous configuration may still answer
 * its name with a 404. retireOldWorkers cannot promise that alone: a reload already under way
 * when serein signalled (an admin's, a panel's) starts its workers after the signal, without
 * the change, and they are taken for the new ones; the master retires them only 100 ms after
 * the next generation starts, and until then they keep accepting. The newest generation holds
 * the change: it was parsed after the one that answered the probes.
 */
export async function retireOlderGenerations(
  target: Target,
  ws: WebserverConfig,
  timeoutMs: number,
): Promise<'retired' | 'slow'> {
  const deadline = Date.now() + timeoutMs;
  const master = await masterPid(target, ws);
  if (!master) return 'retired';
  return quitUntilGone(target, await olderGenerations(target, master), master, deadline);
}
