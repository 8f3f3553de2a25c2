/**
 * DNS questions node's resolver cannot ask: with the DNSSEC bits (DO to get signatures, CD to
 * see what a validating resolver refused, AD read back) and without recursion, to one chosen
 * authoritative server (its AA bit and its own answer, not a resolver's cached one). Encoded
 * and decoded by dns-packet; UDP first, TCP when the answer is truncated, as resolvers do.
 */
import * as dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { isIP, Socket } from 'node:net';
import * as packet from 'dns-packet';
import { canonicalIp } from '../net/address-policy.js';

/** What one server answered: its response code, its flags and its records. */
export interface WireAnswer {
  rcode: string;
  /** Authoritative answer: the server holds the zone (a lame server does not say so). */
  aa: boolean;
  /** Authenticated data: a validating resolver checked every signature of the answer. */
  ad: boolean;
  answers: packet.Answer[];
  authorities: packet.Answer[];
}

/** How to ask: recursion wanted (a resolver) or not (an authoritative server); checking disabled. */
export interface WireOptions {
  recurse: boolean;
  /** CD: the resolver answers even what fails validation, so the reason can be read. */
  checkingDisabled?: boolean;
  timeoutMs: number;
}

/** "ip", "ip:port", "[v6]:port" or a bare IPv6 address, with the port to use when none is given. */
export function hostPort(server: string, defaultPort = 53): { host: string; port: number } {
  if (isIP(server)) return { host: server, port: defaultPort };
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (v6) return { host: v6[1], port: Number(v6[2] ?? defaultPort) };
  const [host, port] = server.split(':');
  return { host, port: Number(port ?? defaultPort) };
}

function query(name: string, type: packet.RecordType, opts: WireOptions): packet.Packet {
  let flags = opts.recurse ? packet.RECURSION_DESIRED : 0;
  if (opts.checkingDisabled) flags |= packet.CHECKING_DISABLED;
  return {
    type: 'query',
    id: randomInt(0, 65536),
    flags,
    questions: [{ type, name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: packet.DNSSEC_OK } as packet.Answer],
  };
}

function overUdp(host: string, port: number, q: packet.Packet, timeoutMs: number): Promise<packet.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    const timer = setTimeout(
      () => finish(Object.assign(new Error(`DNS timeout from ${host}`), { code: 'ETIMEOUT' })),
      timeoutMs,
    );
    const finish = (err: Error | null, p?: packet.DecodedPacket) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(p!);
    };
    sock.on('error', (err) => finish(err));
    sock.on('message', (buf, from) => {
      // Only the server asked answers: a datagram from elsewhere (another address or port
      // guessing the id) is a forgery, not the answer. Then the id: another question's answer.
      if (from.port !== port || (isIP(host) && canonicalIp(from.address) !== canonicalIp(host))) return;
      try {
        const p = packet.decode(buf);
        if (p.id === q.id) finish(null, p); // anything else is not ours: keep waiting
      } catch {
        /* a broken datagram: wait for the real one or time out */
      }
    });
    sock.send(packet.encode(q), port, host, (err) => err && finish(err));
  });
}

function overTcp(host: string, port: number, q: packet.Packet, timeoutMs: number): Promise<packet.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let data = Buffer.alloc(0);
    sock.setTimeout(timeoutMs, () =>
      sock.destroy(Object.assign(new Error(`DNS timeout from ${host}`), { code: 'ETIMEOUT' })),
    );
    sock.on('error', reject);
    sock.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        sock.end();
        try {
          resolve(packet.decode(data.subarray(2, 2 + data.readUInt16BE(0))));
        } catch (err) {
          reject(err as Error);
        }
      }
    });
    sock.connect(port, host, () => sock.write(packet.streamEncode(q)));
  });
}

/**
 * Asks `server` one question, once more on a UDP timeout (as node's resolver tries twice),
 * over TCP when the UDP answer is truncated. Rejects when the server cannot be reached.
 */
export async function ask(
  server: string,
  name: string,
  type: packet.RecordType,
  opts: WireOptions,
  defaultPort = 53,
): Promise<WireAnswer> {
  const { host, port } = hostPort(server, defaultPort);
  const q = query(name, type, opts);
  let p: packet.DecodedPacket;
  try {
    p = await overUdp(host, port, q, opts.timeoutMs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ETIMEOUT') throw err;
    p = await overUdp(host, port, { ...q, id: randomInt(0, 65536) }, opts.timeoutMs);
  }
  if (p.flag_tc) p = await overTcp(host, port, q, opts.timeoutMs);
  return {
    rcode: (p as { rcode?: string }).rcode ?? 'NOERROR',
    aa: p.flag_aa,
    ad: p.flag_ad,
    answers: p.answers ?? [],
    authorities: p.authorities ?? [],
  };
}

/** The key tag of a DNSKEY (RFC 4034, appendix B), which DS and RRSIG records name it by. */
export function keyTag(key: { flags: number; algorithm: number; key: Buffer }): number {
  const rdata = Buffer.concat([Buffer.from([key.flags >> 8, key.flags & 0xff, 3, key.algorithm]), key.key]);
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i] : rdata[i] << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}
