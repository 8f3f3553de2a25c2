/**
 * A daemon whose playbooks' words differ from serein's own (a provider's mailbox operation
 * beside them) trains its request model once: the first start trains in the background,
 * answering meanwhile with serein's own model, and keeps the weights in its state folder;
 * a second start with the same words reads them (the file is not written again, and the
 * provider's operation is understood), and weights whose fingerprint differs are never used.
 */
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forgetClassifiers } from '../src/requests/classifier.js';
import { cachedModelFile } from '../src/requests/model.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const fixture = resolve(import.meta.dirname, 'fixtures/plugin-kind');
const playbooks = tempDir('serein-model-cache-');
cpSync(resolve(import.meta.dirname, '../playbooks'), playbooks, { recursive: true });
for (const f of readdirSync(join(fixture, 'playbooks'))) cpSync(join(fixture, 'playbooks', f), join(playbooks, f));
const stateDir = join(tempDir('serein-model-cache-state-'), 'state');
const file = cachedModelFile(stateDir);
let d: TestDaemon | undefined;

/** A daemon on the provider's playbooks and the shared state folder, with one tenant. */
async function start(): Promise<void> {
  // A new process has no model in memory: the daemons of one process otherwise share theirs.
  forgetClassifiers();
  d = await startTestDaemon({
    playbooksDir: playbooks,
    config: { stateDir, plugins: [join(fixture, 'mailbox.kind.ts'), join(fixture, 'mailbox.action.ts')] },
  });
  await d.api('POST', '/v1/tenants', { body: { id: 'acme', name: 'Acme', language: 'en', email: 'a@mail.test' } });
  await d.api('POST', '/v1/tenants/acme/resources', { body: { kind: 'domain', name: 'acme.test' } });
}

/** What the daemon makes of a request for the provider's operation, asked as an admin for acme (a client's token may ask only 30 a minute, fewer than a busy machine's polls). */
async function mailbox(): Promise<{ status: number; intent: string | null }> {
  const r = await d!.api('POST', '/v1/requests', {
    body: { text: 'create a mailbox hello@acme.test', tenant: 'acme' },
  });
  return { status: r.status, intent: r.body.intent as string | null };
}

afterAll(async () => {
  await d?.stop();
});

describe("a provider's request model kept in the state folder", () => {
  it('trains on the first start only', async () => {
    await start();
    // Answered at once while the model trains (serein's own model reads it meanwhile).
    expect((await mailbox()).status).toBe(200);
    await until(async () => (await mailbox()).intent === 'mailbox.create', 180_000, 'the trained model');
    const first = statSync(file);
    expect(JSON.parse(readFileSync(file, 'utf8')).fingerprint).toMatch(/^[0-9a-f]{64}$/);
    await d!.stop();

    await start();
    await until(async () => (await mailbox()).intent === 'mailbox.create', 20_000, 'the kept model');
    const second = statSync(file);
    // Not trained again: the same file, never rewritten (a training writes a new file and renames it over).
    expect([second.ino, second.mtimeMs]).toEqual([first.ino, first.mtimeMs]);
    await d!.stop();

    // Weights of other words are never used: a changed fingerprint trains again and replaces them.
    const kept = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...kept, fingerprint: '0'.repeat(64) }));
    await start();
    await until(
      () => JSON.parse(readFileSync(file, 'utf8')).fingerprint === kept.fingerprint,
      180_000,
      'a new training',
    );
    expect(statSync(file).ino).not.toBe(first.ino);
    await until(async () => (await mailbox()).intent === 'mailbox.create', 20_000, 'the trained model');
  }, 400_000);
});
