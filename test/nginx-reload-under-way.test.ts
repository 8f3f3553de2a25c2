/**
 * A reload already under way when serein signals nginx (an admin's, a panel's, or at 10,000
 * sites the previous one, still parsing for seconds): its workers start after serein's signal
 * but without serein's change. They were taken for the new generation, and the change could be
 * called live while they still answered its name with a 404 (nginx's master retires them only
 * 100 ms after the next generation starts). A change is live only once no worker of an earlier
 * configuration accepts.
 *
 * The reload under way is held, not timed: a site file includes a FIFO, whose opening waits for
 * a writer, so nginx's master stays in that parse until the test opens the other end; serein's
 * signal waits meanwhile, pending in the master (which blocks signals while it parses).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeApplyNginx } from '../src/nginx/apply.js';
import type { TestDaemon } from './helpers/daemon.js';
import { until } from './helpers/until.js';
import { getWithHost, labNginxTest, labWebserver } from './helpers/vhost-lab.js';
import { privateNginxDaemon, type PrivateNginxDaemon } from './helpers/private-nginx-daemon.js';
import type { NginxInfo } from './helpers/vhost-nginx.js';

let priv: NginxInfo & { stop(): Promise<void> };
let d: TestDaemon;
let dir: string;
const tag = randomBytes(4).toString('hex');
const host = `a.u${tag}.test`;

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
const site = (name: string) =>
  `server {\n    listen 127.0.0.1:${priv.port};\n    server_name ${name};\n    location = /p { return 200 "live ${tag}"; }\n}\n`;
const master = () => Number(read(priv.pidFile).trim());

/** The master's workers still accepting, with when each started (/proc's starttime, in clock ticks). */
function acceptingWorkers(): { pid: number; started: number }[] {
  const m = master();
  const out: { pid: number; started: number }[] = [];
  for (const pid of read(`/proc/${m}/task/${m}/children`).trim().split(/\s+/).filter(Boolean).map(Number)) {
    const title = read(`/proc/${pid}/cmdline`).replace(/\0/g, ' ');
    const stat = read(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (title.includes('worker process') && !title.includes('shutting down'))
      out.push({ pid, started: Number(fields[19]) });
  }
  return out;
}

/** Whether the master waits in the FIFO's opening (the kernel's name for that wait): parsing the held configuration. */
const held = () => read(`/proc/${master()}/wchan`).trim() === 'wait_for_partner';

let lab: PrivateNginxDaemon;

beforeAll(async () => {
  lab = await privateNginxDaemon('serein-reload-under-way-', {
    probeTimeoutMs: 20_000, // The same nginx, a short wait for its probes: a parse can outlast it.
    extra: (p, dir) => ({ brief: labWebserver(p, dir, 'local', { batchWindowMs: 0, probeTimeoutMs: 1000 }) }),
  });
  ({ priv, d, dir } = lab);
});

afterAll(() => lab?.stop(tag));

/**
 * Makes nginx's master's next parse wait: a site file including a FIFO, whose opening waits for a
 * writer. Resolves once the master waits there (its sites listed by then); the returned release
 * lets that parse go on (an empty file), the site file already gone so later parses do not wait.
 */
async function holdNextParse(name: string): Promise<() => Promise<() => void>> {
  const fifo = join(dir, name);
  execFileSync('mkfifo', [fifo]);
  const file = join(priv.vhostDir, `zz-${name}-${tag}.conf`);
  writeFileSync(file, `include ${fifo};\n`);
  return async () => {
    try {
      await until(held, 20_000, `nginx's master in the parse held by ${name}`);
    } finally {
      rmSync(file, { force: true });
    }
    return () => closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  };
}

/** Whether a process-directed signal (by number) waits in the process. */
const pending = (pid: number, signal: number) => {
  const mask = /^ShdPnd:\s*([0-9a-f]+)/m.exec(read(`/proc/${pid}/status`))?.[1] ?? '0';
  return ((BigInt(`0x${mask}`) >> BigInt(signal - 1)) & 1n) === 1n;
};
const SIGHUP = 1;
const SIGQUIT = 3;

describe('a reload under way when serein reloads', () => {
  it('the change is called live only once no worker of an earlier configuration accepts', async () => {
    const before = new Set(acceptingWorkers().map((w) => w.pid));
    // Someone else's reload, held in its parse.
    const first = await holdNextParse('first');
    process.kill(master(), 'SIGHUP');
    const releaseFirst = await first();
    // serein's reload will be held too, so the other reload's workers can be caught in between.
    const second = await holdNextParse('second');
    const content = site(host);
    // What accepts at the instant serein calls the change live (read synchronously as it resolves).
    let atLive: { pid: number; started: number }[] | undefined;
    const applied = safeApplyNginx(
      d.daemon.engine.services.nginx,
      'priv',
      [{ path: join(priv.vhostDir, `${host}.conf`), content }],
      [{ host, path: '/p', expectBody: `live ${tag}` }],
    ).then((r) => {
      atLive = acceptingWorkers();
      return r;
    });
    await until(() => pending(master(), SIGHUP), 20_000, "serein's reload signal waiting in nginx's master");
    // The other reload ends, without serein's change (its sites were listed before): its workers
    // start after serein's signal. Stopped, one stays as it is, a worker of the previous configuration
    // still accepting, until serein tells it to stop (or the change resolves without doing so).
    releaseFirst();
    // Its workers up means that parse is over: the master's next wait is serein's reload's.
    await until(() => acceptingWorkers().some((w) => !before.has(w.pid)), 20_000, "the other reload's workers");
    const releaseSecond = await second();
    const others = acceptingWorkers().filter((w) => !before.has(w.pid));
    expect(others.length).toBeGreaterThan(0);
    for (const w of others) process.kill(w.pid, 'SIGSTOP');
    try {
      releaseSecond();
      await until(
        () => atLive !== undefined || others.every((w) => pending(w.pid, SIGQUIT)),
        30_000,
        'the change resolved, or the stopped workers told to stop',
      );
    } finally {
      const resume = (pid: number) => {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // Gone already.
        }
      };
      others.forEach((w) => resume(w.pid));
    }
    await applied;
    const newest = Math.max(...atLive!.map((w) => w.started));
    // One generation only (its workers start within a few ticks; two generations at least 100 ms apart).
    expect(atLive!.filter((w) => w.started < newest - 5)).toEqual([]);
    expect(atLive!.some((w) => others.some((o) => o.pid === w.pid))).toBe(false);
    expect((await getWithHost('127.0.0.1', priv.port, host, '/p')).body).toBe(`live ${tag}`);
    expect(labNginxTest(priv).ok).toBe(true);
  });

  it("a reload whose parse outlasts the probes' wait is waited for, not taken for one nginx refused", async () => {
    const slow = `b.u${tag}.test`;
    const hold = await holdNextParse('slow');
    let settled = false;
    const applied = safeApplyNginx(
      d.daemon.engine.services.nginx,
      'brief',
      [{ path: join(priv.vhostDir, `${slow}.conf`), content: site(slow) }],
      [{ host: slow, path: '/p', expectBody: `live ${tag}` }],
    );
    applied.then(
      () => (settled = true),
      () => (settled = true),
    );
    const release = await hold(); // serein's own reload, held in its parse
    const heldAt = Date.now();
    // Held past the web server's probeTimeoutMs (1 s): a wait of that long alone is over by then.
    await until(() => settled || Date.now() - heldAt > 2000, 30_000, 'the change settled, or 2 s in the parse');
    release();
    expect((await applied).previous).toEqual([{ path: join(priv.vhostDir, `${slow}.conf`), content: null }]);
    expect((await getWithHost('127.0.0.1', priv.port, slow, '/p')).body).toBe(`live ${tag}`);
    expect(labNginxTest(priv).ok).toBe(true);
  });

  it('a change with no probe to prove it is done only once the workers run a configuration parsed after its signal', async () => {
    const quiet = `c.u${tag}.test`;
    const first = await holdNextParse('third');
    process.kill(master(), 'SIGHUP'); // someone else's reload
    const releaseFirst = await first();
    const second = await holdNextParse('fourth');
    let atLive: { pid: number; started: number }[] | undefined;
    const applied = safeApplyNginx(
      d.daemon.engine.services.nginx,
      'priv',
      [{ path: join(priv.vhostDir, `${quiet}.conf`), content: site(quiet) }],
      [],
    ).then((r) => {
      atLive = acceptingWorkers();
      return r;
    });
    await until(() => pending(master(), SIGHUP), 20_000, "serein's reload signal waiting in nginx's master");
    releaseFirst();
    const releaseSecond = await second();
    // /proc's clock (ticks since boot) when serein's reload may go on: its workers start after.
    const releasedAt = Math.floor(Number(read('/proc/uptime').split(' ')[0]) * 100);
    releaseSecond();
    await applied;
    expect(atLive!.length).toBeGreaterThan(0);
    expect(atLive!.filter((w) => w.started < releasedAt)).toEqual([]);
    expect((await getWithHost('127.0.0.1', priv.port, quiet, '/p')).body).toBe(`live ${tag}`);
    expect(labNginxTest(priv).ok).toBe(true);
  });
});
