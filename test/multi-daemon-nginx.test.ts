/**
 * Three real daemon processes on one PostgreSQL store, sharing one nginx: vhost changes
 * submitted to every daemon at once must never interleave their `nginx -t` and reload
 * (one daemon's reload would publish another's untested files), and a daemon killed while
 * it holds that nginx must not block the others.
 *
 * The web server's nginx argv starts with a recorder script: each `-t` and `-s reload`
 * appends its start (with the daemon's pid, its parent, and a checksum of the vhost files
 * it sees) and its end to a log, which the test reads back.
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storeDatabase } from './helpers/db-lab.js';
import { configSchema } from '../src/config/schema.js';
import { Store } from '../src/store/store.js';
import { freePort, serein } from './helpers/process.js';
import { until } from './helpers/until.js';
import { noteSecrets } from './helpers/secrets-scan.js';
import { tempDir } from './helpers/tmp.js';
import { getWithHost, labNginxArgv, labNginxTest, labWebserver, uniq } from './helpers/vhost-lab.js';
import { startPrivateNginx, type NginxInfo } from './helpers/vhost-nginx.js';
import { useLab } from './lab/client.js';

type Daemon = ReturnType<typeof serein> & { url: string };

/** The recorder: logs each -t and reload around the real nginx it runs; holds the first -t while `hold` exists. */
const RECORDER = (log: string, vhostDir: string, dir: string) => `#!/bin/sh
last=""; for a in "$@"; do last="$a"; done
case "$last" in -t) op=test ;; reload) op=reload ;; *) op=other ;; esac
sum=$(cat "${vhostDir}"/*.conf 2>/dev/null | md5sum | cut -c1-32)
if [ "$op" = test ] && [ -e "${dir}/hold" ] && mkdir "${dir}/held" 2>/dev/null; then
  echo "held $PPID" >> "${log}"
  while [ -e "${dir}/hold" ]; do sleep 0.05; done
fi
echo "start $PPID $op $sum" >> "${log}"
"$@"
rc=$?
echo "end $PPID $op" >> "${log}"
exit $rc
`;

/**
 * The recorded nginx commands, checked: no two overlap, and each daemon's test is
 * followed by its own reload of exactly the files it tested (nobody wrote in between).
 */
function checkNoInterleaving(lines: string[]): { pids: Set<string>; sections: number } {
  const events = lines
    .filter((l) => /^(start|end) /.test(l))
    .map((l) => {
      const [kind, pid, op, sum] = l.split(' ');
      return { kind, pid, op, sum };
    });
  const pids = new Set<string>();
  let sections = 0;
  for (let i = 0; i < events.length; i += 2) {
    const [start, end] = [events[i], events[i + 1]];
    const where = `command ${i / 2} (${JSON.stringify(events.slice(Math.max(0, i - 4), i + 4))})`;
    expect(start.kind, where).toBe('start');
    expect(end, where).toMatchObject({ kind: 'end', pid: start.pid, op: start.op }); // nothing else ran meanwhile
    pids.add(start.pid);
    if (start.op === 'test') {
      const reload = events[i + 2];
      expect(reload, `${where}: a test not followed by its own reload`).toMatchObject({
        kind: 'start',
        pid: start.pid,
        op: 'reload',
        sum: start.sum,
      });
      sections++;
    } else expect(start.op, where).toBe('reload');
    if (start.op === 'reload')
      expect(events[i - 2]?.op, `${where}: a reload without its test just before`).toBe('test');
  }
  return { pids, sections };
}

describe('several daemons sharing one nginx', () => {
  let nginx: NginxInfo & { stop(): Promise<void> };
  let dir: string;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let store: Store;
  let token: string;
  let daemons: Daemon[] = [];
  let log: string;
  const label = uniq('m');

  const api = async (d: Daemon, method: string, path: string, body?: unknown) => {
    const res = await fetch(d.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const submit = async (d: Daemon, playbook: string, inputs: Record<string, unknown>) => {
    const res = await api(d, 'POST', '/v1/jobs', { playbook, inputs });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.job.id as string;
  };
  /** A job's end, read from the store (any daemon may have run it, a killed one included). */
  const waitJob = (id: string) =>
    until(
      async () => {
        const j = await store.jobs.get(id);
        return j && ['succeeded', 'failed', 'needs-attention'].includes(j.status) ? j : undefined;
      },
      120_000,
      `job ${id} to end`,
    );
  const answers = async (site: string) => {
    const r = await getWithHost('127.0.0.1', nginx.port, site).catch((e: Error) => ({ status: 0, body: e.message }));
    return r.status === 200 && r.body.includes(`${site} is ready`);
  };

  beforeAll(async () => {
    const lab = await useLab('nginx', 'postgres');
    nginx = await startPrivateNginx(lab.nginx!.binary);
    db = await storeDatabase(lab, 'serein_multinginx');
    const url = db.url;
    dir = tempDir('serein-multinginx-');
    log = join(dir, 'nginx-commands.log');
    const recorder = join(dir, 'nginx-recorder.sh');
    writeFileSync(recorder, RECORDER(log, nginx.vhostDir, dir));
    chmodSync(recorder, 0o755);
    // A short batch window: many small batches, so daemons contend for the nginx often.
    // The reload goes through the recorder too (with only a pid file, serein would signal the master directly).
    const web = labWebserver(nginx, dir, 'local', {
      nginx: [recorder, ...labNginxArgv(nginx)],
      reload: [recorder, ...labNginxArgv(nginx), '-s', 'reload'],
      batchWindowMs: 5,
    });
    const start = async (i: number): Promise<Daemon> => {
      const httpPort = await freePort();
      const config = {
        server: { host: '127.0.0.1', port: httpPort },
        store: { driver: 'postgres', url },
        stateDir: join(dir, 'state'), // shared: the seal key must be the same in every daemon
        playbooks: resolve(import.meta.dirname, '../playbooks'),
        log: { level: 'info' },
        renewal: { enabled: false },
        targets: { local: { type: 'local' } },
        webservers: { web },
      };
      configSchema.parse(config);
      const file = join(dir, `daemon${i}.yaml`);
      writeFileSync(file, JSON.stringify(config, null, 2)); // JSON is YAML
      const child = Object.assign(serein(['serve', '--config', file]), { url: `http://127.0.0.1:${httpPort}` });
      if (i === 0)
        token = await until(
          async () => /admin token: (srn_a_\S+)/.exec(child.output())?.[1],
          60_000,
          'the admin token',
        );
      await until(async () => (await fetch(`${child.url}/healthz`)).ok || undefined, 60_000, `daemon ${i} to answer`);
      return child;
    };
    daemons = [await start(0)]; // the first creates the schema and the seal key
    noteSecrets('admin token', token);
    daemons.push(...(await Promise.all([1, 2].map(start))));
    store = await Store.open({ driver: 'postgres', url });
    // One tenant owns the domain every site is named under.
    const tenant = uniq('t');
    expect((await api(daemons[1], 'POST', '/v1/tenants', { id: tenant, name: 'Tenant', language: 'en' })).status).toBe(
      201,
    );
    for (const r of [
      { kind: 'domain', name: `${label}.test` },
      { kind: 'server', name: 'web' },
    ])
      expect((await api(daemons[2], 'POST', `/v1/tenants/${tenant}/resources`, r)).status).toBeLessThan(300);
  }, 180_000);

  afterEach(() => {
    const t = labNginxTest(nginx);
    expect(t.ok, t.output).toBe(true);
  });

  afterAll(async () => {
    rmSync(join(dir ?? '/nonexistent', 'hold'), { force: true }); // lets a held recorder end
    const alive = daemons.filter((d) => d.exitCode === null && d.signalCode === null);
    for (const d of alive) d.kill('SIGTERM');
    await Promise.all(daemons.map((d) => d.exited));
    await store?.close();
    await db?.drop();
    await nginx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('never interleaves two daemons’ nginx -t and reload: 36 sites submitted to three daemons at once', async () => {
    const sites = Array.from({ length: 36 }, (_, i) => `s${i}.${label}.test`);
    const ids = await Promise.all(
      sites.map((domain, i) => submit(daemons[i % 3], 'vhost.create', { webserver: 'web', domain, aliases: [] })),
    );
    const jobs = await Promise.all(ids.map(waitJob));
    for (const j of jobs) expect(j.status, JSON.stringify(j.error)).toBe('succeeded');
    // More than one daemon ran the work (else this proves nothing), and ran nginx.
    expect(new Set(jobs.map((j) => j.owner)).size).toBeGreaterThan(1);
    const { pids, sections } = checkNoInterleaving(readFileSync(log, 'utf8').trim().split('\n'));
    console.log(
      `36 vhost jobs over 3 daemons: ${sections} test-and-reload sections by ${pids.size} daemons, none interleaved`,
    );
    expect(pids.size).toBeGreaterThan(1);
    expect(sections).toBeGreaterThan(1);
    for (const site of sites) expect(await answers(site), site).toBe(true);
  }, 300_000);

  it('a daemon killed while it holds the nginx does not block the others', async () => {
    // The first `nginx -t` from now on waits (inside the lock) until the test lets it go.
    writeFileSync(join(dir, 'hold'), '');
    const first = `held.${label}.test`;
    const heldJob = await submit(daemons[0], 'vhost.create', { webserver: 'web', domain: first, aliases: [] });
    const holder = await until(
      async () => /^held (\d+)$/m.exec(readFileSync(log, 'utf8'))?.[1],
      60_000,
      'a daemon to hold the nginx',
    );
    const victim = daemons.find((d) => String(d.pid) === holder)!;
    expect(victim, `pid ${holder} is one of the daemons`).toBeDefined();
    victim.kill('SIGKILL');
    await victim.exited;
    // Another daemon gets the nginx although the killed one's `nginx -t` is still waiting.
    const other = daemons.find((d) => d !== victim)!;
    const second = `after.${label}.test`;
    const job = await waitJob(await submit(other, 'vhost.create', { webserver: 'web', domain: second, aliases: [] }));
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(await answers(second)).toBe(true);
    // Only now is the killed daemon's `nginx -t` let go: the job above went through while it waited.
    rmSync(join(dir, 'hold'));
    // The killed daemon's job is taken over by a survivor once its lease runs out, and ends.
    const recovered = await waitJob(heldJob);
    console.log(`the killed daemon's job, taken over: ${recovered.status}`);
    expect(['succeeded', 'failed']).toContain(recovered.status);
    const t = labNginxTest(nginx);
    expect(t.ok, t.output).toBe(true);
    // Whatever the store says is published answers.
    for (const r of await store.tenants.listResources({ kind: 'vhost' }))
      expect(await answers(r.name), r.name).toBe(true);
  }, 300_000);
});
