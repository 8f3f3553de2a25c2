import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

// A PKCS#10 request (RFC 2986) built with node:crypto alone: acme-client's builder went
// through WebCrypto and an ASN.1 library, ~5 ms of the event loop per certificate, which
// 200 jobs at once felt on every other step.

/** One DER element: tag, definite length, content. */
function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const len =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : n < 0x10000
          ? Buffer.from([0x82, n >> 8, n & 0xff])
          : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** An OBJECT IDENTIFIER from its dotted form. */
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >>> 7; x > 0; x >>>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

const seq = (...c: Buffer[]) => der(0x30, ...c);
const NULL = Buffer.from([0x05, 0x00]);

/** An address as the 4 or 16 bytes of a SAN iPAddress. */
function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const parts = (s: string) => (s ? s.split(':') : []);
  const h = parts(head);
  const t = parts(tail);
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.concat(groups.map((g) => Buffer.from([parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff])));
}

/**
 * A CSR (DER) for `names` signed with `key`: every name in subjectAltName (DNS names, or
 * addresses as iPAddress), `commonName` as the subject's CN when given. ECDSA keys sign
 * with SHA-256 (ecdsa-with-SHA256), RSA keys with sha256WithRSAEncryption.
 */
export function createCsr(key: KeyObject, names: string[], commonName?: string): Buffer {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const subject = commonName ? seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(commonName, 'utf8'))))) : seq();
  const general = names.map((n) => (isIP(n) ? der(0x87, ipBytes(n)) : der(0x82, Buffer.from(n, 'ascii'))));
  const san = seq(oid('2.5.29.17'), der(0x04, seq(...general)));
  const extensionRequest = seq(oid('1.2.840.113549.1.9.14'), der(0x31, seq(san)));
  const info = seq(der(0x02, Buffer.from([0])), subject, spki, der(0xa0, extensionRequest));
  const rsa = key.asymmetricKeyType === 'rsa';
  const algorithm = rsa ? seq(oid('1.2.840.113549.1.1.11'), NULL) : seq(oid('1.2.840.10045.4.3.2'));
  const signature = sign('sha256', info, key); // ECDSA: DER-encoded (r, s), as X.509 wants
  return seq(info, algorithm, der(0x03, Buffer.from([0]), signature));
}
