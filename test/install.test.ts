/**
 * The README's install works, word for word: each line of its Install block, run by bash
 * as written (its absolute paths under a temporary folder standing for /), a clone put on
 * the PATH, the machine checked green, the unit's own ExecStart started as systemd would,
 * and the installed command securing a site on the lab's nginx and Pebble. A line nothing
 * here checks fails the test. (The tour: tour.test.ts.)
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { labCertConfig } from './helpers/acme-lab.js';
import { freePort } from './helpers/process.js';
import { peerCertificate, readmeBlock, root, sh } from './helpers/readme-shell.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';
import { useLab } from './lab/client.js';

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
              async () => daemonOutput.includes('serein is ready') || daemon!.exitCode !== null,
              60_000,
              "the unit's daemon to be ready",
            );
            expect(daemon.exitCode, daemonOutput).toBe(null);
            timings.push(`${((performance.now() - started) / 1000).toFixed(1)} s  the unit's ExecStart, to ready`);
            // The daemon checks the machine at each start, just after it is ready.
            const checked = await until(
              async () => /"msg":"machine check: [^"]*"/.exec(daemonOutput)?.[0],
              60_000,
              "the start's machine check",
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
