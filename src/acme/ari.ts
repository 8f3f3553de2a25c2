import { X509Certificate } from 'node:crypto';

/** One DER element: tag, where its content starts, and where it ends. */
interface Tlv {
  tag: number;
  start: number;
  end: number;
  next: number;
}

function readTlv(der: Buffer, at: number): Tlv {
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[at + 2 + i];
    start = at + 2 + n;
  }
  const end = start + len;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start, end, next: end };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const t = readTlv(der, at);
    out.push(t);
    at = t.next;
  }
  return out;
}

const AKI_OID = Buffer.from([0x55, 0x1d, 0x23]); // 2.5.29.35

/**
 * The two parts RFC 9773 builds a certificate ID from, read from the DER: the serial
 * number's content octets exactly as encoded (a leading 0x00 kept when the high bit is
 * set) and the Authority Key Identifier's keyIdentifier.
 */
export function certIdParts(pemOrDer: string | Buffer): { serial: Buffer; aki: Buffer } {
  const der = typeof pemOrDer === 'string' || !isDer(pemOrDer) ? new X509Certificate(pemOrDer).raw : pemOrDer;
  const cert = readTlv(der, 0);
  const tbs = children(der, cert)[0];
  const fields = children(der, tbs);
  let i = 0;
  if (fields[0].tag === 0xa0) i++; // [0] version
  const serialTlv = fields[i];
  if (serialTlv.tag !== 0x02) throw new Error('no serial number');
  const serial = der.subarray(serialTlv.start, serialTlv.end);
  const extsWrapper = fields.find((f) => f.tag === 0xa3);
  if (!extsWrapper) throw new Error('certificate has no extensions');
  const exts = children(der, children(der, extsWrapper)[0]);
  for (const ext of exts) {
    const parts = children(der, ext);
    const oid = der.subarray(parts[0].start, parts[0].end);
    if (!oid.equals(AKI_OID)) continue;
    const octet = parts[parts.length - 1];
    const akiSeq = readTlv(der, octet.start);
    const keyId = children(der, akiSeq).find((c) => c.tag === 0x80);
    if (!keyId) throw new Error('Authority Key Identifier has no keyIdentifier');
    return { serial: Buffer.from(serial), aki: Buffer.from(der.subarray(keyId.start, keyId.end)) };
  }
  throw new Error('certificate has no Authority Key Identifier');
}

const isDer = (b: Buffer) => b[0] === 0x30;

/** RFC 9773 §4.1 certificate ID: base64url(keyIdentifier) "." base64url(serial octets). */
export function certIdFrom(aki: Buffer, serial: Buffer): string {
  return `${aki.toString('base64url')}.${serial.toString('base64url')}`;
}

/** The ARI certificate ID of a certificate (PEM of the leaf, or a chain whose first one is the leaf). */
export function ariCertId(pem: string): string {
  const leaf = firstPem(pem);
  const { aki, serial } = certIdParts(leaf);
  return certIdFrom(aki, serial);
}

/** The first certificate of a PEM chain. */
export function firstPem(chain: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(chain);
  if (!m) throw new Error('no certificate in PEM');
  return `${m[0]}\n`;
}

/**
 * A random moment inside the CA's suggested window (RFC 9773 §4.2): spreading renewals
 * is the point of ARI. A window already over means "now".
 */
export function pickInWindow(window: { start: Date; end: Date }, now = new Date(), random = Math.random): Date {
  if (window.end.getTime() <= now.getTime()) return now;
  const from = Math.max(window.start.getTime(), now.getTime());
  return new Date(from + random() * (window.end.getTime() - from));
}
