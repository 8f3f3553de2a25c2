/**
 * Hole 4 of issue 8, played by a hostile client: their own web site redirects the doctor's
 * token fetch to an internal service (loopback that is not this server's public address,
 * IPv4-mapped loopback, a name resolving there, cloud metadata). The doctor must not
 * connect there, and must tell the client only that the token redirects elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsAdmin } from '../helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { useLab, type LabInfo } from '../lab/client.js';

const INTERNAL_SERVER = `metadata-svc-${randomBytes(3).toString('hex')}`;
const INTERNAL_STATUS = 203;
const reg = `r${randomBytes(4).toString('hex')}.test`;
const regFr = `f${randomBytes(4).toString('hex')}.test`;

let lab: LabInfo;
let d: TestDaemon;
let client: string;
let clientFr: string;
let site: http.Server;
let internal: http.Server;
let port: number;
let challengeRoot: string;
const internalHits: string[] = [];

const listen = (s: http.Server, p: number, host: string) =>
  new Promise<void>((ok, fail) => {
    s.once('error', fail);
    s.listen(p, host, () => ok());
  });
const close = (s: http.Server | undefined) => new Promise<void>((ok) => (s ? s.close(() => ok()) : ok()));

/** Where the client's own site sends /.well-known/acme-challenge/<token>, by the name asked for. */
function redirectFor(host: string, token: string): string | undefined {
  const name = host.replace(/:\d+$/, '').replace(regFr, reg);
  const to: Record<string, string> = {
    [`literal.${reg}`]: `http://127.0.0.2:${port}/latest/meta-data/iam/`,
    [`mapped.${reg}`]: `http://[::ffff:127.0.0.2]:${port}/latest/meta-data/iam/`,
    [`decimal.${reg}`]: `http://2130706434:${port}/latest/meta-data/iam/`,
    [`named.${reg}`]: `http://internal.${reg}:${port}/latest/meta-data/iam/`,
    [`mixed.${reg}`]: `http://both.${reg}:${port}/latest/meta-data/iam/`,
    [`metadata.${reg}`]: `http://169.254.169.254:${port}/latest/meta-data/iam/`,
    [`private.${reg}`]: `http://10.1.2.3:${port}/latest/meta-data/iam/`,
    [`own.${reg}`]: `http://127.0.0.1:${port}/.well-known/acme-challenge/${token}`,
    [`ownname.${reg}`]: `http://www.${reg}:${port}/.well-known/acme-challenge/${token}`,
  };
  return to[name];
}

beforeAll(async () => {
  lab = await useLab('dns');
  challengeRoot = tempDir('serein-redirect-');
  const dir = tempDir('serein-redirect-ws-');
  // The client's web site, on this server's public address (127.0.0.1 in the lab).
  site = http.createServer(async (req, res) => {
    const token = (req.url ?? '').split('/').pop() ?? '';
    const host = req.headers.host ?? '';
    const location = redirectFor(host, token);
    if (location) {
      res.writeHead(302, { location, server: 'client-site' });
      return res.end();
    }
    const body = await readFile(join(challengeRoot, '.well-known/acme-challenge', token), 'utf8').catch(
      () => undefined,
    );
    res.writeHead(body ? 200 : 404, { server: 'client-site' });
    res.end(body ?? 'not here');
  });
  await listen(site, 0, '127.0.0.1');
  port = (site.address() as { port: number }).port;
  // The internal service (metadata, an admin API): loopback, but not this server's public address.
  internal = http.createServer((req, res) => {
    internalHits.push(`${req.headers.host} ${req.url}`);
    res.writeHead(INTERNAL_STATUS, { server: INTERNAL_SERVER });
    res.end('{"role":"instance-admin","secret":"s3cr3t"}');
  });
  await listen(internal, port, '127.0.0.2');
  await dnsAdmin(lab, 'add-a', { host: `internal.${reg}.`, addresses: ['127.0.0.2'] });
  await dnsAdmin(lab, 'add-a', { host: `both.${reg}.`, addresses: ['127.0.0.2'] });
  await dnsAdmin(lab, 'add-aaaa', { host: `both.${reg}.`, addresses: ['::1'] });
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
        web: {
          target: 'local',
          vhostDir: join(dir, 'vhosts'),
          webRoot: join(dir, 'www'),
          logDir: join(dir, 'logs'),
          certDir: join(dir, 'certs'),
          challengeRoot,
          httpPort: port,
          httpsPort: port + 1,
          publicAddresses: ['127.0.0.1', '::1'],
        },
      },
    },
  });
  client = (await d.tenant('shop', { domains: [reg], servers: ['web'] })).token;
  clientFr = (await d.tenant('boutique', { language: 'fr', domains: [regFr], servers: ['web'] })).token;
});

afterAll(async () => {
  await d?.stop();
  await close(site);
  await close(internal);
  if (lab) {
    for (const h of ['internal', 'both'])
      await dnsAdmin(lab, 'clear-a', { host: `${h}.${reg}.` }).catch(() => undefined);
    await dnsAdmin(lab, 'clear-aaaa', { host: `both.${reg}.` }).catch(() => undefined);
  }
});

async function doctor(name: string, token: string) {
  const res = await d.api('POST', '/v1/doctor', { token, body: { domains: [name], webserver: 'web' } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const check = res.body.checks.find((c: any) => c.id === 'http-token' && c.domain === name);
  return { body: res.body, check };
}

/** Nothing about the refused hop may reach the client: its status, Server header, address or URL. */
function expectNothingLeaked(body: unknown) {
  const all = JSON.stringify(body);
  for (const secret of [
    INTERNAL_SERVER,
    '127.0.0.2',
    '7f00:2',
    '2130706434',
    '169.254',
    '10.1.2.3',
    'meta-data',
    `internal.${reg}`,
    `both.${reg}`,
    's3cr3t',
  ]) {
    expect(all, `the client's answer mentions ${secret}`).not.toContain(secret);
  }
  for (const c of (body as { checks: any[] }).checks) {
    expect(c.detail?.status).not.toBe(INTERNAL_STATUS);
    expect(`${c.message} ${c.fix ?? ''}`).not.toContain(String(INTERNAL_STATUS));
  }
}

describe('the doctor never follows a redirect to an internal address', () => {
  for (const kind of ['literal', 'mapped', 'decimal', 'named', 'mixed', 'metadata', 'private']) {
    it(`a redirect to ${kind} internal address: not fetched, and the client only hears "redirects elsewhere"`, async () => {
      const name = `${kind}.${reg}`;
      const { body, check } = await doctor(name, client);
      expect(check, JSON.stringify(body.checks)).toBeDefined();
      expect(check.status).toBe('failure');
      expect(check.message).toMatch(
        /your site sent the visit elsewhere, where the certificate authority will not follow\./,
      );
      expect(check.detail?.failure).toEqual({ kind: 'redirect-elsewhere' });
      expectNothingLeaked(body);
      expect(internalHits).toEqual([]);
    });
  }

  it('tells a French client the same, in French', async () => {
    const { body, check } = await doctor(`literal.${regFr}`, clientFr);
    expect(check.status).toBe('failure');
    expect(check.message).toMatch(
      /votre site a renvoyé la visite ailleurs, là où l'autorité de certification ne suivra pas\./,
    );
    expectNothingLeaked(body);
    expect(internalHits).toEqual([]);
  });

  it('an admin gets the technical detail of the refused hop', async () => {
    const name = `literal.${reg}`;
    const { check } = await doctor(name, d.adminToken);
    expect(check.adminDetail?.redirect).toMatchObject({
      location: `http://127.0.0.2:${port}/latest/meta-data/iam/`,
      addresses: ['127.0.0.2'],
    });
    expect(internalHits).toEqual([]);
  });

  it("a redirect to this server's own public address, by address or by name, is still followed", async () => {
    for (const name of [`own.${reg}`, `ownname.${reg}`]) {
      const { body, check } = await doctor(name, client);
      expect(check?.status, JSON.stringify(body.checks)).toBe('ok');
      expect(check.detail.redirects).toBe(1);
    }
  });
});
