/**
 * The first admin token is never lost: a start on a busy port makes no token (so the next
 * start still shows one), and every start says how to make one until an admin token has
 * been used. Runs `serein serve` as an admin would, as a process.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { freePort, serein } from './helpers/process.js';
import { until } from './helpers/until.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir('serein-first-token-');
const configFile = join(dir, 'config.yaml');
const storePath = join(dir, 'serein.db');
const hint = 'serein token create --admin --local';
let blocker: Server | undefined;

afterAll(() => blocker?.close());

function writeConfig(port: number): void {
  writeFileSync(
    configFile,
    [
      `server: { host: 127.0.0.1, port: ${port} }`,
      `store: { driver: sqlite, path: ${storePath} }`,
      `stateDir: ${join(dir, 'state')}`,
      `playbooks: ${resolve(import.meta.dirname, '../playbooks')}`,
      'log: { level: info }',
      'renewal: { enabled: false }',
    ].join('\n'),
  );
}

/** Starts `serein serve` and waits for its ready line; returns what it printed, and how to stop it. */
async function start(): Promise<{ output: string; stop: () => Promise<void> }> {
  const child = serein(['serve', '--config', configFile]);
  let exited = false;
  void child.exited.then(() => (exited = true));
  await until(async () => child.output().includes('serein is ready') || exited, 60_000, 'the daemon to be ready');
  if (exited) throw new Error(`serein serve stopped:\n${child.output()}`);
  return {
    output: child.output(),
    stop: async () => {
      child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    },
  };
}

async function adminTokens(): Promise<number> {
  const store = await Store.open({ driver: 'sqlite', path: storePath });
  try {
    return await store.tokens.countAdmins();
  } finally {
    await store.close();
  }
}

describe('the first admin token', () => {
  it('is not made when the port is taken, and shown on the next start', async () => {
    blocker = createServer();
    const port = await new Promise<number>((ok) =>
      blocker!.listen(0, '127.0.0.1', () => ok((blocker!.address() as { port: number }).port)),
    );
    writeConfig(port);
    const busy = serein(['serve', '--config', configFile]);
    expect(await busy.exited).toBe(1);
    expect(busy.output()).toContain(
      `cannot listen on 127.0.0.1:${port}: something else already listens there (EADDRINUSE)`,
    );
    expect(busy.output()).not.toContain('srn_a_');
    expect(await adminTokens()).toBe(0);

    writeConfig(await freePort());
    const first = await start();
    expect(first.output).toMatch(/admin token: srn_a_\S+/);
    await first.stop();
    expect(await adminTokens()).toBe(1);
  });

  it('comes with a way to make one on every start until an admin token is used', async () => {
    const port = await freePort();
    writeConfig(port);
    const second = await start();
    expect(second.output).not.toContain('srn_a_');
    expect(second.output).toContain(`${hint} --config ${configFile}`);
    // The way it says works, and using the token it makes is what silences the hint.
    const made = serein(['token', 'create', '--admin', '--local', '--config', configFile]);
    expect(await made.exited).toBe(0);
    const token = /token:\s+(srn_a_\S+)/.exec(made.output())![1];
    const res = await fetch(`http://127.0.0.1:${port}/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    await second.stop();

    const third = await start();
    expect(third.output).not.toContain(hint);
    await third.stop();
  });

  it('is not counted as used by a token that fails', async () => {
    const store = await Store.open({ driver: 'sqlite', path: join(dir, 'unused.db') });
    try {
      const { id } = await store.tokens.create('admin', null, 'never used');
      const client = await store.tokens.create('admin', null, 'used');
      expect(await store.tokens.adminEverUsed()).toBe(false);
      expect(await store.tokens.verify('srn_a_wrong')).toBeUndefined();
      expect(await store.tokens.adminEverUsed()).toBe(false);
      await store.tokens.markUsed(client.id);
      expect(await store.tokens.adminEverUsed()).toBe(true);
      const listed = await store.tokens.list();
      expect(listed.find((t) => t.id === id)!.lastUsedAt).toBeNull();
      expect(listed.find((t) => t.id === client.id)!.lastUsedAt).not.toBeNull();
    } finally {
      await store.close();
    }
  });
});
