// What a daemon's start no longer does each time (issue 25: three daemons starting at once on 2
// cores): parse its playbooks' YAML again when their text has not changed, make the API reference
// before anyone asks for it, and load Fastify's schema compilers when no route declares a schema.
// What they were for still holds.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinActions } from '../src/actions/index.js';
import { loadPlaybooks } from '../src/engine/playbook.js';
import { YamlFileError } from '../src/yaml-file.js';
import { startTestDaemon } from './helpers/daemon.js';

const actions = new Map(builtinActions.map((a) => [a.name, a]));
const kept = resolve(import.meta.dirname, '../node_modules/.cache/serein/yaml');
const keptFile = (text: string) => join(kept, `${createHash('sha256').update(text).digest('hex')}.json`);

describe('a daemon start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'serein-start-'));
  const written: string[] = [];
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const f of written) rmSync(f, { force: true });
  });

  /** A playbook no other test writes (its own comment), in a folder of its own. */
  const playbook = (body: string) => {
    const text = `# ${process.pid} ${Math.random()}\n${body}`;
    const sub = mkdtempSync(join(dir, 'pb-'));
    writeFileSync(join(sub, 'demo.op.yaml'), text);
    written.push(keptFile(text));
    return { sub, text };
  };
  const valid = `name: demo.op
title: { en: Demo, fr: Démo }
description: { en: Demo., fr: Démo. }
allowed: [admin]
steps:
  - id: one
    action: program.run
    with: { target: local, argv: ["true"] }
`;
  const problem = (sub: string) => {
    try {
      loadPlaybooks(sub, actions);
    } catch (err) {
      return (err as YamlFileError).problems;
    }
    throw new Error('loaded');
  };

  it('reads a playbook parsed at an earlier start instead of parsing its YAML again', () => {
    const { sub, text } = playbook(valid);
    const first = loadPlaybooks(sub, actions).get('demo.op');
    expect(existsSync(keptFile(text))).toBe(true);
    // An admin's private playbook folder stays private in its parsed copy.
    expect(statSync(keptFile(text)).mode & 0o777).toBe(0o600);
    const second = loadPlaybooks(sub, actions).get('demo.op');
    expect(second).toEqual(first);
    expect(second?.steps[0]).toMatchObject({ id: 'one', action: 'program.run', with: { argv: ['true'] } });
  });

  it('still names the line of a problem in a playbook read from its earlier parse, and parses a damaged one again', () => {
    const { sub, text } = playbook(valid.replace('allowed: [admin]', 'allowed: [admin]\ncolour: blue'));
    const first = problem(sub);
    expect(first).toEqual([expect.objectContaining({ line: 6, key: 'colour' })]);
    expect(existsSync(keptFile(text))).toBe(true);
    expect(problem(sub)).toEqual(first);
    writeFileSync(keptFile(text), '{"name": "demo.op", "tit'); // cut short
    expect(problem(sub)).toEqual(first);
  });

  it('makes the API reference (/openapi.json, /docs) on its first request, not at every start', async () => {
    const loaded = () =>
      Object.keys(createRequire(import.meta.url).cache).filter((f) =>
        /[/\\]@fastify[/\\](swagger|swagger-ui|static)[/\\]index\.js$/.test(f),
      );
    const d = await startTestDaemon();
    try {
      expect(loaded()).toEqual([]);
      const doc = await d.api('GET', '/openapi.json', { token: null });
      expect(doc.body.paths['/v1/jobs']).toBeDefined();
      expect(loaded().length).toBe(3);
      const page = await fetch(`${d.url}/docs/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      // A file the page does not have is the daemon's own 404.
      expect((await d.api('GET', '/docs/static/nothing.js', { token: null })).body.error.code).toBe('not_found');
    } finally {
      await d.stop();
    }
  });

  it("loads Fastify's schema compilers only for a route that declares a schema", async () => {
    const loaded = () =>
      Object.keys(createRequire(import.meta.url).cache).filter((f) =>
        /[/\\]@fastify[/\\](ajv-compiler|fast-json-stringify-compiler)[/\\]index\.js$/.test(f),
      );
    const d = await startTestDaemon();
    try {
      expect(loaded()).toEqual([]);
      expect((await d.api('GET', '/healthz')).status).toBe(200);
      expect(loaded()).toEqual([]);
    } finally {
      await d.stop();
    }
    // A route with a schema (a plug-in's, say) is checked by Fastify's own compilers, loaded then.
    const { buildApi } = await import('../src/api/server.js');
    const again = await startTestDaemon();
    try {
      const { config, store, engine } = again.daemon;
      const app = await buildApi({ config, store, engine }, again.daemon.api.log as never, 'test');
      app.post(
        '/schema-checked',
        {
          schema: {
            body: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } },
            response: { 200: { type: 'object', properties: { n: { type: 'number' } } } },
          },
        },
        async (req) => ({ n: (req.body as { n: number }).n, dropped: true }),
      );
      const bad = await app.inject({ method: 'POST', url: '/schema-checked', payload: { n: 'one' } });
      expect(bad.statusCode).toBe(400);
      const good = await app.inject({ method: 'POST', url: '/schema-checked', payload: { n: 1 } });
      expect(good.json()).toEqual({ n: 1 });
      expect(loaded().length).toBe(2);
      await app.close();
    } finally {
      await again.stop();
    }
  });
});
