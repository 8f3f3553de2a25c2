/**
 * RFC 2136 dynamic updates signed with TSIG (RFC 8945), as BIND, Knot and PowerDNS accept
 * them. Written here rather than taken from a library: dns-packet (the maintained DNS
 * wire-format module) neither signs TSIG nor encodes the empty-RDATA records an update
 * uses to delete a record set, and dns2 and native-dns have no TSIG either. An update is
 * small (one zone, a few records), sent over TCP, so the encoder is short.
 */
import { createHmac, randomInt } from 'node:crypto';
import { isIP, Socket } from 'node:net';
import { parseCaaContent } from './cloudflare.js';
import { assertRecordName, type DnsProvider, type RecordType } from './provider.js';
import { DnsClient } from './resolver.js';

/** A TSIG key: its name, algorithm and base64 secret, as `tsig-keygen` prints them. */
export interface TsigKey {
  name: string;
  algorithm: 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512';
  secret: string;
}

/** One change of an update: add a record, delete a record set, or delete one record. */
export type UpdateOp =
  | { op: 'add'; name: string; type: RecordType; ttl: number; content: string }
  | { op: 'delete-rrset'; name: string; type: RecordType }
  | { op: 'delete'; name: string; type: RecordType; content: string };

const TYPE: Record<RecordType, number> = { A: 1, AAAA: 28, TXT: 16, CAA: 257 };
const CLASS_IN = 1;
const CLASS_NONE = 254;
const CLASS_ANY = 255;
const RCODES: Record<number, string> = {
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
};

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A name in wire form, uncompressed and lower case (the canonical form TSIG signs). */
function wireName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').toLowerCase().split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l, 'ascii')])),
    Buffer.from([0]),
  ]);
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail = ''] = ip.split('::');
  const parts = (s: string) => (s ? s.split(':') : []);
  const h = parts(head);
  const t = ip.includes('::') ? parts(tail) : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** RDATA of a record from its presentation text. */
function rdata(type: RecordType, content: string): Buffer {
  switch (type) {
    case 'A':
      if (isIP(content) !== 4) throw new Error(`not an IPv4 address: ${content}`);
      return Buffer.from(content.split('.').map(Number));
    case 'AAAA':
      if (isIP(content) !== 6 || content.includes('.')) throw new Error(`not an IPv6 address: ${content}`);
      return ipv6Bytes(content);
    case 'TXT': {
      const bytes = Buffer.from(content, 'utf8');
      const chunks: Buffer[] = [];
      for (let i = 0; i === 0 || i < bytes.length; i += 255) {
        const c = bytes.subarray(i, i + 255);
        chunks.push(Buffer.from([c.length]), c);
      }
      return Buffer.concat(chunks);
    }
    case 'CAA': {
      const { flags, tag, value } = parseCaaContent(content);
      return Buffer.concat([Buffer.from([flags, tag.length]), Buffer.from(tag, 'ascii'), Buffer.from(value, 'utf8')]);
    }
  }
}

function rr(name: string, type: number, cls: number, ttl: number, data: Buffer): Buffer {
  return Buffer.concat([wireName(name), u16(type), u16(cls), u32(ttl), u16(data.length), data]);
}

/** The UPDATE message for `zone` (unsigned), with its id. */
function updateMessage(zone: string, ops: UpdateOp[], id = randomInt(0, 65536)): Buffer {
  const header = Buffer.concat([u16(id), u16(5 << 11), u16(1), u16(0), u16(ops.length), u16(0)]);
  const zoneSection = Buffer.concat([wireName(zone), u16(6), u16(CLASS_IN)]);
  const updates = ops.map((o) => {
    if (o.op === 'add') return rr(o.name, TYPE[o.type], CLASS_IN, o.ttl, rdata(o.type, o.content));
    if (o.op === 'delete-rrset') return rr(o.name, TYPE[o.type], CLASS_ANY, 0, Buffer.alloc(0));
    return rr(o.name, TYPE[o.type], CLASS_NONE, 0, rdata(o.type, o.content));
  });
  return Buffer.concat([header, zoneSection, ...updates]);
}

/** Appends a TSIG record (RFC 8945) signing `message` with `key` at `now` (seconds). */
function signTsig(message: Buffer, key: TsigKey, now = Math.floor(Date.now() / 1000)): Buffer {
  const keyName = wireName(key.name);
  const alg = wireName(key.algorithm);
  const time = Buffer.alloc(6);
  time.writeUIntBE(now, 0, 6);
  const fudge = u16(300);
  const variables = Buffer.concat([keyName, u16(CLASS_ANY), u32(0), alg, time, fudge, u16(0), u16(0)]);
  const mac = createHmac(key.algorithm.slice(5), Buffer.from(key.secret, 'base64'))
    .update(message)
    .update(variables)
    .digest();
  const data = Buffer.concat([alg, time, fudge, u16(mac.length), mac, message.subarray(0, 2), u16(0), u16(0)]);
  const signed = Buffer.concat([message, rr(key.name, 250, CLASS_ANY, 0, data)]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return signed;
}

/** Sends one message over TCP and resolves with the answer's bytes. */
function exchange(host: string, port: number, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let got = Buffer.alloc(0);
    const done = (err: Error | null, answer?: Buffer) => {
      sock.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    sock.setTimeout(timeoutMs, () => done(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    sock.once('error', (err) => done(err));
    sock.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0))
        done(null, got.subarray(2, 2 + got.readUInt16BE(0)));
    });
    sock.once('end', () => done(new Error(`${host}:${port} closed the connection without an answer`)));
    sock.connect(port, host, () => sock.write(Buffer.concat([u16(message.length), message])));
  });
}

/** Splits "ip", "ip:port" and "[v6]:port" (default port 53). */
function hostPort(server: string): { host: string; port: number } {
  if (isIP(server)) return { host: server, port: 53 };
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(server);
  if (!m) throw new Error(`not a server address: ${server}`);
  return { host: m[1], port: Number(m[2]) };
}

/**
 * A zone's primary server taking RFC 2136 updates signed with a TSIG key. Record sets are
 * read by asking that server directly (it is authoritative for the zone), and each change
 * is one signed update, applied by the server all at once or not at all.
 */
export class Rfc2136Provider implements DnsProvider {
  readonly kind = 'rfc2136' as const;
  readonly label: string;
  readonly secrets: readonly string[];
  private readonly server: { host: string; port: number };
  private readonly dns: DnsClient;

  constructor(private readonly opts: { server: string; key: TsigKey; zones: string[]; timeoutMs?: number }) {
    this.server = hostPort(opts.server);
    this.label = `RFC 2136 at ${opts.server} (key ${opts.key.name})`;
    this.secrets = [opts.key.secret];
    this.dns = new DnsClient([opts.server], opts.timeoutMs ?? 2500);
  }

  get zones(): readonly string[] {
    return this.opts.zones;
  }

  /** Sends one signed update; a refusal names the server's answer, never the key's secret. */
  async update(zone: string, ops: UpdateOp[]): Promise<void> {
    for (const o of ops) assertRecordName(o.name, zone);
    const message = signTsig(updateMessage(zone, ops), this.opts.key);
    const answer = await exchange(this.server.host, this.server.port, message, this.opts.timeoutMs ?? 10_000);
    if (answer.readUInt16BE(0) !== message.readUInt16BE(0))
      throw new Error(`RFC 2136 update of ${zone} at ${this.opts.server}: answer to another message`);
    const rcode = answer.readUInt16BE(2) & 0xf;
    if (rcode !== 0) {
      const why =
        rcode === 9
          ? ' (the key is unknown to the server, wrong, or the clock is off)'
          : rcode === 5
            ? ' (the key may not change these names)'
            : rcode === 10
              ? ' (the zone is not on that server)'
              : '';
      throw new Error(
        `RFC 2136 update of ${zone} at ${this.opts.server} refused: ${RCODES[rcode] ?? `rcode ${rcode}`}${why}`,
      );
    }
  }

  async read(zone: string, name: string, type: RecordType): Promise<string[]> {
    assertRecordName(name, zone);
    const r =
      type === 'A'
        ? await this.dns.a(name)
        : type === 'AAAA'
          ? await this.dns.aaaa(name)
          : type === 'TXT'
            ? await this.dns.txt(name)
            : await this.dns
                .caa(name)
                .then((c) => ({ ...c, records: c.records.map((x) => `${x.critical} ${x.tag} "${x.value}"`) }));
    if (r.status === 'error') throw new Error(`${this.opts.server} did not answer for ${name} ${type} (${r.code})`);
    return r.records;
  }

  replace(zone: string, name: string, type: RecordType, contents: string[], ttl: number): Promise<void> {
    return this.update(zone, [
      { op: 'delete-rrset', name, type },
      ...contents.map((content) => ({ op: 'add' as const, name, type, ttl, content })),
    ]);
  }

  addTxt(zone: string, name: string, value: string, ttl: number): Promise<void> {
    return this.update(zone, [{ op: 'add', name, type: 'TXT', ttl, content: value }]);
  }

  removeTxt(zone: string, name: string, value: string): Promise<void> {
    return this.update(zone, [{ op: 'delete', name, type: 'TXT', content: value }]);
  }
}
