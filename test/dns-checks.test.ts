/**
 * The checks on their own: CAA rules a lab DNS cannot express (critical flags,
 * issuewild, accounturi), address ranges, and every way fetching the token can fail.
 */
import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCloudflareProxy } from '../src/dns/addresses.js';
import { checkCaa, parseIssueValue } from '../src/dns/caa.js';
import { probeToken } from '../src/dns/http-probe.js';
import type { CaaRecord, DnsClient, Lookup } from '../src/dns/resolver.js';
import { notPublic } from '../src/net/address-policy.js';

/** A DnsClient answering CAA from a table, "no data" elsewhere. */
function caaDns(table: Record<string, CaaRecord[]>): DnsClient {
  return {
    caa: async (name: string): Promise<Lookup<CaaRecord>> =>
      table[name] ? { status: 'ok', records: table[name] } : { status: 'nodata', records: [] },
  } as unknown as DnsClient;
}

const cas = [
  { name: 'le', identities: ['letsencrypt.org'], accountUri: 'https://acme.example/acct/1' },
  { name: 'zerossl', identities: ['sectigo.com'] },
];

describe('CAA', () => {
  it('walks up to the registered domain and finds the closest set', async () => {
    const r = await checkCaa(
      caaDns({ 'example.com': [{ critical: 0, tag: 'issue', value: 'letsencrypt.org' }] }),
      'a.b.example.com',
      'com',
      'http-01',
      cas,
    );
    expect(r.check.status).toBe('warning'); // zerossl is not allowed, le is
    expect(r.allowed).toEqual(['le']);
    expect(r.check.detail?.holder).toBe('example.com');
  });

  it('an unknown tag marked critical forbids issuance', async () => {
    const r = await checkCaa(
      caaDns({
        'example.com': [
          { critical: 128, tag: 'tbs', value: 'x' },
          { critical: 0, tag: 'issue', value: 'letsencrypt.org' },
        ],
      }),
      'example.com',
      'com',
      'http-01',
      cas,
    );
    expect(r.check.status).toBe('failure');
    expect(r.check.message.en).toMatch(/"tbs" marked critical/);
    expect(r.check.fix?.en).toMatch(
      /remove the unknown rule "tbs" from the list of authorities allowed to secure example\.com\. The exact change, to pass on: delete that CAA record \(tag "tbs"\), or set its flag to 0/,
    );
  });

  it('issuewild governs wildcard names; ";" allows nobody', async () => {
    const table = {
      'example.com': [
        { critical: 0, tag: 'issue', value: 'letsencrypt.org' },
        { critical: 0, tag: 'issuewild', value: ';' },
      ],
    };
    expect((await checkCaa(caaDns(table), 'www.example.com', 'com', 'dns-01', cas)).allowed).toEqual(['le']);
    const wild = await checkCaa(caaDns(table), '*.example.com', 'com', 'dns-01', cas);
    expect(wild.check.status).toBe('failure');
    expect(wild.check.fix?.en).toContain('0 issuewild "letsencrypt.org"');
  });

  it('accounturi must name our account', async () => {
    const ok = await checkCaa(
      caaDns({
        'example.com': [
          { critical: 0, tag: 'issue', value: 'letsencrypt.org; accounturi=https://acme.example/acct/1' },
        ],
      }),
      'example.com',
      'com',
      'http-01',
      cas,
    );
    expect(ok.allowed).toEqual(['le']);
    const other = await checkCaa(
      caaDns({
        'example.com': [
          { critical: 0, tag: 'issue', value: 'letsencrypt.org; accounturi=https://acme.example/acct/999' },
        ],
      }),
      'example.com',
      'com',
      'http-01',
      cas.slice(0, 1),
    );
    expect(other.check.status).toBe('failure');
    expect(other.check.message.en).toMatch(/only for another account/);
  });

  it('parses issuer values with parameters', () => {
    expect(parseIssueValue(' LetsEncrypt.org ; validationmethods=dns-01,http-01 ')).toEqual({
      domain: 'letsencrypt.org',
      params: { validationmethods: 'dns-01,http-01' },
    });
  });
});

describe('address ranges', () => {
  it('knows reserved ranges per family, and Cloudflare proxies', () => {
    expect(notPublic('2001:db8::dead')?.what.en).toBe('a documentation (example) address');
    expect(notPublic('192.168.1.10')?.what.en).toBe('a private network address');
    expect(notPublic('fd12::1')?.cidr).toBe('fc00::/7');
    expect(notPublic('93.184.216.34')).toBeUndefined(); // not matched as IPv4-mapped
    expect(notPublic('2a00:1450:4007::1')).toBeUndefined();
    expect(isCloudflareProxy('104.16.132.229')).toBe(true);
    expect(isCloudflareProxy('2606:4700::6810:84e5')).toBe(true);
    expect(isCloudflareProxy('8.8.8.8')).toBe(false);
  });
});

describe('fetching the token like a CA', () => {
  let server: http.Server;
  let port = 0;
  let plain: http.Server;
  let plainPort = 0;
  const token = 'tok123';
  const body = 'tok123.thumbprint';

  beforeAll(async () => {
    plain = http.createServer((_req, res) => res.end('plain http'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    plainPort = (plain.address() as { port: number }).port;
    server = http.createServer((req, res) => {
      const host = String(req.headers.host);
      const url = req.url ?? '';
      if (host.startsWith('ok.')) return res.end(`${body}\n`);
      if (host.startsWith('loop.')) return res.writeHead(302, { location: `${url}x` }).end();
      if (host.startsWith('port.')) return res.writeHead(301, { location: `http://port.example:8443${url}` }).end();
      if (host.startsWith('ftp.')) return res.writeHead(301, { location: `ftp://ftp.example${url}` }).end();
      if (host.startsWith('tls.'))
        return res.writeHead(301, { location: `https://127.0.0.1:${plainPort}${url}` }).end();
      if (host.startsWith('cookie.'))
        return res.writeHead(200, { 'set-cookie': '__test=abc' }).end('<script src="/aes.js"></script>');
      if (host.startsWith('other.')) return res.writeHead(200, { server: 'someone-else' }).end('welcome');
      res.writeHead(404).end('nope');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.close();
    plain.close();
  });

  const probe = (name: string, extra: Partial<Parameters<typeof probeToken>[0]> = {}) =>
    probeToken({
      name,
      address: '127.0.0.1',
      port,
      allowedPorts: [80, 443, port, plainPort],
      token,
      expected: body,
      timeoutMs: 2000,
      ownAddresses: ['127.0.0.1'],
      ...extra,
    });

  it('accepts the exact body (whitespace trimmed)', async () => {
    expect(await probe('ok.example')).toMatchObject({ ok: true, status: 200 });
  });
  it('refuses more than 10 redirects', async () => {
    expect(await probe('loop.example')).toMatchObject({ ok: false, failure: { kind: 'redirects', count: 11 } });
  });
  it('refuses a redirect to another port or scheme', async () => {
    expect((await probe('port.example')) as any).toMatchObject({ ok: false, failure: { kind: 'redirect-port' } });
    expect((await probe('ftp.example')) as any).toMatchObject({ ok: false, failure: { kind: 'redirect-scheme' } });
  });
  it('sees plain HTTP answering where HTTPS was expected', async () => {
    expect((await probe('tls.example')) as any).toMatchObject({ ok: false, failure: { kind: 'http-on-https' } });
  });
  it('recognises a cookie-test or firewall page, another site, a 404, a closed port', async () => {
    expect((await probe('cookie.example')) as any).toMatchObject({ ok: false, failure: { kind: 'blocked' } });
    expect((await probe('other.example')) as any).toMatchObject({
      ok: false,
      failure: { kind: 'body', server: 'someone-else' },
    });
    expect((await probe('missing.example')) as any).toMatchObject({
      ok: false,
      failure: { kind: 'status', status: 404 },
    });
    expect((await probe('ok.example', { port: 9 })) as any).toMatchObject({ ok: false, failure: { kind: 'refused' } });
  });
});
