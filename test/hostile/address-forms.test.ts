/**
 * Issue 18, played by a hostile client: IPv6 forms that carry an internal IPv4 address
 * (IPv4-compatible `::7f00:1`, IPv4-mapped, IPv4-translated, NAT64 and local NAT64, 6to4,
 * Teredo) as a site's reverse proxy, as their domain's AAAA record, and as the target of
 * a redirect of the doctor's token fetch. The upstream was accepted for `[::7f00:1]`, and
 * the doctor connected to NAT64 and 6to4 forms of loopback.
 *
 * A gateway that would carry these to the IPv4 inside is stood in for by putting the
 * IPv6 addresses on `lo` for the file's duration (the tests run as root, as the lab does):
 * every connection to one of them lands on a canary listening on loopback, which counts
 * connections and must stay at 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dnsAdmin } from '../helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { labNginxTest, labWebserver, uniq } from '../helpers/vhost-lab.js';
import { useLab, type LabInfo } from '../lab/client.js';

const PUBLIC_IP = '93.184.216.34'; // nothing connects to it: the tests never request a proxied path
const INSIDE: { ip: string; says: RegExp }[] = [
  { ip: '127.0.0.1', says: /this address is the server itself/ },
  { ip: '10.1.2.3', says: /this address is on a private network/ },
  { ip: '169.254.169.254', says: /reserved for the servers' internal services/ },
];

const hex = (ip: string, invert = false) => {
  const b = ip
    .split('.')
    .map(Number)
    .map((x) => (invert ? 255 - x : x));
  return [((b[0] << 8) | b[1]).toString(16), ((b[2] << 8) | b[3]).toString(16)];
};
/** Each IPv6 form of an IPv4 address; `onLo` when the kernel takes it as an interface address (a mapped one is IPv4 itself). */
const FORMS: { form: string; of: (ip: string) => string; onLo: boolean }[] = [
  { form: 'compatible', of: (ip) => `::${hex(ip).join(':')}`, onLo: true },
  { form: 'mapped', of: (ip) => `::ffff:${hex(ip).join(':')}`, onLo: false },
  { form: 'translated', of: (ip) => `::ffff:0:${hex(ip).join(':')}`, onLo: true },
  { form: 'nat64', of: (ip) => `64:ff9b::${hex(ip).join(':')}`, onLo: true },
  { form: 'nat64local', of: (ip) => `64:ff9b:1::${hex(ip).join(':')}`, onLo: true },
  { form: 'sixtofour', of: (ip) => `2002:${hex(ip).join(':')}::1`, onLo: true },
  { form: 'teredo', of: (ip) => `2001:0:4136:e378:8000:63bf:${hex(ip, true).join(':')}`, onLo: true },
];
const CASES = FORMS.flatMap((f) => INSIDE.map((v4, i) => ({ ...f, v4, i, address: f.of(v4.ip) })));

let lab: LabInfo;
let d: TestDaemon;
let dir: string;
let client: string;
let site: http.Server;
let canary: http.Server;
let canary6: http.Server;
let sitePort: number;
let canaryPort: number;
const dom = `${uniq('af')}.test`;
const onLo: string[] = [];
const aaaa: string[] = [];
const a: string[] = [];
const hits: string[] = [];

const listen = (s: http.Server, o: { port: number; host: string; ipv6Only?: boolean }) =>
  new Promise<void>((ok, fail) => {
    s.once('error', fail);
    s.listen(o, () => ok());
  });
const close = (s: http.Server | undefined) => new Promise<void>((ok) => (s?.listening ? s.close(() => ok()) : ok()));
const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/** A canary: every connection counted, by the address it reached; answered 404 at once. */
function canaryServer(): http.Server {
  const s = http.createServer((_req, res) => res.writeHead(404).end());
  s.on('connection', (sock: Socket) => hits.push(`${sock.localAddress}:${sock.localPort}`));
  return s;
}

beforeAll(async () => {
  lab = await useLab('nginx', 'dns');
  dir = tempDir('serein-addrforms-');
  for (const c of CASES.filter((x) => x.onLo)) {
    const r = ip('-6', 'addr', 'replace', `${c.address}/128`, 'dev', 'lo', 'nodad');
    if (r.status !== 0) throw new Error(`ip addr replace ${c.address}: ${r.stderr}`);
    onLo.push(c.address);
  }
  // The client's web site on this server's public address (127.0.0.1 in the lab): it redirects each token fetch to one form.
  site = http.createServer((req, res) => {
    const name = (req.headers.host ?? '').replace(/:\d+$/, '');
    const c = CASES.find((x) => name === `r-${x.form}-${x.i}.${dom}`);
    if (c) return res.writeHead(302, { location: `http://[${c.address}]:${canaryPort}/latest/meta-data/` }).end();
    res.writeHead(404).end('not here');
  });
  await listen(site, { port: 0, host: '127.0.0.1' });
  sitePort = (site.address() as AddressInfo).port;
  // Redirects go to the canary's port (allowed: it is the web server's https port); both families, so a mapped form lands there too.
  canary = canaryServer();
  await listen(canary, { port: 0, host: '::' });
  canaryPort = (canary.address() as AddressInfo).port;
  // A domain's AAAA is fetched on the web server's http port: the site holds it in IPv4, the canary in IPv6.
  canary6 = canaryServer();
  await listen(canary6, { port: sitePort, host: '::', ipv6Only: true });
  d = await startTestDaemon({
    config: {
      renewal: { enabled: false },
      dns: {
        resolvers: [`${lab.dns!.host}:${lab.dns!.port}`],
        authoritative: [`${lab.dns!.host}:${lab.dns!.port}`],
        extraSuffixes: ['test'],
        timeoutMs: 1500,
      },
      webservers: {
        web: labWebserver(lab.nginx!, dir, 'local'),
        probe: {
          target: 'local',
          vhostDir: join(dir, 'probe-vhosts'),
          webRoot: join(dir, 'probe-www'),
          logDir: join(dir, 'probe-logs'),
          certDir: join(dir, 'probe-certs'),
          challengeRoot: join(dir, 'probe-challenges'),
          httpPort: sitePort,
          httpsPort: canaryPort,
          publicAddresses: ['127.0.0.1'],
        },
      },
    },
  });
  client = (await d.tenant(uniq('af'), { domains: [dom], servers: ['web', 'probe'] })).token;
});

afterEach(() => {
  const t = labNginxTest(lab);
  expect(t.ok, t.output).toBe(true);
});

afterAll(async () => {
  await d?.stop();
  for (const address of onLo) ip('-6', 'addr', 'del', `${address}/128`, 'dev', 'lo');
  await Promise.all([close(site), close(canary), close(canary6)]);
  for (const host of aaaa) await dnsAdmin(lab, 'clear-aaaa', { host: `${host}.` }).catch(() => undefined);
  for (const host of a) await dnsAdmin(lab, 'clear-a', { host: `${host}.` }).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function addRecords(host: string, o: { a?: string[]; aaaa?: string[] }) {
  if (o.a) {
    await dnsAdmin(lab, 'add-a', { host: `${host}.`, addresses: o.a });
    a.push(host);
  }
  if (o.aaaa) {
    await dnsAdmin(lab, 'add-aaaa', { host: `${host}.`, addresses: o.aaaa });
    aaaa.push(host);
  }
}

const confPath = (name: string) => join(lab.nginx!.vhostDir, `${name}.conf`);

describe('a site cannot forward visitors to an IPv6 form of an internal address', () => {
  for (const c of FORMS) {
    it(`refuses the ${c.form} form of loopback, a private address and the metadata service, in the client's words`, async () => {
      for (const x of CASES.filter((y) => y.form === c.form)) {
        const name = `u-${x.form}-${x.i}.${dom}`;
        const job = await d.runJob(
          'vhost.create',
          { webserver: 'web', domain: name, upstream: `http://[${x.address}]:8080` },
          { token: client },
        );
        expect(job.status, `${x.address}: ${JSON.stringify(job.error)}`).toBe('failed');
        expect(job.error.code).toBe('upstream_not_allowed');
        expect(job.error.message, x.address).toMatch(x.v4.says);
        expect(existsSync(confPath(name)), `${x.address}: no vhost file`).toBe(false);
        const asAdmin = await d.api('GET', `/v1/jobs/${job.id}`);
        expect(asAdmin.body.job.error.detail, 'the admin reads the address inside').toContain(`carrying ${x.v4.ip}`);
      }
    });
  }

  it('refuses a name whose AAAA is a NAT64 form of loopback, even with a public A', async () => {
    const backend = `nat64-${uniq()}.test`;
    await addRecords(backend, { a: [PUBLIC_IP], aaaa: ['64:ff9b::7f00:1'] });
    const job = await d.runJob(
      'vhost.create',
      { webserver: 'web', domain: `un.${dom}`, upstream: `http://${backend}:8080` },
      { token: client },
    );
    expect(job.status).toBe('failed');
    expect(job.error.message).toMatch(new RegExp(`to ${backend}: this address is the server itself`));
  });

  it('accepts a name behind a DNS64 resolver (its AAAA the NAT64 form of its public A), pinned to the IPv4 address', async () => {
    const backend = `dns64-${uniq()}.test`;
    const [h1, h2] = hex(PUBLIC_IP);
    await addRecords(backend, { a: [PUBLIC_IP], aaaa: [`64:ff9b::${h1}:${h2}`] });
    const name = `dns64.${dom}`;
    const job = await d.runJob(
      'vhost.create',
      { webserver: 'web', domain: name, upstream: `http://${backend}:8080` },
      { token: client },
    );
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(readFileSync(confPath(name), 'utf8')).toContain(`proxy_pass http://${PUBLIC_IP}:8080;`);
    const del = await d.runJob('vhost.delete', { domain: name, confirm: name }, { token: client });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
  });

  it('an admin still proxies anywhere, IPv4-compatible form included, and nginx takes it', async () => {
    const name = `admin.${dom}`;
    const job = await d.runJob('vhost.create', { webserver: 'web', domain: name, upstream: 'http://[::7f00:1]:8080' });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(readFileSync(confPath(name), 'utf8')).toContain('proxy_pass http://[::7f00:1]:8080;');
    const t = labNginxTest(lab);
    expect(t.ok, t.output).toBe(true);
    const del = await d.runJob('vhost.delete', { domain: name });
    expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
  });
});

describe('the doctor never connects to an IPv6 form of an internal address', () => {
  async function doctor(names: string[], token = client) {
    const res = await d.api('POST', '/v1/doctor', { token, body: { domains: names, webserver: 'probe' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.checks as any[];
  }

  it('a domain whose AAAA is such a form: said to be unreachable, and not fetched', async () => {
    // The lab's DNS serves no IPv4-mapped AAAA (it answers nothing for one): that form is covered by the redirects.
    const cases = CASES.filter((x) => x.form !== 'mapped');
    const names = cases.map((x) => `a-${x.form}-${x.i}.${dom}`);
    for (const [k, x] of cases.entries()) await addRecords(names[k], { aaaa: [x.address] });
    const checks = await doctor(names);
    expect(hits, 'connections that reached the canary').toEqual([]);
    for (const [k, x] of cases.entries()) {
      const mine = checks.filter((c) => c.domain === names[k]);
      const reserved = mine.find((c) => c.id === 'reserved-address');
      expect(reserved?.status, `${x.address}: ${JSON.stringify(mine)}`).toBe('failure');
      expect(reserved.message).toContain(`hiding ${x.v4.ip}`);
      // Only the A record (this server, 127.0.0.1) is fetched.
      expect(mine.filter((c) => c.id === 'http-token').map((c) => c.detail.address)).toEqual(['127.0.0.1']);
    }
  });

  it('a redirect to such a form: not followed, the client hears "redirects elsewhere", the admin reads the address inside', async () => {
    const names = CASES.map((x) => `r-${x.form}-${x.i}.${dom}`);
    const checks = await doctor(names);
    expect(hits, 'connections that reached the canary').toEqual([]);
    for (const [k, x] of CASES.entries()) {
      const check = checks.find((c) => c.id === 'http-token' && c.domain === names[k]);
      expect(check?.detail?.failure, `${x.address}: ${JSON.stringify(check)}`).toEqual({ kind: 'redirect-elsewhere' });
      expect(JSON.stringify(check)).not.toContain(x.address);
    }
    const asAdmin = await doctor(
      [names[CASES.findIndex((x) => x.form === 'nat64' && x.v4.ip === '127.0.0.1')]],
      d.adminToken,
    );
    expect(asAdmin.find((c) => c.id === 'http-token').adminDetail.redirect.reason).toMatch(
      /64:ff9b::7f00:1 \(a NAT64 address 64:ff9b::\/96 carrying 127\.0\.0\.1\) in 127\.0\.0\.0\/8/,
    );
    expect(hits).toEqual([]);
  });
});
