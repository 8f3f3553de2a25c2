// The challenge files of certificate jobs: the preflight's shared test token, the http-01
// proofs written without a folder check, and their removal once an order is done.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../src/certificates/issue.js';
import { challengeFile, HttpSolver, type ProofItem } from '../src/certificates/solvers.js';
import { TokenNotPlaced, withTestToken, type TestToken } from '../src/certificates/test-token.js';
import { LocalTarget } from '../src/targets/local.js';
import { useLab, type LabInfo } from './lab/client.js';
import { labServices, uniqueName } from './helpers/acme-lab.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const target = new LocalTarget('local');
const tokenDir = (root: string) => join(root, '.well-known', 'acme-challenge');

describe('the preflight test token', () => {
  it('is one file for the preflights running at once, removed when the last one ends', async () => {
    const root = tempDir('serein-token-');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: TestToken[] = [];
    const runs = Array.from({ length: 5 }, () =>
      withTestToken(target, root, async (token) => {
        seen.push(token);
        // Every user finds the file in place, with its exact body, readable by nginx.
        const path = challengeFile(root, token.token);
        expect(readFileSync(path, 'utf8')).toBe(token.body);
        expect(statSync(path).mode & 0o777).toBe(0o644);
        await gate;
        return token.token;
      }),
    );
    // Wait until all five hold the token, then let them finish.
    await until(() => seen.length >= 5, 30_000, 'all five users holding the token');
    release();
    const tokens = await Promise.all(runs);
    expect(new Set(tokens).size).toBe(1);
    expect(readdirSync(tokenDir(root))).toEqual([]);
    // The next preflight places a new token.
    const next = await withTestToken(target, root, async (t) => t.token);
    expect(next).not.toBe(tokens[0]);
    expect(readdirSync(tokenDir(root))).toEqual([]);
  });

  it('tells each preflight that the token could not be placed, and lets a later one try again', async () => {
    const root = join(tempDir('serein-token-'), 'file');
    await target.writeFile(root, 'not a folder'); // the challenge folder cannot be made under a file
    const both = await Promise.allSettled([
      withTestToken(target, root, async () => 'used'),
      withTestToken(target, root, async () => 'used'),
    ]);
    for (const r of both) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TokenNotPlaced);
    }
    const ok = tempDir('serein-token-');
    expect(await withTestToken(target, ok, async () => 'used')).toBe('used');
  });

  it('is not left behind when the check itself fails', async () => {
    const root = tempDir('serein-token-');
    await expect(withTestToken(target, root, async () => Promise.reject(new Error('probe crashed')))).rejects.toThrow(
      'probe crashed',
    );
    expect(readdirSync(tokenDir(root))).toEqual([]);
  });
});

describe('http-01 proofs', () => {
  it('are written when the challenge folder is missing, and removed by cleanup', async () => {
    const root = tempDir('serein-proof-');
    const solver = new HttpSolver(target, root);
    const items = [{ domain: 'a.test', token: 'tok-a', keyAuthorization: 'tok-a.thumb' }];
    await solver.present(items);
    expect(readFileSync(challengeFile(root, 'tok-a'), 'utf8')).toBe('tok-a.thumb');
    expect(statSync(tokenDir(root)).mode & 0o777).toBe(0o755);
    await solver.cleanup(items);
    expect(existsSync(challengeFile(root, 'tok-a'))).toBe(false);
  });
});

describe('an order against Pebble', () => {
  let lab: LabInfo;
  let env: Awaited<ReturnType<typeof labServices>>;
  beforeAll(async () => {
    lab = await useLab('pebble');
    env = await labServices(lab);
  });
  afterAll(async () => {
    await env.close();
  });

  it('has removed its proofs when it returns (they are removed while the order is finalized)', async () => {
    const ctx = env.services.certificates;
    const ws = env.config.webservers.lab;
    const presented: ProofItem[] = [];
    const solver = new (class extends HttpSolver {
      override async present(items: ProofItem[]) {
        presented.push(...items);
        await super.present(items);
      }
    })(env.services.target('local'), ws.challengeRoot);
    await issueCertificate(
      { config: env.config, accounts: ctx.accounts, pool: ctx.pool, certificates: env.store.certificates },
      { domains: [uniqueName('t')], keyType: 'ecdsa-p256', solver },
    );
    expect(presented).toHaveLength(1);
    expect(existsSync(challengeFile(ws.challengeRoot, presented[0].token))).toBe(false);
  });
});
