/**
 * DNS failing for real while a client asks for a certificate through the daemon: the
 * resolver serein asks answers SERVFAIL, or never answers. The job stops in its preflight
 * with the plain reason (the resolver could not answer, which does not mean the domain is
 * gone), no order reaches the CA, nothing is installed or recorded; an unanswered question
 * is asked again before giving up. (The doctor's wording for SERVFAIL, REFUSED and timeouts
 * is in test/doctor-resolver.test.ts; a renewal that fails is retried after 1 min, then
 * 10 min: test/acme-daemon.test.ts.)
 */
import { createSocket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { uniq } from './helpers/vhost-lab.js';
import { useLab } from './lab/client.js';

/** A resolver on loopback: `mode` says whether it answers SERVFAIL or stays silent; it counts the questions per name. */
async function badResolver() {
  const asked = new Map<string, number>();
  let mode: 'servfail' | 'silent' = 'servfail';
  const sock = createSocket('udp4');
  sock.on('message', (q, from) => {
    let i = 12;
    const labels: string[] = [];
    while (q[i] !== 0 && i < q.length) {
      labels.push(q.subarray(i + 1, i + 1 + q[i]).toString('ascii'));
      i += q[i] + 1;
    }
    const name = labels.join('.').toLowerCase();
    asked.set(name, (asked.get(name) ?? 0) + 1);
    if (mode === 'silent') return;
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8000 | (q.readUInt16BE(2) & 0x0100) | 0x0080 | 2, 2); // SERVFAIL
    header.writeUInt16BE(1, 4);
    sock.send(Buffer.concat([header, q.subarray(12, i + 5)]), from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${sock.address().port}`,
    asked,
    set: (m: typeof mode) => (mode = m),
    close: () => sock.close(),
  };
}

describe('DNS failing while a certificate is asked for', () => {
  let d: TestDaemon;
  let dir: string;
  let resolver: Awaited<ReturnType<typeof badResolver>>;
  let client: { token: string };
  const reg = `${uniq('dns')}.test`;

  beforeAll(async () => {
    const lab = await useLab('pebble');
    resolver = await badResolver();
    dir = tempDir('serein-dnsfault-');
    const cfg = labCertConfig(lab, dir, { dnsServer: resolver.address });
    d = await startTestDaemon({ config: { ...cfg, dns: { ...(cfg.dns as object), timeoutMs: 400 } } });
    client = await d.tenant(uniq('t'), { domains: [reg], servers: ['lab'] });
  });
  afterAll(async () => {
    await d?.stop();
    resolver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const orders = async () =>
    (await (await d.daemon.engine.services.certificates.accounts.account('pebble')).client.accountOrders()).length;

  it.each([
    ['SERVFAIL', 'servfail', 'it failed to find the answer (SERVFAIL)'],
    ['no answer at all', 'silent', 'no reply came in time'],
  ] as const)('%s: the job stops before any order, says so plainly, and leaves nothing', async (_n, mode, why) => {
    const site = `${mode}.${reg}`;
    expect((await d.runJob('vhost.create', { webserver: 'lab', domain: site }, { token: client.token })).status).toBe(
      'succeeded',
    );
    resolver.set(mode);
    resolver.asked.clear();
    const before = await orders();
    const job = await d.runJob('certificate.issue', { domains: [site] }, { token: client.token });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('preflight_failed');
    expect(job.error.message).toContain(`Our DNS check got no answer about your domain ${reg}.`);
    expect(job.error.technical).toContain(`: ${why}). This does not say that the domain does not exist`);
    expect(await orders()).toBe(before); // nothing asked of the CA
    expect(await d.store.certificates.list({ name: site })).toEqual([]);
    expect((await d.store.jobs.steps(job.id)).map((s) => s.name)).toEqual(['check']);
    if (mode === 'silent') expect(Math.max(...resolver.asked.values())).toBeGreaterThanOrEqual(2); // asked again before giving up
  });
});
