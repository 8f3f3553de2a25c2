import { createHash, createHmac, createPrivateKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const b64u = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** An account key ready to sign ACME requests (RFC 8555 §6.2: ES256 or RS256). */
export interface AccountKey {
  key: KeyObject;
  alg: 'ES256' | 'ES384' | 'RS256';
  jwk: Record<string, string>;
  /** RFC 7638 thumbprint, base64url: part of every key authorization. */
  thumbprint: string;
}

/** Loads a PEM private key as an ACME account key. */
export function accountKeyFromPem(pem: string | Buffer): AccountKey {
  const key = createPrivateKey(pem);
  const full = key.export({ format: 'jwk' }) as Record<string, string>;
  let jwk: Record<string, string>;
  let alg: AccountKey['alg'];
  if (full.kty === 'EC') {
    jwk = { crv: full.crv, kty: 'EC', x: full.x, y: full.y };
    alg = full.crv === 'P-384' ? 'ES384' : 'ES256';
  } else if (full.kty === 'RSA') {
    jwk = { e: full.e, kty: 'RSA', n: full.n };
    alg = 'RS256';
  } else {
    throw new Error(`unsupported account key type ${full.kty}`);
  }
  // Members in lexicographic order: the JSON is the thumbprint's input (RFC 7638).
  const thumbprint = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url');
  return { key, alg, jwk, thumbprint };
}

/** A new ECDSA P-256 key, PEM (PKCS#8): account keys and, by default, certificate keys. */
export async function newEcdsaKeyPem(): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** A new RSA key, PEM (PKCS#8), for certificates asked with RSA. */
export async function newRsaKeyPem(bits: 2048 | 4096): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: bits });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** Flattened JWS body (RFC 7515 §7.2.2) as ACME expects it. */
export interface Jws {
  protected: string;
  payload: string;
  signature: string;
}

/**
 * Signs an ACME request. `payload` null means POST-as-GET (empty payload); the header
 * carries `kid` once the account exists, the full `jwk` before.
 */
export function signJws(
  k: AccountKey,
  header: { url: string; nonce?: string; kid?: string },
  payload: unknown | null,
): Jws {
  const prot: Record<string, unknown> = { alg: k.alg, url: header.url };
  if (header.nonce) prot.nonce = header.nonce;
  if (header.kid) prot.kid = header.kid;
  else prot.jwk = k.jwk;
  const p = b64u(JSON.stringify(prot));
  const body = payload === null ? '' : b64u(JSON.stringify(payload));
  const hash = k.alg === 'ES384' ? 'sha384' : 'sha256';
  const signature = sign(
    hash,
    Buffer.from(`${p}.${body}`),
    k.alg === 'RS256' ? k.key : { key: k.key, dsaEncoding: 'ieee-p1363' },
  );
  return { protected: p, payload: body, signature: b64u(signature) };
}

/**
 * External Account Binding (RFC 8555 §7.3.4): the account's public key signed with the
 * CA-issued HMAC key, so the CA links the new account to a customer account.
 */
export function eabJws(k: AccountKey, eab: { kid: string; hmacKey: string }, newAccountUrl: string): Jws {
  const p = b64u(JSON.stringify({ alg: 'HS256', kid: eab.kid, url: newAccountUrl }));
  const body = b64u(JSON.stringify(k.jwk));
  const mac = createHmac('sha256', Buffer.from(eab.hmacKey, 'base64url')).update(`${p}.${body}`).digest();
  return { protected: p, payload: body, signature: b64u(mac) };
}

/** The key authorization of a challenge token (RFC 8555 §8.1). */
export function keyAuthorization(k: AccountKey, token: string): string {
  return `${token}.${k.thumbprint}`;
}

/** The TXT value for dns-01: base64url(SHA-256(key authorization)) (RFC 8555 §8.4). */
export function dns01Value(keyAuth: string): string {
  return createHash('sha256').update(keyAuth).digest('base64url');
}
