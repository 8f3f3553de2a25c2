/**
 * The README's tour works, word for word: `npm run demo` as a process (its own lab), then
 * every command the demo prints, then every command of the README's tour block, in order,
 * each run by bash as an admin would paste it, and each checked against what its text
 * says. The commands are read from README.md and from the demo's output, so a sentence
 * that drifts from what serein does fails here. (The install block: install.test.ts.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { readmeBlock, root, sh, stripComment, peerCertificate } from './helpers/readme-shell.js';
import { until } from './helpers/until.js';
import { tempDir } from './helpers/tmp.js';

/** The demo's own default port (test/demo.ts): not npm start's 8080, so both run side by side. */
const DEMO_PORT = 8090;

/** The commands of the README's tour block; the first is `npm run demo`. */
const readmeTour = () => readmeBlock('## A short tour');

/**
 * `serein` on a PATH of the test's own, put there by the Set up block's install-command
 * line (given a folder instead of /usr/local/bin): the tour's commands are written `serein`.
 */
function installCommand(): string {
  const line = readmeBlock('## Set up').find((l) => l.startsWith('npm run install-command'))!;
  const bin = tempDir('serein-tour-bin-');
  const r = spawnSync('bash', ['-c', `${line} -- ${bin}`], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return `${bin}:${process.env.PATH}`;
}

/** The commands the demo prints: its indented lines that a shell runs (exports, serein, curl, nginx, VAR=... prefixes). */
function demoCommands(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => /^ {2}(export |serein |curl |SEREIN_TOKEN=\S+ |\/\S+ )/.test(l))
    .map(stripComment);
}

interface Demo {
  output: () => string;
  exited: Promise<number | null>;
  stop: () => void;
}

/** `npm run demo` as written, in its own process group: Ctrl-C reaches all of it, as in a terminal. */
function startDemo(line: string): Demo {
  const child = spawn('bash', ['-c', `exec ${line}`], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // already gone
    }
  };
  return { output: () => out, exited, stop };
}

/** What the demo told us about itself, and what the commands made so far. */
interface Tour {
  env: Record<string, string>;
  lab: { nginxPort: number; tlsPort: number; mariaHost: string; mariaPort: number };
  clientTokens: Map<string, string>;
  jobIds: string[];
  api(path: string, token?: string): Promise<{ status: number; body: any }>;
}

type Check = [RegExp, (r: { code: number | null; out: string }, m: RegExpExecArray, t: Tour) => Promise<void> | void];

const ok = (r: { code: number | null; out: string }) => expect(r.code, r.out).toBe(0);
const jobIdOf = (out: string) => /^\S+ ([0-9a-f-]{36}): /m.exec(out)?.[1];

/** GET with a Host header on the lab's nginx: what a visitor of that site gets. */
const visit = async (t: Tour, host: string) =>
  new Promise<number>((done, fail) => {
    import('node:http').then(({ request }) => {
      const req = request(
        { host: '127.0.0.1', port: t.lab.nginxPort, path: '/.well-known/serein-probe', headers: { host } },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        },
      );
      req.once('error', fail);
      req.end();
    }, fail);
  });

/** Each command the tour may show, with what its text promises; a command none matches fails the test. */
const CHECKS: Check[] = [
  [
    /^export SEREIN_URL=(\S+) SEREIN_TOKEN=(\S+)$/,
    async (_r, m, t) => {
      Object.assign(t.env, { SEREIN_URL: m[1], SEREIN_TOKEN: m[2] });
      expect((await t.api('/v1/tenants')).status).toBe(200); // an admin token of that daemon
    },
  ],
  [
    /^serein playbooks check$/,
    (r) => {
      ok(r);
      for (const p of ['vhost.create', 'certificate.issue', 'database.create'])
        expect(r.out).toMatch(new RegExp(`^ok\\s+${p.replace('.', '\\.')}\\s`, 'm'));
    },
  ],
  [
    /^serein tenant create (\S+) --name "([^"]+)" --language (en|fr)(?: --email (\S+))?$/,
    async (r, [, id, name, language, email], t) => {
      ok(r);
      expect((await t.api('/v1/tenants')).body.tenants).toContainEqual(
        expect.objectContaining({ id, name, language, ...(email ? { email } : {}) }),
      );
    },
  ],
  [
    /^serein tenant give (\S+) (domain|server) (\S+)$/,
    async (r, [, id, kind, name], t) => {
      ok(r);
      expect(JSON.stringify((await t.api('/v1/resources')).body)).toContain(name);
      expect(r.out).toContain(
        kind === 'server' ? `${id} may now use server ${name}` : `domain ${name} now belongs to ${id}`,
      );
    },
  ],
  [
    /^serein token create --tenant (\S+)$/,
    async (r, [, tenant], t) => {
      ok(r);
      const token = /token:\s+(srn_c_\S+)/.exec(r.out)![1];
      t.clientTokens.set(tenant, token);
      const seen = await t.api('/v1/jobs', token); // only this tenant's things: none of the demo's jobs
      expect(seen.status).toBe(200);
      expect(JSON.stringify(seen.body)).not.toContain('serein.test');
    },
  ],
  [
    /^(?:SEREIN_TOKEN=\S+ )?serein doctor (\S+)$/,
    (r, [, name]) => {
      ok(r);
      expect(r.out).toContain(`Good news: ${name} can get a certificate`);
    },
  ],
  [
    /^serein run vhost\.create -i webserver=(\S+) -i domain=(\S+) --dry-run$/,
    async (r, [, , domain], t) => {
      ok(r);
      expect(r.out).toContain('succeeded (check only)');
      expect(r.out).toMatch(new RegExp(`^\\s+\\+\\s+server_name ${domain.replace(/\./g, '\\.')};`, 'm')); // the plan, as a diff
      expect(await visit(t, domain)).not.toBe(200); // nothing changed
    },
  ],
  [
    /^serein run vhost\.create -i webserver=(\S+) -i domain=(\S+)$/,
    async (r, [, , domain], t) => {
      ok(r);
      expect(r.out).toMatch(/^vhost\.create \S+: succeeded$/m);
      t.jobIds.push(jobIdOf(r.out)!);
      expect(await visit(t, domain)).toBe(200); // live on nginx
    },
  ],
  [
    /^serein run certificate\.issue -i domains=(\S+)$/,
    async (r, [, domain], t) => {
      ok(r);
      expect(r.out).toMatch(/^certificate\.issue \S+: succeeded$/m);
      t.jobIds.push(jobIdOf(r.out)!);
      const cert = await peerCertificate(t.lab.tlsPort, domain); // issued and installed
      expect(cert.subjectaltname).toBe(`DNS:${domain}`);
      expect(cert.issuer.CN).toMatch(/Pebble/);
    },
  ],
  [
    /^serein run database\.create -i server=(\S+) -i name=(\S+) -i tenant=(\S+)$/,
    async (r, [, , name, tenant], t) => {
      ok(r);
      t.jobIds.push(jobIdOf(r.out)!);
      const password = /^\s+password: (\S+)$/m.exec(r.out)![1]; // shown once
      const user = `${tenant}_${name}`;
      const c = await mysql.createConnection({
        host: t.lab.mariaHost,
        port: t.lab.mariaPort,
        user,
        password,
        database: user,
      });
      try {
        const [rows] = await c.query('SELECT DATABASE() AS db');
        expect((rows as { db: string }[])[0].db).toBe(user);
      } finally {
        await c.end();
      }
    },
  ],
  [
    /^SEREIN_TOKEN=(\S+) serein jobs$/,
    (r) => {
      ok(r);
      const lines = r.out.trim().split('\n');
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) expect(line).toMatch(/vhost:\S+\.serein\.test$/); // its own sites' jobs only
    },
  ],
  [
    /^serein jobs$/,
    (r, _m, t) => {
      ok(r);
      for (const id of t.jobIds) expect(r.out).toMatch(new RegExp(`succeeded\\s.*${id}`)); // what ran
    },
  ],
  [
    /^curl -sk --resolve (\S+) (https:\/\/\S+) -o \/dev\/null -w '%\{http_code\}\\n'$/,
    (r) => {
      ok(r);
      expect(r.out.trim()).toBe('200');
    },
  ],
  [
    /^(\/\S*nginx) -p (\S+) -c (\S+) -t$/,
    (r) => {
      ok(r);
      expect(r.out).toContain('test is successful');
    },
  ],
];

let demo: Demo | undefined;
afterAll(() => {
  if (demo) demo.stop();
});

describe('the README tour', () => {
  it('runs, in order, and each command does what its text says', { timeout: 150_000 }, async () => {
    const tour = readmeTour();
    expect(tour[0]).toBe('npm run demo');
    // Its own port taken (by another demo, a daemon): it takes a free one and says so.
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.once('error', () => ok()).listen(DEMO_PORT, '127.0.0.1', ok));
    demo = startDemo(tour[0]);
    let exited = false;
    void demo.exited.then(() => (exited = true));
    await until(
      async () => exited || demo!.output().includes('Ctrl-C stops'),
      120_000,
      'the demo to print its commands',
    );
    const printed = demo.output();
    blocker.close();
    expect(exited, printed).toBe(false);
    expect(printed).toContain(`Port ${DEMO_PORT} is taken`);
    expect(printed).not.toContain(`127.0.0.1:${DEMO_PORT}`);

    const num = (re: RegExp) => Number(re.exec(printed)![1]);
    const maria = /MariaDB\s+(\S+):(\d+)/.exec(printed)!;
    const env: Record<string, string> = { PATH: installCommand() };
    const t: Tour = {
      env,
      lab: {
        nginxPort: num(/nginx\s+http:\/\/127\.0\.0\.1:(\d+)/),
        tlsPort: num(/nginx\s+\S+\s+https:\/\/127\.0\.0\.1:(\d+)/),
        mariaHost: maria[1],
        mariaPort: Number(maria[2]),
      },
      clientTokens: new Map(),
      jobIds: [],
      api: async (path, token = env.SEREIN_TOKEN) => {
        const res = await fetch(`${env.SEREIN_URL}${path}`, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, body: await res.json() };
      },
    };

    // The client page and the client token the demo prints for it.
    const [, pageUrl] = /The client page: (\S+)/.exec(printed)!;
    const [, pageToken] = /client token of "demo": (srn_c_\S+)/.exec(printed)!;
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);

    const commands = [...demoCommands(printed), ...tour.slice(1)];
    expect(commands.length).toBeGreaterThan(15);
    const done: string[] = [];
    for (const command of commands) {
      const check = CHECKS.find(([re]) => re.test(command));
      if (!check) throw new Error(`nothing says what this tour command should do; add a check: ${command}`);
      const result = command.startsWith('export ') ? { code: 0, out: '' } : await sh(command, env);
      try {
        await check[1](result, check[0].exec(command)!, t);
      } catch (err) {
        throw new Error(
          `tour command failed its text: ${command}\n(after: ${done.length} commands)\n${result.out}\n${(err as Error).message}`,
        );
      }
      done.push(command);
    }
    expect((await t.api('/v1/jobs', pageToken)).status).toBe(200);

    // Whatever the tour did, the demo's nginx configuration still passes nginx -t.
    const nginxTest = commands.find((c) => / -t$/.test(c))!;
    expect(spawnSync('bash', ['-c', nginxTest], { encoding: 'utf8' }).status).toBe(0);
    // Ctrl-C (SIGINT to the terminal's process group) stops it all and removes its files.
    const labDir = /-p (\/\S+)\/nginx\//.exec(nginxTest)![1];
    expect(existsSync(labDir)).toBe(true);
    demo.stop();
    await demo.exited;
    await until(async () => !existsSync(labDir), 60_000, 'the demo to remove its lab folder');
    demo = undefined;
  });
});
