/**
 * What `serein serve` writes to the journal: one line per request (received and answered
 * are one event), health checks and metrics scrapes only at debug, and the effective
 * configuration only at debug, not at every start. Runs the daemon as the unit does, as a
 * process whose standard output is not a terminal (JSON lines, as journald stores them).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, serein } from './helpers/process.js';
import { until } from './helpers/until.js';
import { keepServeLog } from './helpers/serve-process.js';
import { tempDir } from './helpers/tmp.js';

/** Starts `serein serve` at a log level, makes the requests, stops it, and returns its JSON lines. */
async function journal(level: string, requests: string[]): Promise<Record<string, any>[]> {
  const dir = tempDir('serein-journal-');
  const port = await freePort();
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    [
      `server: { host: 127.0.0.1, port: ${port} }`,
      `store: { driver: sqlite, path: ${join(dir, 'serein.db')} }`,
      `stateDir: ${join(dir, 'state')}`,
      `playbooks: ${resolve(import.meta.dirname, '../playbooks')}`,
      `log: { level: ${level} }`,
      'renewal: { enabled: false }',
    ].join('\n'),
  );
  const child = serein(['serve', '--config', configFile]);
  await until(
    async () => child.output().includes('serein is ready') || child.exitCode !== null,
    60_000,
    'the daemon to be ready',
  );
  for (const path of requests) await (await fetch(`http://127.0.0.1:${port}${path}`)).arrayBuffer();
  child.kill('SIGTERM');
  expect(await child.exited).toBe(0);
  keepServeLog(child);
  return child
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

describe('the journal of serein serve', () => {
  it(
    'has one line per request at info, none for health checks and metrics scrapes, and no configuration',
    { timeout: 90_000 },
    async () => {
      const lines = await journal('info', ['/healthz', '/metrics', '/v1/playbooks', '/healthz', '/v1/jobs']);
      const requests = lines.filter((l) => l.req || l.res || l.msg === 'request');
      expect(requests.map((l) => [l.method, l.url, l.status])).toEqual([
        ['GET', '/v1/playbooks', 401],
        ['GET', '/v1/jobs', 401],
      ]);
      expect(requests.every((l) => l.level === 30 && typeof l.ms === 'number')).toBe(true);
      expect(lines.some((l) => l.config)).toBe(false);
      expect(lines.length).toBeLessThan(10); // a start, two requests and a stop: not a page
    },
  );

  it(
    'at debug, adds health checks, metrics scrapes and the effective configuration, secrets masked',
    { timeout: 90_000 },
    async () => {
      const lines = await journal('debug', ['/healthz', '/metrics']);
      expect(lines.filter((l) => l.msg === 'request').map((l) => [l.url, l.level])).toEqual([
        ['/healthz', 20],
        ['/metrics', 20],
      ]);
      const config = lines.find((l) => l.msg === 'effective configuration');
      expect(config?.level).toBe(20);
      expect(config?.config.server.port).toBeGreaterThan(0);
    },
  );
});
