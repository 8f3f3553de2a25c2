import { randomUUID } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inject } from 'vitest';

/**
 * The end-of-run secrets scan. Test daemons write their logs here and leave a copy of
 * their store when they stop; every token, password and private key the tests generated
 * is noted here too. When the run ends, the global teardown searches every log line and
 * store file (jobs, outputs, events, audit) for every noted secret: a single hit fails the run.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder of the run's secrets scan (see test/helpers/secrets-scan.ts). */
    secretsScanDir: string;
  }
}

/** Values shorter than this are not secrets serein generates (tokens, passwords and key lines are longer). */
const MIN_SECRET = 16;
/** JSON fields whose values are secrets whenever they appear in an API answer (an ACME challenge "token" is public: API tokens start with srn_). */
const isSecretField = (k: string, v: unknown) =>
  k === 'password' || k === 'privateKey' || (k === 'token' && typeof v === 'string' && v.startsWith('srn_'));

const dir = (): string | undefined => {
  try {
    return inject('secretsScanDir');
  } catch {
    return undefined; // outside a vitest run (the demo, a bench)
  }
};

/** Notes secrets the tests were given, so the teardown can look for them; `source` says where from, for the report. */
export function noteSecrets(source: string, ...values: unknown[]): void {
  const d = dir();
  const found = values.filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET && !/[\t\n]/.test(v));
  if (d && found.length)
    appendFileSync(join(d, `secrets-${process.pid}.txt`), found.map((v) => `${source}\t${v}\n`).join(''));
}

/** Notes every secret field of an API answer (a new token, a shown-once password...). */
export function noteSecretsIn(body: unknown): void {
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (isSecretField(k, x)) noteSecrets(`API field ${k}`, x);
      else walk(x);
    }
  };
  walk(body);
}

/**
 * Notes the body lines of every private key PEM under `folder` (certificate keys written
 * for nginx). A key also holds its public half, which the certificate beside it shows
 * openly: lines found in a neighbouring certificate are public and not noted.
 */
export function notePrivateKeys(folder: string): void {
  if (!existsSync(folder)) return;
  const pems = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter(
    (e) => e.endsWith('.pem') && statSync(join(folder, e)).isFile(),
  );
  for (const entry of pems) {
    const text = readFileSync(join(folder, entry), 'utf8');
    if (!text.includes('PRIVATE KEY')) continue;
    const publicText = pems
      .filter((e) => dirname(e) === dirname(entry) && e !== entry)
      .map((e) => readFileSync(join(folder, e), 'utf8').replace(/\s+/g, ''))
      .join('');
    noteSecrets(
      `private key ${entry}`,
      ...text.split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l) && !publicText.includes(l)),
    );
  }
}

/** A file for a test daemon's log lines, or undefined outside a run. */
export function scanLogFile(): string | undefined {
  const d = dir();
  return d && join(d, `log-${process.pid}-${randomUUID()}.ndjson`);
}

/** Keeps a copy of a stopped daemon's store files (SQLite file, WAL) for the scan. */
export function keepStoreForScan(storePath: string): void {
  const d = dir();
  if (!d) return;
  const id = randomUUID();
  for (const suffix of ['', '-wal', '-shm'])
    if (existsSync(storePath + suffix))
      copyFileSync(storePath + suffix, join(d, `store-${id}-${basename(storePath)}${suffix}`));
}

/** The teardown's search: how many secrets and files were looked at, and where secrets were found. */
export function scanForSecrets(folder: string): { secrets: number; files: number; bytes: number; hits: string[] } {
  const names = readdirSync(folder);
  const secrets = new Map<string, string>(); // value -> where it came from
  for (const n of names.filter((x) => x.startsWith('secrets-'))) {
    for (const line of readFileSync(join(folder, n), 'utf8').split('\n')) {
      const [source, value] = line.split('\t');
      if (value) secrets.set(value, source);
    }
  }
  const hits: string[] = [];
  let bytes = 0;
  const files = names.filter((x) => !x.startsWith('secrets-'));
  for (const n of files) {
    const content = readFileSync(join(folder, n));
    bytes += content.length;
    for (const [s, source] of secrets)
      if (content.includes(s)) hits.push(`${n}: a secret (${source}) starting ${s.slice(0, 4)}…`);
  }
  return { secrets: secrets.size, files: files.length, bytes, hits };
}
