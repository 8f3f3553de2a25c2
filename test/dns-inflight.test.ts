// A question asked again while the first is still out shares its answer: a burst of
// preflights on one domain sends its SOA, NS and CAA questions once.
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsClient } from '../src/dns/resolver.js';

let server: Socket;
let port = 0;
const asked: string[] = [];

/** The question's name, read from the query packet (labels after the 12-byte header). */
function questionName(msg: Buffer): string {
  const labels: string[] = [];
  for (let i = 12; msg[i] !== 0; i += msg[i] + 1) labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('ascii'));
  return labels.join('.');
}

beforeAll(async () => {
  // A DNS server that answers every question "no such name" (the query sent back with QR set and RCODE 3).
  server = createSocket('udp4');
  server.on('message', (msg, from) => {
    asked.push(questionName(msg));
    const reply = Buffer.from(msg);
    reply[2] |= 0x80;
    reply[3] = (reply[3] & 0xf0) | 3;
    server.send(reply, from.port, from.address);
  });
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  port = server.address().port;
});
afterAll(() => server.close());

describe('DNS questions in flight', () => {
  it('are asked once for callers at the same time, each getting its own answer', async () => {
    const dns = new DnsClient([`127.0.0.1:${port}`], 2000);
    asked.length = 0;
    const answers = await Promise.all([
      dns.soa('shared.test'),
      dns.soa('SHARED.test'),
      dns.soa('shared.test'),
      dns.soa('other.test'),
    ]);
    expect(answers.map((a) => a.status)).toEqual(['nxdomain', 'nxdomain', 'nxdomain', 'nxdomain']);
    expect(asked.filter((n) => n.toLowerCase() === 'shared.test')).toHaveLength(1);
    expect(asked.filter((n) => n === 'other.test')).toHaveLength(1);
    expect(answers[0].records).not.toBe(answers[1].records);
    // Once answered, the same question goes out again: nothing is kept.
    await dns.soa('shared.test');
    expect(asked.filter((n) => n.toLowerCase() === 'shared.test')).toHaveLength(2);
  });

  it('keeps different record types of one name apart', async () => {
    const dns = new DnsClient([`127.0.0.1:${port}`], 2000);
    asked.length = 0;
    await Promise.all([dns.a('types.test'), dns.aaaa('types.test'), dns.caa('types.test')]);
    expect(asked.filter((n) => n === 'types.test')).toHaveLength(3);
  });
});
