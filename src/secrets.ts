import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from 'node:crypto';

const MASK = '********';

/**
 * Generated passwords use letters and digits only (no 0/O, 1/l/I to misread): they are
 * inlined in CREATE USER and typed into clients, and need no escaping anywhere.
 */
export const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A fresh password of `length` characters from PASSWORD_ALPHABET (32: about 186 bits). The caller registers it as a secret at once. */
export function generatePassword(length = 32): string {
  return Array.from({ length }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join('');
}

/**
 * Remembers the secret values a job touches (generated passwords, keys, tokens) and
 * masks them in any text or data before it is logged, stored or shown. Masking by
 * value, not by key name, catches a secret that leaks through program output too.
 */
export class SecretMasker {
  private readonly values = new Set<string>();

  /** Registers a secret and returns it unchanged, so it can wrap a value inline. */
  add<T extends string | undefined>(value: T): T {
    if (value && value.length >= 4) this.values.add(value);
    return value;
  }

  mask(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join(MASK);
    return out;
  }

  /** Deep copy of data with every registered secret, and every secret-named key, masked. */
  maskData<T>(data: T): T {
    return maskDeep(data, this) as T;
  }
}

const SECRET_KEY = /pass(word)?|secret|token|private.?key|api.?key|hmac|^key$|keyPem/i;

function maskDeep(value: unknown, masker: SecretMasker): unknown {
  if (typeof value === 'string') return masker.mask(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, masker));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v != null ? MASK : maskDeep(v, masker)]),
    );
  }
  return value;
}

/** A random secret of `bytes` bytes, URL-safe. */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens are stored only as this hash: a stolen database gives no usable token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Seals short secrets (a generated password waiting to be shown once) with AES-256-GCM,
 * so the database never holds them in clear, even briefly.
 */
export class SealBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SealBox needs a 32-byte key');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
  }

  open(sealed: string): string {
    const [iv, tag, body] = sealed.split('.').map((s) => Buffer.from(s, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }
}
