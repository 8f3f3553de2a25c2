/**
 * The README's tour works, word for word: `npm run demo` as a process (its own lab), then
 * every command the demo prints, then every command of the README's tour block, in order,
 * each run by bash as an admin would paste it, and each checked against what its text
 * says. The commands are read from README.md and from the demo's output, so a sentence
 * that drifts from what serein does fails here.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, until } from './helpers/process.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { useLab } from './lab/client.js';
import { tempDir } from './helpers/tmp.js';

const root = resolve(import.meta.dirname, '..');
/** The demo's own default port (test/demo.ts): not npm start's 8080, so both run side by side. */
const DEMO_PORT = 8090;

/** The commands of the first shell block of a README section, without comments. */
function readmeBlock(heading: string): string[] {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
  return block.split('\n').map(stripComment).filter(Boolean);
}

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

/** A shell line without its trailing `# comment` (what bash ignores too). */
const stripComment = (line: string) => line.replace(/(^|\s+)#\s.*$/, '').trim();

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

/** Runs one pasted line with bash, with the variables exported so far. */
function sh(line: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn('bash', ['-c', line], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.once('exit', (code) => ok({ code, out }));
  });
}

/** The certificate nginx presents for a name. */
function peerCertificate(port: number, servername: string): Promise<PeerCertificate> {
  return new Promise((ok, fail) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      ok(socket.getPeerCertificate());
      socket.end();
    });
    socket.once('error', fail);
  });
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
      'the demo to print its commands',
      async () => exited || demo!.output().includes('Ctrl-C stops'),
      120_000,
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
    await until('the demo to remove its lab folder', async () => !existsSync(labDir), 60_000);
    demo = undefined;
  });
});

/** A unit file's directive, the last value when it repeats. */
const directive = (unit: string, key: string) =>
  [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1].trim()).at(-1);

describe('the README install', () => {
  it(
    "installs a clone as written, puts serein on the PATH, checks the machine green, and the unit's daemon secures a site",
    { timeout: 900_000 },
    async () => {
      // A temporary folder stands for /: the block's absolute paths are taken under it.
      const fsRoot = tempDir('serein-install-');
      const under = (line: string) =>
        line.replaceAll("<serein's repository>", root).replace(/(^|[\s=:])\/(opt|etc|var\/lib)\//g, `$1${fsRoot}/$2/`);
      const opt = `${fsRoot}/opt/serein`;
      const bin = `${fsRoot}/usr/local/bin`;
      const lab = await useLab('pebble');
      const port = await freePort();
      const env: Record<string, string> = { PATH: `${bin}:${process.env.PATH}` };
      const timings: string[] = [];
      let daemon: ReturnType<typeof spawn> | undefined;
      let daemonOutput = '';
      const site = `install${Date.now().toString(36)}.serein.test`;
      const run = async (line: string) => {
        const started = performance.now();
        const r = await sh(line, env);
        timings.push(`${((performance.now() - started) / 1000).toFixed(1)} s  ${line.replaceAll(fsRoot, '')}`);
        return r;
      };
      const steps: [RegExp, (line: string) => Promise<void>][] = [
        [
          /^git clone .* && cd \/opt\/serein && npm ci --omit=dev$/,
          async (line) => {
            const r = await run(`${under(line)} 2>&1`);
            expect(r.code, r.out).toBe(0);
            expect(r.out).not.toMatch(/EBADENGINE/); // no engine warning on Node 20
            expect(existsSync(`${opt}/node_modules/vitest`)).toBe(false); // production dependencies only
          },
        ],
        [
          /^npm run install-command$/,
          async (line) => {
            // Given the stand-in for /usr/local/bin, as `npm run install-command -- DIR` allows.
            const r = await run(`cd ${opt} && ${line} -- ${bin}`);
            expect(r.code, r.out).toBe(0);
            const which = await sh('command -v serein && cd / && serein --version', env);
            expect(which.out.split('\n')[0]).toBe(`${bin}/serein`);
            expect(which.code, which.out).toBe(0);
          },
        ],
        [
          /^install -d -m 0750 \/etc\/serein && cp config\.example\.yaml \/etc\/serein\/config\.yaml$/,
          async (line) => {
            expect((await run(`cd ${opt} && ${under(line)}`)).code).toBe(0);
            // What the comments below it say to edit: state and store under /var/lib/serein, the
            // playbooks of the install, then the web server, CA (here the lab's nginx and Pebble).
            const { webservers, ...cert } = labCertConfig(lab, `${fsRoot}/var/lib/serein`) as {
              webservers: { lab: unknown };
            };
            const config = {
              ...cert,
              stateDir: `${fsRoot}/var/lib/serein`,
              store: { driver: 'sqlite', path: `${fsRoot}/var/lib/serein/serein.db` },
              playbooks: `${opt}/playbooks`,
              server: { host: '127.0.0.1', port },
              webservers: { main: webservers.lab },
            };
            writeFileSync(`${fsRoot}/etc/serein/config.yaml`, stringify(config));
          },
        ],
        [
          /^serein check \/etc\/serein\/config\.yaml$/,
          async (line) => {
            const r = await run(`cd / && ${under(line)}`);
            expect(r.out).toMatch(/^All \d+ checks ok/m);
            expect(r.code, r.out).toBe(0);
          },
        ],
        [
          /^cp deploy\/serein\.service \/etc\/systemd\/system\/ && systemctl daemon-reload && systemctl enable --now serein$/,
          async () => {
            // No systemd here: the unit's own ExecStart, working folder and environment, as systemd would start it.
            const unit = readFileSync(`${opt}/deploy/serein.service`, 'utf8');
            const [program, ...args] = under(` ${directive(unit, 'ExecStart')!}`)
              .trim()
              .split(/\s+/);
            const [key, value] = directive(unit, 'Environment')!.split('=');
            const started = performance.now();
            daemon = spawn(program, args, {
              cwd: under(` ${directive(unit, 'WorkingDirectory')!}`).trim(),
              env: {
                PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
                HOME: '/root',
                [key]: value,
              },
              stdio: ['ignore', 'pipe', 'pipe'],
            });
            daemon.stdout!.on('data', (b) => (daemonOutput += b));
            daemon.stderr!.on('data', (b) => (daemonOutput += b));
            await until(
              "the unit's daemon to be ready",
              async () => daemonOutput.includes('serein is ready') || daemon!.exitCode !== null,
              60_000,
            );
            expect(daemon.exitCode, daemonOutput).toBe(null);
            timings.push(`${((performance.now() - started) / 1000).toFixed(1)} s  the unit's ExecStart, to ready`);
            // The daemon checks the machine at each start, just after it is ready.
            const checked = await until(
              "the start's machine check",
              async () => /"msg":"machine check: [^"]*"/.exec(daemonOutput)?.[0],
              60_000,
            );
            expect(checked, daemonOutput).toContain('machine check: all ok');
          },
        ],
        [
          /^journalctl -u serein \| grep 'admin token:'$/,
          async () => {
            const token = /admin token: (srn_a_\S+)/.exec(daemonOutput)![1];
            Object.assign(env, { SEREIN_URL: `http://127.0.0.1:${port}`, SEREIN_TOKEN: token });
          },
        ],
      ];
      try {
        for (const line of readmeBlock('## Install')) {
          const step = steps.find(([re]) => re.test(line));
          if (!step) throw new Error(`nothing says what this install command should do; add a step: ${line}`);
          await step[1](line);
        }
        // The installed command, from any folder, to the first certificate: the domain is a tenant's.
        for (const line of [
          'serein tenant create lab --name "Lab" --language en',
          'serein tenant give lab domain serein.test',
          `serein run vhost.create -i webserver=main -i domain=${site}`,
          `serein run certificate.issue -i domains=${site}`,
        ]) {
          const r = await run(`cd / && ${line}`);
          expect(r.code, `${line}\n${r.out}`).toBe(0);
        }
        const cert = await peerCertificate(lab.nginx!.tlsPort, site);
        expect(cert.subjectaltname).toBe(`DNS:${site}`);
        const r = await run(`cd / && serein run vhost.delete -i domain=${site} -i removeFiles=true`);
        expect(r.code, r.out).toBe(0);
      } finally {
        daemon?.kill('SIGTERM');
        if (daemon && daemon.exitCode === null) await new Promise((ok) => daemon!.once('exit', ok));
        // The first hour, measured (README, Install): each step and its time.
        process.stdout.write(`README install, step by step:\n${timings.map((t) => `  ${t}`).join('\n')}\n`);
      }
    },
  );
});
