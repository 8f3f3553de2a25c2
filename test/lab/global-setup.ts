/**
 * vitest globalSetup: one lab per test run, started lazily.
 *
 * A tiny HTTP coordinator on 127.0.0.1 holds ONE lab. `POST /ensure {"components": [...]}` starts the
 * components not started yet (memoized, concurrent-safe) and answers `{"info": LabInfo}`;
 * `GET /info` answers what is started. Test files reach it through `useLab()` (test/lab/client.ts).
 * Teardown stops every process and removes the lab's folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type {} from './client.ts'; // ProvidedContext['labUrl']
import { ALL_COMPONENTS, startLab, type Component, type Lab } from './lab.ts';
import { scanForSecrets } from '../helpers/secrets-scan.ts';
import { removeLeftSiteUsers } from './site-users.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let lab: Lab | null = null;
  let labPromise: Promise<Lab> | null = null;
  const getLab = () => (labPromise ??= startLab([]).then((l) => (lab = l)));
  const reported = new Set<Component>();

  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          if (req.method === 'GET' && req.url === '/info') {
            return reply(200, { info: lab ? lab.info() : {} });
          }
          if (req.method === 'POST' && req.url === '/ensure') {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { components?: unknown };
            const components = Array.isArray(parsed.components) ? parsed.components : [];
            const bad = components.filter((c) => !ALL_COMPONENTS.includes(c as Component));
            if (bad.length > 0) return reply(400, { error: `unknown components: ${bad.join(', ')}` });
            const l = await getLab();
            const info = await l.ensure(components as Component[]);
            for (const [c, ms] of Object.entries(l.timings) as [Component, number][]) {
              if (!reported.has(c)) {
                reported.add(c);
                process.stderr.write(`[lab] ${c} ready in ${ms} ms\n`);
              }
            }
            return reply(200, { info });
          }
          reply(404, { error: 'not found' });
        } catch (err) {
          reply(500, { error: err instanceof Error ? err.message : String(err) });
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('lab coordinator: no address');
  project.provide('labUrl', `http://127.0.0.1:${addr.port}`);
  const scanDir = mkdtempSync(join(tmpdir(), 'serein-secrets-scan-'));
  project.provide('secretsScanDir', scanDir);

  return async () => {
    // The secrets scan: every secret the tests were given, searched in every log line and store file.
    const scan = scanForSecrets(scanDir);
    if (process.env.SEREIN_KEEP_SCAN) process.stderr.write(`[secrets scan] kept in ${scanDir}\n`);
    else rmSync(scanDir, { recursive: true, force: true });
    process.stderr.write(
      `[secrets scan] ${scan.secrets} secrets searched in ${scan.files} log and store files (${Math.round(scan.bytes / 1024)} KiB): ${scan.hits.length} found\n`,
    );
    if (scan.hits.length) {
      process.exitCode = 1;
      throw new Error(`secrets found where they must never be:\n${scan.hits.join('\n')}`);
    }
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (labPromise) {
      const l = await labPromise.catch(() => null);
      await l?.stop();
    }
    removeLeftSiteUsers();
  };
}
