/**
 * The configuration documents itself: every key the schema accepts is shown in
 * config.example.yaml with a comment saying what it is for; mistakes are answered with
 * the nearest valid key or the type expected; `serein config check` shows what runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfigFile, loadConfig } from '../src/config/load.js';
import { configSchema } from '../src/config/schema.js';
import { YamlFileError } from '../src/yaml-file.js';
import { keyPaths } from '../src/yaml-problems.js';
import { serein } from './helpers/process.js';
import { tempDir } from './helpers/tmp.js';

interface Documented {
  path: string[];
  line: number;
  comment: boolean;
}

/** Where `#` starts a comment in a line: at the start or after a space, outside quotes. */
function commentAt(text: string, from = 0): number {
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) quote = c === quote ? '' : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) return i;
  }
  return -1;
}

/** Nested keys of a flow mapping such as `{ max: 20, windowSeconds: 60 }`. */
function flowKeys(value: unknown, prefix: string[]): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...flowKeys(v, [...prefix, k])]);
}

/**
 * Every key the example shows, commented out or not, with its path (from indentation:
 * a commented key sits where it would once uncommented) and whether its line explains it.
 */
function documentedKeys(text: string): Documented[] {
  const out: Documented[] = [];
  const stack: { col: number; seg: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const hash = commentAt(raw);
    const isCommentLine = hash >= 0 && raw.slice(0, hash).trim() === '';
    // A commented-out key sits where it would once "# " is removed.
    const body = isCommentLine ? raw.slice(0, hash) + raw.slice(hash + (raw[hash + 1] === ' ' ? 2 : 1)) : raw;
    const m = /^(\s*)(- )?([A-Za-z_][A-Za-z0-9_-]*):(?:\s|$)(.*)$/.exec(body);
    if (!m) return;
    const rest = m[4];
    const trailing = commentAt(rest);
    const value = (trailing >= 0 ? rest.slice(0, trailing) : rest).trim();
    let col = m[1].length;
    // A list's "- " may stand at its key's own indentation: that key stays the parent.
    const popped = (top: { col: number; seg: string }) =>
      top.col > col || (top.col === col && (!m[2] || top.seg === '[]'));
    while (stack.length && popped(stack[stack.length - 1])) stack.pop();
    if (m[2]) {
      stack.push({ col, seg: '[]' });
      col += 2;
    }
    const path = [...stack.map((s) => s.seg), m[3]];
    const comment = trailing >= 0 && rest.slice(trailing + 1).trim().length > 0;
    out.push({ path, line: i + 1, comment });
    if (value.startsWith('{')) {
      let flow: unknown;
      try {
        flow = parse(value);
      } catch {
        flow = undefined; // placeholders such as { kid: "..." } that are not YAML stay undocumented
      }
      for (const p of flowKeys(flow, path)) out.push({ path: p, line: i + 1, comment });
    }
    stack.push({ col, seg: m[3] });
  });
  return out;
}

const matches = (pattern: string, path: string[]) => {
  const segs = pattern.split('.');
  return segs.length === path.length && segs.every((s, i) => s === path[i] || (s === '*' && path[i] !== '[]'));
};

describe('config.example.yaml', () => {
  const example = readFileSync(defaultConfigFile, 'utf8');
  const documented = documentedKeys(example);

  it('shows every key the schema accepts, each with a one-line comment', () => {
    const keys = keyPaths(configSchema);
    expect(keys.length).toBeGreaterThan(100);
    const missing = keys.filter((k) => !documented.some((d) => matches(k, d.path)));
    const unexplained = keys.filter(
      (k) => !missing.includes(k) && !documented.some((d) => d.comment && matches(k, d.path)),
    );
    expect({ missing, unexplained }).toEqual({ missing: [], unexplained: [] });
  });

  it('shows no key the schema would refuse', () => {
    const leaves = keyPaths(configSchema);
    const keys = [...new Set(leaves.flatMap((k) => k.split('.').map((_, i, all) => all.slice(0, i + 1).join('.'))))];
    const unknown = documented
      .filter((d) => !keys.some((k) => matches(k, d.path)))
      .map((d) => `${d.line}: ${d.path.join('.')}`);
    expect(unknown).toEqual([]);
  });

  it('declares, commented, the web server and database servers the README tour uses', () => {
    for (const path of [
      ['webservers', 'main', 'vhostDir'],
      ['databases', 'maria', 'engine'],
    ])
      expect(documented.some((d) => d.path.join('.') === path.join('.'))).toBe(true);
  });
});

describe('configuration mistakes', () => {
  const load = (lines: string[]): string => {
    const file = join(tempDir('serein-config-'), 'mistake.yaml');
    writeFileSync(file, lines.join('\n'));
    try {
      loadConfig(file);
    } catch (err) {
      expect(err).toBeInstanceOf(YamlFileError);
      return (err as Error).message;
    }
    throw new Error('the configuration was accepted');
  };

  it('an unknown key names the nearest valid one, at its line', () => {
    const message = load([
      'webserver:',
      '  main: {}',
      'workers:',
      '  concurency: 3',
      'targets:',
      '  web1: { type: docker, socketPath: /s, contaner: shop }',
      'frobnicate: 1',
    ]);
    expect(message).toMatch(/mistake\.yaml:1:\d+: webserver: unknown key 'webserver': did you mean 'webservers'\?/);
    expect(message).toMatch(
      /mistake\.yaml:4:\d+: workers\.concurency: unknown key 'concurency': did you mean 'concurrency'\?/,
    );
    // Within a union, the keys of the member the file chose (docker), not the others'.
    expect(message).toMatch(
      /mistake\.yaml:6:\d+: targets\.web1\.contaner: unknown key 'contaner': did you mean 'container'\?/,
    );
    expect(message).toMatch(
      /mistake\.yaml:7:\d+: frobnicate: unknown key 'frobnicate'; valid keys here: server, store, /,
    );
  });

  it('a wrong type says what type was expected and what was found', () => {
    const message = load([
      'server:',
      '  port: eighty',
      'renewal:',
      '  enabled: "yes"',
      'workers:',
      '  concurrency: [4]',
    ]);
    expect(message).toMatch(/mistake\.yaml:2:\d+: server\.port: expected a number or 0, found text/);
    expect(message).toMatch(/mistake\.yaml:4:\d+: renewal\.enabled: expected true or false, found text/);
    expect(message).toMatch(/mistake\.yaml:6:\d+: workers\.concurrency: expected a number, found a list/);
  });
});

describe('serein config check', () => {
  it('prints the effective configuration with every secret masked', async () => {
    const dir = tempDir('serein-config-check-');
    const file = join(dir, 'config.yaml');
    const secrets = ['db-secret-pw', 'cf-secret-token', 'pg-url-secret', 'hook-path-secret'];
    writeFileSync(
      file,
      [
        'store: { driver: postgres, url: "postgres://serein:pg-url-secret@db.internal/serein" }',
        'databases:',
        '  maria: { engine: mariadb, user: root, password: db-secret-pw }',
        'dns:',
        '  cloudflare: { apiToken: cf-secret-token }',
        'alerts:',
        '  webhooks: ["https://hooks.example.net/T000/hook-path-secret"]',
      ].join('\n'),
    );
    const check = serein(['config', 'check', file]);
    expect(await check.exited).toBe(0);
    const out = check.output();
    for (const s of secrets) expect(out).not.toContain(s);
    const shown = parse(out);
    expect(shown.databases.maria).toMatchObject({
      engine: 'mariadb',
      user: 'root',
      password: '********',
      host: '127.0.0.1',
      allowedHosts: ['localhost', '127.0.0.1'],
    });
    expect(shown.store.url).toBe('postgres://serein:********@db.internal/serein');
    expect(shown.alerts.webhooks).toEqual(['https://hooks.example.net/********']);
    expect(shown.stateDir).toBe(join(dir, 'var')); // relative paths made absolute, from the file's folder
    expect(shown.renewal.schedule).toBe('17 */6 * * *');
  });

  it('refuses a file that is not valid, with exit code 2 and the line', async () => {
    const file = join(tempDir('serein-config-check-'), 'bad.yaml');
    writeFileSync(file, 'server:\n  prot: 80\n');
    const check = serein(['config', 'check', file]);
    expect(await check.exited).toBe(2);
    expect(check.output()).toMatch(/bad\.yaml:2:\d+: server\.prot: unknown key 'prot': did you mean 'port'\?/);
  });
});
