/**
 * A hostile client's DNS: NS records are the client's to write, and the preflight asks every
 * nameserver they name. Pointed at the provider's inside (a private address, the cloud metadata
 * address, loopback on port 53), serein must send nothing there and say so in plain words;
 * pointed at one address from hundreds of records, it must ask a bounded number of them; and an
 * answer to one of its questions must come from the server asked, not from whoever guessed the id.
 *
 * The client's DNS is played by a small server here (it answers as a resolver relaying the
 * client's records would); where a question would land is a canary socket on loopback that
 * counts the datagrams it gets, and must stay at 0 where nothing may be sent.
 */
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { join } from 'node:path';
import * as packet from 'dns-packet';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runPreflight } from '../../src/certificates/preflight.js';
import { configSchema } from '../../src/config/schema.js';
import type { Check } from '../../src/dns/check.js';
import { ADDRESSES_PER_HOST, DnsClient, NS_HOSTS_ASKED } from '../../src/dns/resolver.js';
import { ask } from '../../src/dns/wire.js';
import { tempDir } from '../helpers/tmp.js';

const zone = `ns-${randomBytes(4).toString('hex')}.test`;
const CANARY = '127.0.88.53';
const sockets: dgram.Socket[] = [];

async function bound(type: 'udp4' | 'udp6', address: string, port: number): Promise<dgram.Socket> {
  const sock = dgram.createSocket(type);
  sockets.push(sock);
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, address, () => resolve());
  });
  return sock;
}

/** A canary: counts what reaches it, answers nothing. */
async function canary(address: string, port: number): Promise<{ port: number; count: () => number }> {
  const sock = await bound('udp4', address, port);
  let n = 0;
  sock.on('message', () => n++);
  return { port: sock.address().port, count: () => n };
}

/** The client's DNS: NS records of `zone` naming `hosts`, each with its addresses; other names exist, without records. */
async function clientDns(hosts: Record<string, { a?: string[]; aaaa?: string[] }>): Promise<string> {
  const sock = await bound('udp4', '127.0.0.1', 0);
  sock.on('message', (buf, from) => {
    const q = packet.decode(buf);
    const question = q.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    const answers: packet.Answer[] = [];
    if (question.type === 'NS' && name === zone)
      for (const h of Object.keys(hosts)) answers.push({ type: 'NS', name: zone, ttl: 60, data: h });
    for (const a of question.type === 'A' ? (hosts[name]?.a ?? []) : [])
      answers.push({ type: 'A', name, ttl: 60, data: a });
    for (const a of question.type === 'AAAA' ? (hosts[name]?.aaaa ?? []) : [])
      answers.push({ type: 'AAAA', name, ttl: 60, data: a });
    const reply = packet.encode({
      type: 'response',
      id: q.id,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
      questions: q.questions,
      answers,
    });
    sock.send(reply, from.port, from.address);
  });
  return `127.0.0.1:${sock.address().port}`;
}

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

let dir: string;
beforeAll(() => {
  dir = tempDir('serein-ns-');
});

function config(resolver: string, dns: Record<string, unknown> = {}) {
  return configSchema.parse({
    stateDir: join(dir, 'state'),
    acme: { email: 'admin@serein.test', cas: [] },
    dns: { resolvers: [resolver], extraSuffixes: ['test'], timeoutMs: 400, ...dns },
    store: { driver: 'sqlite', path: join(dir, 'serein.db') },
    log: { level: 'silent' },
  });
}

async function nameservers(resolver: string, dns: Record<string, unknown> = {}): Promise<Check> {
  const c = config(resolver, dns);
  const d = await runPreflight(
    { domains: [`www.${zone}`], challenge: 'http-01' },
    {
      config: c,
      dns: new DnsClient(c.dns.resolvers, c.dns.timeoutMs),
      cas: [{ name: 'pebble', identities: ['pebble.letsencrypt.org'] }],
    },
  );
  return d.checks.find((x) => x.id === 'nameservers')!;
}

describe('NS records pointing at the inside', () => {
  it('sends nothing to a private, a link-local (metadata) or a loopback address on port 53, and says so plainly', async () => {
    const seen = await canary(CANARY, 53);
    const resolver = await clientDns({
      [`a.${zone}`]: { a: ['10.0.0.1'] },
      [`b.${zone}`]: { a: ['169.254.169.254'], aaaa: ['fd00::53'] },
      [`c.${zone}`]: { a: [CANARY], aaaa: [`::ffff:${CANARY}`] },
    });
    const c = await nameservers(resolver);
    expect(seen.count()).toBe(0);
    expect(c.status).toBe('warning');
    expect(c.message.en).toBe(
      `The servers listed for your domain have addresses that cannot be reached from the Internet: ask your DNS host or registrar to correct the list. Until then, certificate authorities may not be able to read www.${zone}.`,
    );
    expect(c.message.fr).toMatch(
      /^Les serveurs indiqués pour votre domaine ont des adresses qu'on ne peut pas joindre depuis Internet\u00a0: demandez/,
    );
    const detail = c.detail as { servers: unknown[]; refused: { server: string; address: string }[] };
    expect(detail.servers).toEqual([]);
    expect(detail.refused.map((r) => r.address).sort()).toEqual(
      ['10.0.0.1', '127.0.88.53', '169.254.169.254', `::ffff:${CANARY}`, 'fd00::53'].sort(),
    );
    expect(c.technical?.en).toContain(`b.${zone} (169.254.169.254), a link-local address`);
    expect(`${c.message.en} ${c.fix?.en}`).not.toMatch(/10\.0\.0\.1|169\.254|127\.0|NS record|ETIMEOUT|ECONNREFUSED/);
  });

  it('on a lab port, asks the loopback server it lists but still not the private and metadata ones, and names those', async () => {
    const auth = await bound('udp4', '127.0.88.54', 0);
    let asked = 0;
    auth.on('message', (buf, from) => {
      asked++;
      const q = packet.decode(buf);
      const soa: packet.Answer = {
        type: 'SOA',
        name: zone,
        ttl: 60,
        data: { mname: `good.${zone}`, rname: `admin.${zone}`, serial: 7 },
      };
      auth.send(
        packet.encode({
          type: 'response',
          id: q.id,
          flags: packet.AUTHORITATIVE_ANSWER,
          questions: q.questions,
          ...(q.questions![0].type === 'SOA' ? { answers: [soa] } : { authorities: [soa] }),
        }),
        from.port,
        from.address,
      );
    });
    const port = auth.address().port;
    const resolver = await clientDns({
      [`good.${zone}`]: { a: ['127.0.88.54'] },
      [`bad.${zone}`]: { a: ['10.0.0.1'] },
      [`meta.${zone}`]: { a: ['169.254.169.254'] },
    });
    const c = await nameservers(resolver, { nameserverPort: port });
    expect(asked).toBe(4);
    expect(c.status).toBe('warning');
    expect(c.message.en).toMatch(
      /^2 of the 3 servers listed for your domain have addresses that cannot be reached from the Internet: ask your DNS host or registrar to correct the list\. /,
    );
    expect(c.message.fr).toMatch(
      /^2 des 3 serveurs indiqués pour votre domaine ont des adresses qu'on ne peut pas joindre depuis Internet\u00a0: /,
    );
    const detail = c.detail as { servers: { address: string; serial: number }[]; refused: { address: string }[] };
    expect(detail.servers).toEqual([expect.objectContaining({ address: `127.0.88.54:${port}`, serial: 7 })]);
    expect(detail.refused.map((r) => r.address).sort()).toEqual(['10.0.0.1', '169.254.169.254']);
  });
});

describe('how many questions a client can cause', () => {
  it(`asks at most ${NS_HOSTS_ASKED} servers × ${ADDRESSES_PER_HOST} addresses, however many the records list (lab port, loopback allowed)`, async () => {
    const seen = await canary('0.0.0.0', 0);
    const hosts: Record<string, { a: string[] }> = {};
    for (let i = 1; i <= 20; i++) hosts[`ns${i}.${zone}`] = { a: [1, 2, 3].map((j) => `127.89.${i}.${j}`) };
    const c = await nameservers(await clientDns(hosts), { nameserverPort: seen.port });
    // Four questions per address (A, AAAA, CAA, SOA), each sent twice (the canary never answers).
    expect(seen.count()).toBeGreaterThan(0);
    expect(seen.count()).toBeLessThanOrEqual(NS_HOSTS_ASKED * ADDRESSES_PER_HOST * 4 * 2);
    expect((c.detail as { servers: unknown[] }).servers).toHaveLength(NS_HOSTS_ASKED * ADDRESSES_PER_HOST);
  });
});

describe('answers come from the server asked', () => {
  it('a datagram from another address or another port, with the right id, is not taken as the answer', async () => {
    const server = await bound('udp4', '127.0.0.1', 0);
    const port = server.address().port;
    const otherPort = await bound('udp4', '127.0.0.1', 0);
    const otherAddress = await bound('udp4', '127.0.0.2', port);
    const answer = (q: packet.DecodedPacket, ip: string) =>
      packet.encode({
        type: 'response',
        id: q.id,
        flags: packet.AUTHORITATIVE_ANSWER,
        questions: q.questions,
        answers: [{ type: 'A', name: q.questions![0].name, ttl: 60, data: ip }],
      });
    server.on('message', (buf, from) => {
      const q = packet.decode(buf);
      // The forgeries leave first, so without the check the first one wins.
      otherPort.send(answer(q, '6.6.6.6'), from.port, from.address, () =>
        otherAddress.send(answer(q, '6.6.6.7'), from.port, from.address, () =>
          server.send(answer(q, '192.0.2.1'), from.port, from.address),
        ),
      );
    });
    const a = await ask(`127.0.0.1:${port}`, `www.${zone}`, 'A', { recurse: false, timeoutMs: 2000 });
    expect(a.answers.map((r) => (r as { data: unknown }).data)).toEqual(['192.0.2.1']);
  });
});
