/**
 * The preflight against the lab DNS (challtestsrv) and nginx: each failure a CA would
 * hit gives the right explanation and the exact fix, in English and French.
 */
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check, Diagnosis } from '../src/dns/check.js';
import { diagnose } from '../src/certificates/diagnose.js';
import { runPreflight } from '../src/certificates/preflight.js';
import { formatDiagnosis } from '../src/dns/report.js';
import { DnsClient } from '../src/dns/resolver.js';
import { LocalTarget } from '../src/targets/local.js';
import { useLab, type LabInfo } from './lab/client.js';
import { dnsAdmin, labServices } from './helpers/acme-lab.js';
import { tempDir } from './helpers/tmp.js';

let lab: LabInfo;
let env: Awaited<ReturnType<typeof labServices>>;
const reg = `${randomBytes(4).toString('hex')}.test`;

const failures = (d: Diagnosis) => d.checks.filter((c) => c.status === 'failure');
const find = (d: Diagnosis, id: string, domain?: string) =>
  d.checks.find((c) => c.id === id && (!domain || c.domain === domain)) as Check;

beforeAll(async () => {
  lab = await useLab('pebble');
  env = await labServices(lab);
});
afterAll(async () => {
  await env.close();
});

const run = (domains: string[], challenge: 'http-01' | 'dns-01' = 'http-01') =>
  diagnose(env.services, { domains, challenge, webserver: 'lab' });

describe('preflight: every check, ok and failing', () => {
  it('passes a healthy name, each address tested with the real token', async () => {
    const name = `ok.${reg}`;
    const d = await run([name]);
    expect(failures(d), JSON.stringify(failures(d), null, 1)).toEqual([]);
    expect(d.ok).toBe(true);
    expect(d.cas).toEqual(['pebble']);
    expect(find(d, 'http-token', name)).toMatchObject({ status: 'ok', detail: { address: '127.0.0.1' } });
    for (const id of [
      'syntax',
      'public-suffix',
      'domain-exists',
      'caa',
      'addresses',
      'target-address',
      'failure-budget',
    ])
      expect(find(d, id, name)?.status, id).toBe('ok');
    expect(d.tookMs).toBeLessThan(5000);
  });

  it('an AAAA in 2001:db8::/32: explains it is not this server and says what to do', async () => {
    const name = `v6.${reg}`;
    await dnsAdmin(lab, 'add-aaaa', { host: `${name}.`, addresses: ['2001:db8::dead'] });
    const d = await run([name]);
    const c = find(d, 'reserved-address', name);
    expect(c.status).toBe('failure');
    expect(c.message.en).toBe(
      `Your domain ${name} has an IPv6 address, 2001:db8::dead, which is a documentation (example) address: nobody on the Internet, including the certificate authority, can reach it.`,
    );
    // In words a client can act on or forward; the record itself is in the repair (and the detail).
    expect(c.fix?.en).toBe(
      `At the company that manages your domain (often where you bought it), remove the IPv6 address 2001:db8::dead from ${name}, or replace it with ::1.`,
    );
    expect(c.fix?.fr).toBe(
      `Chez la société qui gère votre domaine (souvent là où vous l'avez acheté), supprimez l'adresse IPv6 2001:db8::dead de ${name}, ou remplacez-la par ::1.`,
    );
    expect(`${c.fix?.en} ${c.fix?.fr}`).not.toMatch(/AAAA|record|enregistrement/);
    expect(c.repair).toMatchObject({ op: 'update', type: 'AAAA', name, from: '2001:db8::dead', to: '::1' });
    expect(d.ok).toBe(false);
    expect(formatDiagnosis(d, 'en')).toMatch(/cannot get a certificate yet: 1 problem to fix first/);
  });

  it('an A pointing to another (public) server', async () => {
    const name = `elsewhere.${reg}`;
    await dnsAdmin(lab, 'add-a', { host: `${name}.`, addresses: ['127.0.0.1', '93.184.216.34'] });
    const d = await run([name]);
    const c = d.checks.find((x) => x.id === 'target-address' && x.status === 'failure')!;
    expect(c.message.en).toMatch(/has an IPv4 address, 93\.184\.216\.34, that is not this server/);
    expect(c.fix?.en).toBe(
      `At the company that manages your domain (often where you bought it), remove the IPv4 address 93.184.216.34 from ${name}, or replace it with 127.0.0.1.`,
    );
    expect(c.repair).toMatchObject({ op: 'delete', type: 'A', from: '93.184.216.34' });
  });

  it('CAA naming another CA: says which record to add', async () => {
    const name = `caa.${reg}`;
    await dnsAdmin(lab, 'add-caa', { host: `${name}.`, policies: [{ tag: 'issue', value: 'otherca.example' }] });
    const d = await run([name]);
    const c = find(d, 'caa', name);
    expect(c.status).toBe('failure');
    expect(c.message.en).toMatch(/list of the authorities allowed to secure it, and only otherca\.example is on it/);
    expect(c.fix?.en).toBe(
      `At the company that manages your domain (often where you bought it), add pebble.letsencrypt.org to the list of authorities allowed to secure ${name}, and keep otherca.example if you also use it. The exact line, to pass on: CAA 0 issue "pebble.letsencrypt.org".`,
    );
    expect(c.fix?.fr).toContain(`La ligne exacte, à leur transmettre\u00a0: CAA 0 issue "pebble.letsencrypt.org".`);
    expect(c.repair).toMatchObject({ op: 'create', type: 'CAA', name, to: '0 issue "pebble.letsencrypt.org"' });
    expect(d.cas).toEqual([]);
  });

  it('CAA: validationmethods excluding the method', async () => {
    const m = `method.${reg}`;
    await dnsAdmin(lab, 'add-caa', {
      host: `${m}.`,
      policies: [{ tag: 'issue', value: 'pebble.letsencrypt.org; validationmethods=dns-01' }],
    });
    const d = await run([m]);
    expect(find(d, 'caa', m).message.en).toMatch(/only with the dns-01 method, not http-01/);
  });

  it('a wildcard with http-01', async () => {
    const d = await run([`*.${reg}`]);
    const c = find(d, 'wildcard-challenge');
    expect(c.status).toBe('failure');
    expect(c.fix?.en).toMatch(/Choose the dns-01 method/);
  });

  it('invalid and international names', async () => {
    const d = await run([
      'exa_mple.test',
      `xn--zz.${reg}`,
      `ab--cd.${reg}`,
      `bücher.${reg}`,
      'shop.example.invalidtld',
      'test',
    ]);
    const syntax = d.checks.filter((c) => c.id === 'syntax');
    expect(syntax.find((c) => c.domain === 'exa_mple.test')?.status).toBe('failure');
    expect(syntax.find((c) => c.domain === `xn--zz.${reg}`)?.status).toBe('failure');
    expect(syntax.find((c) => c.domain === `ab--cd.${reg}`)?.message.en).toMatch(/two dashes in 3rd and 4th position/);
    expect(d.domains).toContain(`xn--bcher-kva.${reg}`);
    expect(find(d, 'syntax', `xn--bcher-kva.${reg}`).status).toBe('ok');
    expect(find(d, 'public-suffix', 'shop.example.invalidtld').message.en).toMatch(
      /not a domain extension that exists/,
    );
    expect(find(d, 'syntax', 'test').status).toBe('failure'); // a bare suffix has no dot
  });

  it('refuses past the failed-validation budget and says when it can try again', async () => {
    const name = `budget.${reg}`;
    for (let i = 0; i < 5; i++) await env.store.certificates.addValidationFailure('pebble', name, 'unauthorized: 404');
    const d = await run([name]);
    const c = find(d, 'failure-budget', name);
    expect(c.status).toBe('failure');
    expect(c.message.en).toMatch(/failed validation 5 times in the last 60 minutes at pebble/);
    expect(c.message.fr).toMatch(/ne redemandera pas avant \d\d:\d\d UTC \(dans (60|59) minutes\)/);
  });

  it('dns-01 without a DNS provider says so', async () => {
    const d = await run([`*.${reg}`], 'dns-01');
    expect(find(d, 'dns01-zone').message.en).toMatch(/no DNS provider is configured/);
    expect(find(d, 'wildcard-challenge')).toBeUndefined();
  });
});

/**
 * A DNS relay in front of challtestsrv that answers "no record" (NODATA) for the A and
 * AAAA of chosen names: challtestsrv itself gives every name a default A.
 */
async function relayWithout(names: string[], upstreamPort: number): Promise<{ port: number; close(): void }> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let at = 12;
    const labels: string[] = [];
    while (msg[at] !== 0) {
      labels.push(msg.subarray(at + 1, at + 1 + msg[at]).toString('latin1'));
      at += msg[at] + 1;
    }
    const qtype = msg.readUInt16BE(at + 1);
    const qname = labels.join('.').toLowerCase();
    if ((qtype === 1 || qtype === 28) && names.includes(qname)) {
      const header = Buffer.alloc(12);
      msg.copy(header, 0, 0, 2);
      header.writeUInt16BE(0x8180 | (msg.readUInt16BE(2) & 0x0100), 2);
      header.writeUInt16BE(1, 4);
      sock.send(Buffer.concat([header, msg.subarray(12, at + 5)]), rinfo.port, rinfo.address);
      return;
    }
    const up = dgram.createSocket('udp4');
    up.on('message', (answer) => {
      sock.send(answer, rinfo.port, rinfo.address);
      up.close();
    });
    up.send(msg, upstreamPort, '127.0.0.1');
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, close: () => sock.close() };
}

describe('preflight: what needs a special lab', () => {
  it('no A and no AAAA record', async () => {
    const name = `noaddr.${reg}`;
    const relay = await relayWithout([name], lab.dns!.port);
    try {
      const d = await runPreflight(
        {
          domains: [name],
          challenge: 'http-01',
          webserver: { name: 'lab', config: env.config.webservers.lab, target: new LocalTarget() },
        },
        {
          config: env.config,
          dns: new DnsClient([`127.0.0.1:${relay.port}`], 1500),
          cas: [{ name: 'pebble', identities: ['pebble.letsencrypt.org'] }],
        },
      );
      const c = find(d, 'addresses', name);
      expect(c.status).toBe('failure');
      expect(c.message.en).toBe(
        `${name} has no address at all: browsers and the certificate authority cannot find your site.`,
      );
      expect(c.fix?.en).toBe(
        `At the company that manages your domain (often where you bought it), give ${name} the IPv4 address 127.0.0.1 and the IPv6 address ::1.`,
      );
      expect(c.repair).toMatchObject({ op: 'create', type: 'A', to: '127.0.0.1' });
    } finally {
      relay.close();
    }
  });

  it('a proof folder serein cannot write in: the client reads who fixes it, the admin where and why', async () => {
    const blocker = join(tempDir('serein-noroot-'), 'a-file');
    writeFileSync(blocker, '');
    const ws = { ...env.config.webservers.lab, challengeRoot: join(blocker, 'www') }; // a folder under a file: never writable
    const d = await runPreflight(
      {
        domains: [`ok.${reg}`],
        challenge: 'http-01',
        webserver: { name: 'lab', config: ws, target: new LocalTarget() },
      },
      {
        config: env.config,
        dns: env.services.dns,
        cas: [{ name: 'pebble', identities: ['pebble.letsencrypt.org'] }],
      },
    );
    const c = find(d, 'http-token', `ok.${reg}`);
    expect(c.status).toBe('failure');
    expect(c.message.en).toBe('serein could not place a test file on the web server.');
    expect(`${c.message.en} ${c.fix?.en} ${c.message.fr} ${c.fix?.fr}`).not.toContain(blocker);
    expect(c.adminDetail).toMatchObject({
      challengeRoot: join(blocker, 'www'),
      error: expect.stringContaining('not a directory'),
    });
  });

  it('the token is served over IPv4 but not over IPv6', async () => {
    // A web server that serves the challenge folder on 127.0.0.1 only; [::1] answers 404.
    const root = tempDir('serein-v6-');
    const serve = (family: 4 | 6) =>
      http.createServer(async (req, res) => {
        const token = req.url?.split('/').pop() ?? '';
        const body =
          family === 4
            ? await readFile(join(root, '.well-known/acme-challenge', token)).catch(() => undefined)
            : undefined;
        res.writeHead(body ? 200 : 404, { server: family === 4 ? 'good' : 'stale-v6' });
        res.end(body ?? 'not here');
      });
    const v4 = serve(4);
    await new Promise<void>((r) => v4.listen(0, '127.0.0.1', r));
    const port = (v4.address() as { port: number }).port;
    const v6 = serve(6);
    await new Promise<void>((r) => v6.listen(port, '::1', r));
    const name = `family.${reg}`;
    await dnsAdmin(lab, 'add-aaaa', { host: `${name}.`, addresses: ['::1'] });
    try {
      const ws = { ...env.config.webservers.lab, httpPort: port, challengeRoot: root };
      const d = await runPreflight(
        { domains: [name], challenge: 'http-01', webserver: { name: 'lab', config: ws, target: new LocalTarget() } },
        {
          config: env.config,
          dns: env.services.dns,
          cas: [{ name: 'pebble', identities: ['pebble.letsencrypt.org'] }],
        },
      );
      const tokens = d.checks.filter((c) => c.id === 'http-token');
      expect(tokens.find((c) => c.detail?.address === '127.0.0.1')?.status).toBe('ok');
      const bad = tokens.find((c) => c.detail?.address === '::1')!;
      expect(bad.status).toBe('failure');
      expect(bad.message.en).toMatch(
        /at ::1 \(IPv6\) as the certificate authority will, the web server did not hand back our test file\./,
      );
      expect(bad.technical?.en).toMatch(
        /fetched over IPv6 at ::1, as the certificate authority will: the server answered "404" instead of the file\./,
      );
      // The client reads what is wrong and who fixes it; the admin gets where to look.
      expect(bad.fix?.en).toMatch(
        /^Nothing to change on your side: ::1 is your provider's web server, and it must answer for family\..* then try again once they have seen to it\.$/,
      );
      expect(bad.fix?.en).not.toContain(root);
      expect(bad.adminDetail).toEqual({ port, challengeRoot: root });
      expect(bad.message.fr).toMatch(/à l'adresse ::1 \(IPv6\)/);
      expect(find(d, 'address-consistency', name)?.status).toBe('warning');
      expect(d.ok).toBe(false);
    } finally {
      v4.close();
      v6.close();
      await dnsAdmin(lab, 'clear-aaaa', { host: `${name}.` });
    }
  });
});
