import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LabInfo } from '../lab/client.js';

/** A unique label for names created by one test, so test files can share the lab's nginx. */
export const uniq = (prefix = 'v') => `${prefix}${randomBytes(4).toString('hex')}`;

/** A temporary copy of the repository's playbooks, with extra (broken) templates for failure tests. */
export function playbooksCopy(extraTemplates: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'serein-vhost-pb-'));
  cpSync(resolve(import.meta.dirname, '../../playbooks'), dir, { recursive: true });
  for (const [name, text] of Object.entries(extraTemplates)) writeFileSync(join(dir, 'templates', name), text);
  return dir;
}

type NginxInfo = NonNullable<LabInfo['nginx']>;

/** Accepts the whole LabInfo (the lab's nginx) or one nginx's facts (e.g. a private instance). */
const nginxOf = (x: LabInfo | NginxInfo): NginxInfo => ('vhostDir' in x ? x : x.nginx!);

/** The argv that runs an nginx of the lab (prefix and config file); -t or -s reload get appended. */
export function labNginxArgv(x: LabInfo | NginxInfo): string[] {
  const n = nginxOf(x);
  return [n.binary, '-p', `${n.prefix}/`, '-c', n.confPath];
}

/** A webserver config entry for a lab nginx, with site folders, logs and certificates under `dir`. */
export function labWebserver(
  x: LabInfo | NginxInfo,
  dir: string,
  target = 'local',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const n = nginxOf(x);
  return {
    target,
    vhostDir: n.vhostDir,
    nginx: labNginxArgv(n),
    webRoot: join(dir, 'www'),
    logDir: join(dir, 'logs'),
    certDir: join(dir, 'certs'),
    challengeRoot: n.webRoot,
    httpPort: n.port,
    httpsPort: n.tlsPort,
    listen: ['127.0.0.1', '[::1]'],
    probeAddress: '127.0.0.1',
    batchWindowMs: 150,
    probeTimeoutMs: 3000,
    pidFile: n.pidFile,
    ...extra,
  };
}

/**
 * Removes this test's site files still on a lab nginx (its daemon gone before it could delete
 * them) and reloads it if any were there: a site file must not outlive the folders it names,
 * or every later `nginx -t` on the shared nginx fails. Returns the files removed.
 */
export function removeLeftSiteFiles(x: LabInfo | NginxInfo, ours: (file: string) => boolean): string[] {
  const n = nginxOf(x);
  const left = existsSync(n.vhostDir) ? readdirSync(n.vhostDir).filter(ours) : [];
  for (const f of left) rmSync(join(n.vhostDir, f), { force: true });
  if (left.length) spawnSync(labNginxArgv(n)[0], [...labNginxArgv(n).slice(1), '-s', 'reload']);
  return left;
}

/**
 * `nginx -t` on a lab nginx: whatever a test did, the live configuration must still pass.
 * Asked once: serein switches a site to a new certificate pair as one change (the pair is
 * written first under its own version), so even another test file's daemon installing a
 * certificate on the shared nginx meanwhile never leaves a certificate beside another key.
 */
export function labNginxTest(x: LabInfo | NginxInfo): { ok: boolean; output: string } {
  const [bin, ...args] = labNginxArgv(x);
  const r = spawnSync(bin, [...args, '-t'], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stderr}${r.stdout}` };
}

/** GET with a Host header on 127.0.0.1 or ::1. */
export function getWithHost(
  address: string,
  port: number,
  host: string,
  path = '/',
): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ hostname: address, port, path, headers: { host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolvePromise({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          location: res.headers.location,
        }),
      );
    });
    req.setTimeout(3000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until `check` holds (nginx reloads asynchronously), with short backoff; returns the last value. */
export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const v = await fn();
    if (check(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}

/** GET over HTTPS with SNI, accepting the test's self-signed certificate. */
export function httpsGet(host: string, port: number, address: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        hostname: address,
        port,
        path: '/',
        servername: host,
        headers: { host },
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.setTimeout(3000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
