import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { certificateOrder } from '../src/actions/certificate.js';
import { bareActionContext, startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { freePort, serein } from './helpers/process.js';
import { until } from './helpers/until.js';
import { tempDir } from './helpers/tmp.js';
import { labNginxTest, labWebserver, uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

interface Finding {
  subject: string;
  what: string;
  ok: boolean;
  fix?: string;
  skipped?: true;
}

let lab: LabInfo;
let dir: string;
/** A CA that takes the connection and never says a word. */
let silent: Server;
const held: Socket[] = [];
let silentPort: number;

beforeAll(async () => {
  lab = await useLab('pebble', 'mariadb', 'postgres', 'bind9', 'sshd', 'podman');
  dir = tempDir('serein-check-');
  silent = createServer((s) => void held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
});

afterAll(() => {
  for (const s of held) s.destroy();
  silent?.close();
  const t = labNginxTest(lab);
  expect(t.ok, t.output).toBe(true);
});

const writeConfig = (name: string, config: Record<string, unknown>) => {
  const file = join(dir, name);
  writeFileSync(
    file,
    stringify({
      server: { host: '127.0.0.1', port: 0 },
      store: { driver: 'sqlite', path: join(dir, `${name}.db`) },
      stateDir: join(dir, `${name}-state`),
      playbooks: resolve(import.meta.dirname, '../playbooks'),
      log: { level: 'info' },
      ...config,
    }),
  );
  return file;
};

const check = async (file: string) => {
  const child = serein(['check', file, '--timeout', '2']);
  const code = await child.exited;
  const json = serein(['check', file, '--timeout', '2', '--json']);
  await json.exited;
  return { code, out: child.output(), findings: JSON.parse(json.output()) as Finding[] };
};

/** The finding about `what` (a piece of its text), which must exist. */
const about = (findings: Finding[], subject: string, what: string): Finding => {
  const f = findings.find((x) => x.subject === subject && x.what.includes(what));
  expect(
    f,
    `no check of ${subject}: ${what} in ${JSON.stringify(findings.map((x) => `${x.subject}: ${x.what}`))}`,
  ).toBeDefined();
  return f!;
};

/** A machine set up wrong in every way the admin's first hour found, and a few more. */
function brokenConfig(): Record<string, unknown> {
  const m = lab.mariadb!;
  return {
    targets: {
      local: { type: 'local' },
      box: { type: 'docker', socketPath: lab.podman!.socketPath, container: lab.podman!.container },
    },
    webservers: {
      // On this machine: no site configuration folder, no nginx there, a reload program that does not exist.
      here: labWebserver(lab, join(dir, 'here'), 'local', {
        vhostDir: join(dir, 'no-sites'),
        nginx: [join(dir, 'no-nginx')],
        reload: [join(dir, 'no-reload'), 'nginx'],
        pidFile: undefined,
        php: { fpm: [join(dir, 'no-php-fpm')] },
      }),
      // In a container: checked there, not here; it runs no systemd, so systemctl cannot reload anything.
      boxed: {
        ...labWebserver(lab, '/srv/check', 'box', { pidFile: undefined }),
        vhostDir: '/etc/nginx/sites-enabled',
        nginx: ['nginx'],
        reload: ['/usr/bin/systemctl', 'reload', 'nginx'],
      },
    },
    databases: {
      down: { engine: 'mariadb', host: '127.0.0.1', port: 1, user: 'root', password: 'whatever' },
      wrong: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: `${m.password}-not` },
      nofile: {
        engine: 'postgres',
        host: lab.postgres!.host,
        port: lab.postgres!.port,
        user: 'postgres',
        passwordFile: join(dir, 'no-password-file'),
      },
      noclient: {
        engine: 'mariadb',
        via: 'client',
        target: 'local',
        client: [join(dir, 'no-mariadb-client')],
        host: m.host,
        port: m.port,
        user: m.user,
        password: m.password,
      },
    },
    dns: {
      providers: [
        {
          type: 'rfc2136',
          zones: [lab.bind9!.zone],
          server: `${lab.bind9!.host}:${lab.bind9!.port}`,
          keyName: lab.bind9!.key.name,
          keySecret: Buffer.from('not the key of this server').toString('base64'),
        },
      ],
    },
    acme: {
      cas: [
        { name: 'silent', directoryUrl: `http://127.0.0.1:${silentPort}/dir` },
        { name: 'closed', directoryUrl: 'http://127.0.0.1:1/dir' },
      ],
    },
  };
}

describe('serein check', () => {
  it('reads each problem of a broken machine with its fix, through the target the web server is on', async () => {
    const { code, out, findings } = await check(writeConfig('broken.yaml', brokenConfig()));
    expect(code, out).toBe(2);
    const fix = (subject: string, what: string) => {
      const f = about(findings, subject, what);
      expect(f.ok, `${subject}: ${what} should be a problem`).toBe(false);
      return f.fix!;
    };
    expect(fix('web server here', 'site configuration folder')).toContain(`mkdir -p ${join(dir, 'no-sites')}`);
    expect(fix('web server here', 'nginx:')).toMatch(
      /is not found: install nginx \(apt install nginx\), or set webservers\.here\.nginx/,
    );
    expect(fix('web server here', 'reload command')).toMatch(
      /no-reload is not found: fix webservers\.here\.reload, or remove it/,
    );
    expect(fix('web server here', 'PHP for the sites')).toMatch(
      /no-php-fpm is not found: install php-fpm \(apt install php8\.2-fpm\), or set webservers\.here\.php\.fpm/,
    );
    // Sites get their own user on this machine (useradd is here); a container target gives none, so nothing is asked of it.
    expect(about(findings, 'web server here', "each new site's own system user").ok).toBe(true);
    expect(findings.some((f) => f.subject === 'web server boxed' && f.what.includes('own system user'))).toBe(false);
    // /etc/nginx/sites-enabled is looked for in the container, where there is none.
    expect(fix('web server boxed', 'site configuration folder /etc/nginx/sites-enabled on box')).toContain(
      'mkdir -p /etc/nginx/sites-enabled',
    );
    expect(fix('web server boxed', 'reload command')).toMatch(
      /box does not run systemd, so \/usr\/bin\/systemctl reload nginx cannot work: remove webservers\.boxed\.reload/,
    );
    expect(fix('database server down', 'connect')).toMatch(
      /nothing answers at 127\.0\.0\.1:1 .*start mariadb \(systemctl start mariadb\), or fix databases\.down\.host and databases\.down\.port/,
    );
    expect(fix('database server wrong', 'connect')).toMatch(
      /refused root .*check databases\.wrong\.user and its password \(databases\.wrong\.password\)/,
    );
    expect(fix('database server nofile', 'admin password file')).toMatch(
      /does not exist: write the admin password in it .*or fix databases\.nofile\.passwordFile/,
    );
    expect(about(findings, 'database server nofile', 'connect').skipped).toBe(true); // said once, not twice
    expect(fix('database server noclient', 'client program')).toMatch(
      /no-mariadb-client is not found on local: apt install mariadb-client, or set databases\.noclient\.client/,
    );
    expect(
      fix(`DNS provider RFC 2136 at ${lab.bind9!.host}:${lab.bind9!.port} (key ${lab.bind9!.key.name})`, 'credential'),
    ).toMatch(/refused.*check dns\.providers\[0\]\.keyName and keySecret/);
    expect(fix('CA silent', 'directory')).toMatch(
      /did not answer in time: check acme\.cas\[0\]\.directoryUrl .*curl -sS/,
    );
    expect(fix('CA closed', 'directory')).toMatch(
      /does not answer \(.*ECONNREFUSED.*\): check acme\.cas\[1\]\.directoryUrl/,
    );
    // What is fine is said too, and the secrets are not.
    expect(about(findings, 'target box', 'reachable').ok).toBe(true);
    expect(out).not.toContain(lab.mariadb!.password);
    expect(out).toMatch(/^PROBLEM {2}web server here: site configuration folder .*\n {9}→ .*mkdir -p/m);
    expect(out).toMatch(/\d+ problems to fix, \d+ ok, \d+ skipped\.\n$/);
    expect(existsSync(join(dir, 'no-sites'))).toBe(false);
  });

  it("is green against the lab's real servers: nginx here and over SSH, MariaDB and PostgreSQL (driver and client), BIND's key, Pebble's directory", async () => {
    const m = lab.mariadb!;
    const p = lab.postgres!;
    const s = lab.sshd!;
    const passwordFile = join(dir, 'maria-password');
    writeFileSync(passwordFile, `${m.password}\n`, { mode: 0o600 });
    const file = writeConfig('lab.yaml', {
      targets: {
        local: { type: 'local' },
        ssh: {
          type: 'ssh',
          host: s.host,
          port: s.port,
          username: s.username,
          privateKeyPath: s.privateKeyPath,
          hostKeySha256: s.hostKeySha256,
        },
      },
      webservers: { lab: labWebserver(lab, join(dir, 'lab')), overssh: labWebserver(lab, join(dir, 'ssh'), 'ssh') },
      databases: {
        maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, passwordFile: 'maria-password' }, // beside the config file, as the daemon reads it
        mariaclient: {
          engine: 'mariadb',
          via: 'client',
          target: 'ssh',
          host: m.host,
          port: m.port,
          user: m.user,
          password: m.password,
        },
        pg: { engine: 'postgres', host: p.host, port: p.port, user: p.user, password: p.password },
      },
      dns: {
        providers: [
          {
            type: 'rfc2136',
            zones: [lab.bind9!.zone],
            server: `${lab.bind9!.host}:${lab.bind9!.port}`,
            keyName: lab.bind9!.key.name,
            keySecret: lab.bind9!.key.secret,
          },
        ],
      },
      acme: { cas: [{ name: 'pebble', directoryUrl: lab.pebble!.directoryUrl, caBundle: lab.pebble!.caCertPath }] },
    });
    const { code, out, findings } = await check(file);
    expect(code, out).toBe(0);
    expect(out).toMatch(/All \d+ checks ok\.\n$/);
    expect(findings.filter((f) => f.skipped)).toEqual([]);
    for (const [subject, what] of [
      ['web server overssh', 'nginx -t passes on ssh'],
      ['web server lab', 'reload command'],
      ['web server overssh', "each new site's own system user (webservers.overssh.siteUsers): useradd on ssh"],
      ['database server maria', 'connect'],
      ['database server mariaclient', 'through mariadb on ssh'],
      ['database server pg', 'connect'],
      ['CA pebble', 'directory'],
    ])
      expect(about(findings, subject, what).ok).toBe(true);
    expect(findings.find((f) => f.subject.startsWith('DNS provider'))?.ok).toBe(true);
  });

  it('logs each problem as a warning with its fix when the daemon starts, and starts anyway', async () => {
    const file = writeConfig('serve.yaml', brokenConfig());
    const child = serein(['serve', '-c', file]);
    try {
      const lines = () =>
        child
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { level: number; msg: string; url?: string; check?: string; fix?: string });
      const summary = await until(
        async () => lines().find((l) => l.msg.startsWith('machine check: ') && l.level === 30),
        60_000,
        'the machine check at start',
      );
      expect(summary.msg).toMatch(/problem\(s\) to fix \(serein check lists them\)/);
      const warned = lines().filter((l) => l.level === 40 && l.check);
      expect(warned.find((l) => l.check!.includes('web server here: site configuration folder'))?.fix).toContain(
        `mkdir -p ${join(dir, 'no-sites')}`,
      );
      expect(warned.find((l) => l.check!.startsWith('database server down: connect'))?.fix).toContain(
        'nothing answers at 127.0.0.1:1',
      );
      const url = lines().find((l) => l.msg === 'serein is ready')!.url!;
      expect((await fetch(`${url}/healthz`)).ok).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await child.exited;
    }
  });
});

describe('a dry run checks the machine the real run would use', () => {
  let d: TestDaemon;
  let client: { token: string };
  const domain = `${uniq('dry')}.test`;
  beforeAll(async () => {
    const vdir = tempDir('serein-check-dry-');
    d = await startTestDaemon({
      config: {
        webservers: {
          lab: labWebserver(lab, vdir),
          nosites: labWebserver(lab, vdir, 'local', { vhostDir: join(vdir, 'no-sites') }),
        },
        dns: { extraSuffixes: ['test'] },
      },
    });
    client = await d.tenant(uniq('t'), { domains: [domain], servers: ['lab', 'nosites'] });
  });
  afterAll(() => d?.stop());

  it('fails with the missing folder and its fix instead of passing; a client reads that the server is not ready', async () => {
    const admin = await d.runJob('vhost.create', { webserver: 'nosites', domain: `a.${domain}` }, { dryRun: true });
    expect(admin.status).toBe('failed');
    expect(admin.error.code).toBe('server_not_ready');
    expect(admin.error.detail).toContain(`site configuration folder ${join(d.config.webservers.nosites.vhostDir)}`);
    expect(admin.error.detail).toContain('mkdir -p');
    const asClient = await d.runJob(
      'vhost.create',
      { webserver: 'nosites', domain: `b.${domain}` },
      { dryRun: true, token: client.token },
    );
    expect(asClient.status).toBe('failed');
    expect(asClient.error.message).toBe('The server is not ready for this operation yet; nothing was changed.');
    expect(JSON.stringify(asClient.error)).not.toContain('no-sites');
    expect(existsSync(d.config.webservers.nosites.vhostDir)).toBe(false);
    // The same operation on a web server that is ready passes.
    expect((await d.runJob('vhost.create', { webserver: 'lab', domain: `c.${domain}` }, { dryRun: true })).status).toBe(
      'succeeded',
    );
  });

  it("tells an admin the command that gives a domain to a tenant, not the API's route", async () => {
    const job = await d.runJob(
      'vhost.create',
      { webserver: 'lab', domain: `shop.${uniq('nobody')}.test` },
      { dryRun: true },
    );
    expect(job.error.code).toBe('domain_unregistered');
    expect(job.error.hint).toMatch(
      /^Give the domain to its tenant first: serein tenant give <tenant> domain nobody[0-9a-f]+\.test$/,
    );
  });

  it('says when no CA directory answers before an order would be placed', async () => {
    const port = await freePort();
    const dd = await startTestDaemon({
      config: {
        acme: { cas: [{ name: 'gone', directoryUrl: `http://127.0.0.1:${port}/dir` }] },
        webservers: { lab: labWebserver(lab, tempDir('serein-check-ca-')) },
        dns: {
          extraSuffixes: ['test'],
          resolvers: [`${lab.dns!.host}:${lab.dns!.port}`],
          authoritative: [`${lab.dns!.host}:${lab.dns!.port}`],
        },
      },
    });
    try {
      const ctx = bareActionContext(dd.daemon.engine.services, null);
      const order = certificateOrder.plan(ctx, {
        domains: ['x.test'],
        challenge: 'http-01',
        keyType: 'ecdsa-p256',
        webserver: 'lab',
        cas: ['gone'],
      } as never);
      await expect(order).rejects.toMatchObject({
        code: 'server_not_ready',
        detail: expect.stringContaining('check acme.cas[0].directoryUrl'),
      });
    } finally {
      await dd.stop();
    }
  });
});
