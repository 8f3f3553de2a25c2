/**
 * Health of the lab: every component answers for real.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import mysql from 'mysql2/promise';
import { NodeSSH } from 'node-ssh';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLab, type LabInfo } from './client.ts';

function get(url: string, opts: { ca?: Buffer } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { ca: opts.ca, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

let lab: LabInfo;

beforeAll(async () => {
  lab = await useLab(
    'dns',
    'pebble',
    'nginx',
    'sshd',
    'sftp',
    'mariadb',
    'postgres',
    'podman',
    'pebbleBind9',
    'pebblePdns',
    'dnssec',
  );
});

describe('lab', () => {
  it('pebble serves an ACME directory over HTTPS trusting caCertPath', async () => {
    const p = lab.pebble!;
    const ca = fs.readFileSync(p.caCertPath);
    const res = await get(p.directoryUrl, { ca });
    expect(res.status).toBe(200);
    const dir = JSON.parse(res.body) as Record<string, unknown>;
    expect(dir).toHaveProperty('newNonce');
    expect(dir).toHaveProperty('newAccount');
    expect(dir).toHaveProperty('newOrder');
    const root = await get(`${p.managementUrl}/roots/0`, { ca });
    expect(root.status).toBe(200);
    expect(root.body).toContain('BEGIN CERTIFICATE');
  });

  it('pebble validates http-01 against the lab nginx', () => {
    expect(lab.pebble!.httpPort).toBe(lab.nginx!.port);
  });

  it('challtestsrv answers DNS, including records added through its management API', async () => {
    const d = lab.dns!;
    const host = `health-${Date.now()}.serein.test`;
    const add = await fetch(`${d.managementUrl}/add-a`, {
      method: 'POST',
      body: JSON.stringify({ host: `${host}.`, addresses: ['192.0.2.7'] }),
    });
    expect(add.status).toBe(200);
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`${d.host}:${d.port}`]);
    expect(await resolver.resolve4(host)).toEqual(['192.0.2.7']);
    // every other name resolves to loopback
    expect(await resolver.resolve4('anything-else.serein.test')).toEqual(['127.0.0.1']);
    await fetch(`${d.managementUrl}/clear-a`, { method: 'POST', body: JSON.stringify({ host: `${host}.` }) });
  });

  it('bind9 serves its zones (SOA, CAA, A, AAAA) and Pebble asks it', async () => {
    const b = lab.bind9!;
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`${b.host}:${b.port}`]);
    expect((await resolver.resolveSoa(b.zone)).hostmaster).toBe(`hostmaster.${b.zone}`);
    expect(await resolver.resolve6(`www.${b.zone}`)).toEqual(['::1']);
    expect((await resolver.resolveCaa(b.zone))[0]).toMatchObject({ issue: 'pebble.letsencrypt.org' });
    expect(await resolver.resolve4(`www.${b.clientZone}`)).toEqual(['127.0.0.1']);
    expect(
      (await get(lab.pebbleBind9!.directoryUrl, { ca: fs.readFileSync(lab.pebbleBind9!.caCertPath) })).status,
    ).toBe(200);
  });

  it('the signed tree: its validating resolvers accept valid.test, refuse expired.test, and see geo.test by place', async () => {
    const d = lab.dnssec!;
    const east = new Resolver({ timeout: 2000, tries: 2 });
    east.setServers([d.resolver]);
    const west = new Resolver({ timeout: 2000, tries: 2 });
    west.setServers([d.westResolver]);
    expect(await east.resolve4('www.valid.test')).toEqual(['127.0.0.1']);
    await expect(east.resolve4('www.expired.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    await expect(east.resolve4('www.dsonly.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    expect(await east.resolve4('www.geo.test')).toEqual(['127.0.0.1']);
    expect(await west.resolve4('www.geo.test')).toEqual(['192.0.2.7']);
  });

  it('PowerDNS serves its zone over DNS and its HTTP API, and Pebble asks it', async () => {
    const p = lab.pdns!;
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`${p.host}:${p.port}`]);
    expect(await resolver.resolve6(`www.${p.zone}`)).toEqual(['::1']);
    const zone = await fetch(`${p.apiUrl}/api/v1/servers/localhost/zones/${p.zone}.`, {
      headers: { 'X-API-Key': p.apiKey },
    });
    expect(zone.status).toBe(200);
    expect(
      (await fetch(`${p.apiUrl}/api/v1/servers/localhost/zones`, { headers: { 'X-API-Key': 'wrong' } })).status,
    ).toBe(401);
    expect((await get(lab.pebblePdns!.directoryUrl, { ca: fs.readFileSync(lab.pebblePdns!.caCertPath) })).status).toBe(
      200,
    );
  });

  it('nginx answers 200 on 127.0.0.1 and [::1]', async () => {
    const n = lab.nginx!;
    const v4 = await get(`http://127.0.0.1:${n.port}/`);
    expect(v4.status).toBe(200);
    expect(v4.body).toContain('serein lab');
    const v6 = await get(`http://[::1]:${n.port}/`);
    expect(v6.status).toBe(200);
    expect(fs.existsSync(n.vhostDir)).toBe(true);
    expect(Number(fs.readFileSync(n.pidFile, 'utf8').trim())).toBeGreaterThan(0);
    // the webroot serves ACME challenges
    const token = `health-${Date.now()}`;
    fs.writeFileSync(`${n.webRoot}/.well-known/acme-challenge/${token}`, 'key-authz');
    const ch = await get(`http://127.0.0.1:${n.port}/.well-known/acme-challenge/${token}`);
    expect(ch.status).toBe(200);
    expect(ch.body).toBe('key-authz');
    fs.rmSync(`${n.webRoot}/.well-known/acme-challenge/${token}`);
  });

  it('sshd runs a command, with the host key verified', async () => {
    const s = lab.sshd!;
    const ssh = new NodeSSH();
    let seen = '';
    await ssh.connect({
      host: s.host,
      port: s.port,
      username: s.username,
      privateKeyPath: s.privateKeyPath,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => {
        seen = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
        return seen === s.hostKeySha256;
      },
    });
    try {
      const r = await ssh.execCommand('id -un && echo ok');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('root\nok');
      expect(seen).toBe(s.hostKeySha256);
    } finally {
      ssh.dispose();
    }
  });

  it('the SFTP sshd takes its drop-in folder first and no password or key of its own', async () => {
    const s = lab.sftp!;
    const [bin, ...args] = s.sshd;
    expect(spawnSync(bin, [...args, '-t']).status).toBe(0);
    const eff = spawnSync(bin, [...args, '-T', '-C', 'user=root,host=localhost,addr=127.0.0.1'], { encoding: 'utf8' });
    expect(eff.stdout).toMatch(/^passwordauthentication no$/m);
    expect(eff.stdout).toMatch(/^permitrootlogin no$/m);
    expect(fs.readFileSync(s.sshd[2], 'utf8').split('\n')[1]).toBe(`Include ${s.dropInDir}/*.conf`);
    expect(fs.readFileSync(s.pidFile, 'utf8').trim()).toMatch(/^\d+$/);
  });

  it('mariadb answers a query over TCP with the root password', async () => {
    const m = lab.mariadb!;
    const conn = await mysql.createConnection({ host: m.host, port: m.port, user: m.user, password: m.password });
    try {
      const [rows] = await conn.query('SELECT 1 + 1 AS two, CURRENT_USER() AS me');
      expect(rows).toEqual([{ two: 2, me: `${m.user}@127.0.0.1` }]);
    } finally {
      await conn.end();
    }
    // and over the socket
    const sock = await mysql.createConnection({ socketPath: m.socket, user: m.user, password: m.password });
    await sock.end();
  });

  it('postgres answers a query over TCP with the password', async () => {
    const p = lab.postgres!;
    const client = new pg.Client({
      host: p.host,
      port: p.port,
      user: p.user,
      password: p.password,
      database: 'postgres',
    });
    await client.connect();
    try {
      const r = await client.query<{ two: number; me: string }>('SELECT 1 + 1 AS two, current_user AS me');
      expect(r.rows).toEqual([{ two: 2, me: 'postgres' }]);
    } finally {
      await client.end();
    }
    // a wrong password is refused (scram-sha-256 over TCP)
    const bad = new pg.Client({ host: p.host, port: p.port, user: p.user, password: 'wrong', database: 'postgres' });
    await expect(bad.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('podman runs an exec inside the long-lived container (dockerode)', async () => {
    const pm = lab.podman!;
    const docker = new Docker({ socketPath: pm.socketPath });
    const info = await docker.getContainer(pm.container).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.HostConfig.NetworkMode).toBe('host');
    const exec = await docker.getContainer(pm.container).exec({
      Cmd: ['sh', '-c', 'echo out; echo err >&2; psql --version; ulimit -n'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: true });
    let out = '';
    let err = '';
    const o = new PassThrough();
    const e = new PassThrough();
    o.on('data', (c: Buffer) => (out += c.toString()));
    e.on('data', (c: Buffer) => (err += c.toString()));
    docker.modem.demuxStream(stream, o, e);
    stream.end();
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        stream.on('end', () => resolve());
        stream.on('close', () => resolve());
        stream.on('error', reject);
      }),
      15_000,
      'docker exec',
    );
    expect(out).toMatch(/^out\npsql \(PostgreSQL\) \d+/);
    expect(out.trim().split('\n').pop()).toBe('1024');
    expect(err).toBe('err\n');
    const ins = await exec.inspect();
    expect(ins.ExitCode).toBe(0);
    const images = await docker.listImages();
    expect(images.some((i) => (i.RepoTags ?? []).includes(pm.image))).toBe(true);
  });
});
