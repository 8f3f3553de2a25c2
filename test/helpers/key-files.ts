import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PRIVATE_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * Every file under `roots` (walked whole, links not followed) that holds a private key,
 * whatever its name: a backup, a temporary file, a copy kept for diagnosis. The tests'
 * promise (issue 22) is that the only ones are the keys of active certificates.
 */
export function privateKeyFiles(...roots: string[]): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const f of readdirSync(path)) walk(join(path, f));
    else if (st.isFile() && PRIVATE_PEM.test(readFileSync(path, 'latin1'))) found.push(path);
  };
  for (const r of roots) if (existsSync(r)) walk(r);
  return found.sort();
}

/** The key files under `roots` that are not one of `allowed` (the active certificates' privkey.pem). */
export function strayKeyFiles(roots: string[], allowed: string[]): string[] {
  const ok = new Set(allowed);
  return privateKeyFiles(...roots).filter((f) => !ok.has(f));
}

/**
 * The certificate pair in a site's certificate folder: `<site>.<version>.crt` and `.key`
 * (src/nginx/site.ts certPaths), or the fixed names an older serein wrote. Exactly one pair
 * is expected there once an install is done: the one served.
 */
export function sitePair(siteDir: string): { chain: string; key: string } {
  const files = readdirSync(siteDir);
  const chains = files.filter((f) => f.endsWith('.crt') || f === 'fullchain.pem');
  const keys = files.filter((f) => f.endsWith('.key') || f === 'privkey.pem');
  if (chains.length !== 1 || keys.length !== 1)
    throw new Error(`expected one certificate pair in ${siteDir}, found ${JSON.stringify(files.sort())}`);
  return { chain: join(siteDir, chains[0]), key: join(siteDir, keys[0]) };
}
