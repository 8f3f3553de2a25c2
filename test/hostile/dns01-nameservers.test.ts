/**
 * A hostile client's NS records and the dns-01 wait: before asking the CA to look, serein
 * polls every authoritative nameserver of the proof's name until it shows the TXT value,
 * for up to minutes. The NS records are the client's to write: pointed at the provider's
 * inside (loopback on port 53, a private address), serein must not poll there, and waits on
 * its configured resolver instead.
 *
 * The client's DNS is played by a small server here (NS records naming internal addresses,
 * the proof's TXT as written); the DNS host serein writes to is an in-memory one, since
 * where the record is written is not what this test is about. A canary socket on
 * 127.0.88.53:53 counts what reaches it, and must stay at 0.
 */
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as packet from 'dns-packet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dns01Value } from '../../src/acme/jws.js';
import { Dns01Solver } from '../../src/certificates/solvers.js';
import { DnsProviders, type DnsProvider } from '../../src/dns/provider.js';
import { DnsClient } from '../../src/dns/resolver.js';

const zone = `dns01-${randomBytes(4).toString('hex')}.test`;
const sockets: dgram.Socket[] = [];
const txt = new Map<string, string[]>();
let canaryHits = 0;
let resolver: string;

async function bound(address: string, port: number): Promise<dgram.Socket> {
  const sock = dgram.createSocket('udp4');
  sockets.push(sock);
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, address, () => resolve());
  });
  return sock;
}

/** The DNS host serein writes the proof to: its records are what the client's DNS serves. */
const host: DnsProvider = {
  kind: 'rfc2136',
  label: 'in-memory',
  zones: [zone],
  secrets: [],
  read: async (_z: string, name: string) => txt.get(name) ?? [],
  replace: async (_z: string, name: string, _t: string, contents: string[]) => void txt.set(name, contents),
  addTxt: async (_z: string, name: string, value: string) => void txt.set(name, [...(txt.get(name) ?? []), value]),
  removeTxt: async (_z: string, name: string, value: string) =>
    void txt.set(
      name,
      (txt.get(name) ?? []).filter((v) => v !== value),
    ),
} as unknown as DnsProvider;

beforeAll(async () => {
  const canary = await bound('127.0.88.53', 53);
  canary.on('message', () => canaryHits++);
  const dns = await bound('127.0.0.1', 0);
  dns.on('message', (buf, from) => {
    const q = packet.decode(buf);
    const question = q.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    const answers: packet.Answer[] = [];
    if (question.type === 'NS' && name === zone)
      answers.push(
        { type: 'NS', name: zone, ttl: 60, data: `ns1.${zone}` },
        { type: 'NS', name: zone, ttl: 60, data: `ns2.${zone}` },
      );
    if (question.type === 'A' && name === `ns1.${zone}`)
      answers.push({ type: 'A', name, ttl: 60, data: '127.0.88.53' });
    if (question.type === 'A' && name === `ns2.${zone}`)
      answers.push({ type: 'A', name, ttl: 60, data: '10.20.30.40' });
    if (question.type === 'TXT')
      for (const v of txt.get(name) ?? []) answers.push({ type: 'TXT', name, ttl: 60, data: v });
    const reply = packet.encode({
      type: 'response',
      id: q.id,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
      questions: q.questions,
      answers,
    });
    dns.send(reply, from.port, from.address);
  });
  resolver = `127.0.0.1:${dns.address().port}`;
});

afterAll(() => {
  for (const s of sockets.splice(0)) s.close();
});

it("the dns-01 wait polls none of the internal addresses a client's NS records name, and waits on the configured resolver", async () => {
  const logs: string[] = [];
  const solver = new Dns01Solver(new DnsProviders([host]), new DnsClient([resolver], 400), {
    extraSuffixes: ['test'],
    authoritative: [],
    nameserverPort: 53,
    timeoutMs: 3000,
    log: (m) => logs.push(m),
  });
  const item = { domain: `shop.${zone}`, token: 't1', keyAuthorization: 'key-authorization' };
  await solver.present([item]);
  expect(txt.get(`_acme-challenge.shop.${zone}`)).toEqual([dns01Value(item.keyAuthorization)]);
  expect(canaryHits).toBe(0);
  expect(logs.join('\n')).toMatch(/visible on 1 nameserver/);
});
