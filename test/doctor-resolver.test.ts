/**
 * The doctor says what it asked: the resolver it used (its address for admins, "our DNS
 * check" for clients), "the resolver could not answer" (SERVFAIL, timeout, refused) kept
 * apart from "the domain does not exist" (NXDOMAIN), a resolver that says NXDOMAIN for
 * everything recognised as such, and the server's real addresses in every fix.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPreflight } from '../src/certificates/preflight.js';
import { configSchema, webserverSchema, type Config } from '../src/config/schema.js';
import type { Diagnosis } from '../src/dns/check.js';
import { formatDiagnosis, diagnosisJson } from '../src/dns/report.js';
import { DnsClient } from '../src/dns/resolver.js';
import { LocalTarget } from '../src/targets/local.js';
import { useLab, type LabInfo } from './lab/client.js';
import { dnsAdmin } from './helpers/acme-lab.js';

/** A DNS server on loopback answering every question with the rcode `answer` picks (no records). */
async function fakeResolver(answer: (qname: string) => number): Promise<{ address: string; close(): void }> {
  const sock: Socket = createSocket('udp4');
  sock.on('message', (q, from) => {
    let i = 12;
    const labels: string[] = [];
    while (q[i] !== 0) {
      labels.push(q.subarray(i + 1, i + 1 + q[i]).toString('ascii'));
      i += q[i] + 1;
    }
    const question = q.subarray(12, i + 5);
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8000 | (q.readUInt16BE(2) & 0x0100) | 0x0080 | answer(labels.join('.').toLowerCase()), 2);
    header.writeUInt16BE(1, 4);
    sock.send(Buffer.concat([header, question]), from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { address: `127.0.0.1:${sock.address().port}`, close: () => sock.close() };
}

const NOERROR = 0;
const SERVFAIL = 2;
const NXDOMAIN = 3;
const REFUSED = 5;
const config: Config = configSchema.parse({ log: { level: 'silent' } });
const cas = [{ name: 'pebble', identities: ['pebble.letsencrypt.org'] }];
const find = (d: Diagnosis, id: string) => d.checks.find((c) => c.id === id)!;

describe('what the resolver answered', () => {
  const servers: { close(): void }[] = [];
  afterAll(() => servers.forEach((s) => s.close()));
  const ask = async (answer: (q: string) => number) => {
    const r = await fakeResolver(answer);
    servers.push(r);
    const d = await runPreflight(
      { domains: ['shop.example.fr'], challenge: 'http-01' },
      { config, dns: new DnsClient([r.address], 800), cas },
    );
    return { d, address: r.address };
  };

  it('a resolver that says "no such domain" for everything is named, not taken for the domain being gone', async () => {
    const { d, address } = await ask(() => NXDOMAIN);
    const c = find(d, 'domain-exists');
    expect(c.status).toBe('failure');
    expect(c.message.en).toContain('says the same of ".fr" itself, which does exist: that resolver cannot be trusted');
    expect(c.message.en).not.toMatch(/not registered/);
    expect(c.message.fr).toContain('on ne peut pas se fier à ce résolveur');
    expect(d.resolvers).toEqual([address]);
    // Admins read the resolver's address; clients read "our DNS check" and no address.
    expect(formatDiagnosis(d, 'en', { admin: true })).toContain(`DNS answers came from the resolver ${address}`);
    const client = formatDiagnosis(d, 'fr');
    expect(client).toContain('Les réponses DNS viennent de notre vérification DNS.');
    expect(client).not.toContain(address);
    expect(diagnosisJson(d, 'en', { admin: true }).resolvers).toEqual([address]);
    expect(JSON.stringify(diagnosisJson(d, 'en'))).not.toContain(address);
  });

  it('"the domain does not exist" when only the domain is unknown, saying it is what our DNS check was told', async () => {
    const { d } = await ask((q) => (q === 'fr' ? NOERROR : NXDOMAIN));
    const c = find(d, 'domain-exists');
    expect(c.message.en).toMatch(
      /^Our DNS check was told that the domain example\.fr does not exist: it is not registered/,
    );
    expect(c.detail).toEqual({ soa: 'NXDOMAIN' });
  });

  it.each([
    ['SERVFAIL', SERVFAIL, 'it failed to find the answer (SERVFAIL)'],
    ['REFUSED', REFUSED, 'it refused the question (REFUSED)'],
  ])('%s is "the resolver could not answer", apart from "does not exist"', async (_n, rcode, why) => {
    const { d } = await ask(() => rcode);
    const c = find(d, 'domain-exists');
    expect(c.status).toBe('failure');
    // The client reads what it means; the code and the resolver's answer are technical details.
    expect(c.message.en).toBe(
      'Our DNS check got no answer about your domain example.fr. If the certificate authority met the same silence, it would refuse to secure shop.example.fr.',
    );
    expect(c.technical?.en).toContain(
      `(${_n === 'SERVFAIL' ? 'ESERVFAIL' : 'EREFUSED'}: ${why}). This does not say that the domain does not exist.`,
    );
    expect(c.technical?.fr).toContain("Cela ne dit pas que le domaine n'existe pas");
  });

  it('a resolver that never replies: "no reply came in time"', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    servers.push({ close: () => sock.close() });
    const d = await runPreflight(
      { domains: ['shop.example.fr'], challenge: 'http-01' },
      { config, dns: new DnsClient([`127.0.0.1:${sock.address().port}`], 300), cas },
    );
    expect(find(d, 'domain-exists').technical?.en).toContain(': no reply came in time).');
  });
});

describe("the server's real addresses in every fix", () => {
  let lab: LabInfo;
  beforeAll(async () => {
    lab = await useLab('dns');
  });
  const run = async (name: string, publicAddresses: string[] | null) => {
    const cfg: Config = configSchema.parse({ log: { level: 'silent' }, dns: { extraSuffixes: ['test'] } });
    const paths = Object.fromEntries(
      ['vhostDir', 'webRoot', 'logDir', 'certDir', 'challengeRoot'].map((k) => [k, '/nonexistent']),
    );
    const ws = publicAddresses && webserverSchema.parse({ target: 'local', publicAddresses, ...paths });
    return runPreflight(
      {
        domains: [name],
        challenge: 'dns-01',
        ...(ws ? { webserver: { name: 'w', config: ws, target: new LocalTarget() } } : {}),
      },
      { config: cfg, dns: new DnsClient([`${lab.dns!.host}:${lab.dns!.port}`], 1500), cas },
    );
  };

  it("a stale reserved AAAA: the fix names the web server's public IPv6, or says who gives it when serein does not know it", async () => {
    const name = `stale${Date.now()}.serein.test`;
    await dnsAdmin(lab, 'add-aaaa', { host: `${name}.`, addresses: ['fd00::dead'] });
    try {
      const known = await run(name, ['93.184.216.34', '2606:2800:220:1::1']);
      const c = known.checks.find((x) => x.id === 'reserved-address')!;
      expect(c.fix?.en).toBe(
        `At the company that manages your domain (often where you bought it), remove the IPv6 address fd00::dead from ${name}, or replace it with 2606:2800:220:1::1.`,
      );
      expect(c.fix?.fr).toBe(
        `Chez la société qui gère votre domaine (souvent là où vous l'avez acheté), supprimez l'adresse IPv6 fd00::dead de ${name}, ou remplacez-la par 2606:2800:220:1::1.`,
      );
      const unknown = await run(name, null);
      const u = unknown.checks.find((x) => x.id === 'reserved-address')!;
      expect(u.fix?.en).toMatch(
        /or replace it with the address of the server your site is on: your provider can give it to you\./,
      );
      expect(u.fix?.en).not.toMatch(/has no IPv6 address/);
    } finally {
      await dnsAdmin(lab, 'clear-aaaa', { host: `${name}.` });
    }
  });
});
