import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { playbooksCopy, uniq } from '../helpers/vhost-lab.js';

// A hostile client opening live job streams by the thousand (issue 18: 5,326 held open, a
// full core, no 429). Caps are small so the test counts answers, never time.
const PER_TOKEN = 3;
const PER_ADDRESS = 5;

/** A client operation that runs until the test opens its gate (a file). */
const GATE_PLAYBOOK = `name: streams.gate
title: { en: Wait for the gate, fr: Attendre la porte }
description: { en: Runs until a file appears., fr: Tourne jusqu'à ce qu'un fichier apparaisse. }
allowed: [admin, client]
resource: "gate:{{ inputs.gate }}"
inputs:
  gate: { type: path }
steps:
  - id: wait
    action: program.run
    with: { target: local, timeoutSeconds: 120, argv: [sh, -c, 'while [ ! -e "$1/open" ]; do sleep 0.02; done', sh, "{{ inputs.gate }}"] }
`;

interface Stream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The JSON answer of a refused stream. */
  body?: any;
  text(): string;
  ended(): boolean;
  /** The client goes away. */
  leave(): void;
}

/** Opens a job's event stream from a chosen loopback address; resolves once the answer's head is in. */
function openStream(
  url: string,
  id: string,
  token: string,
  from = '127.0.0.1',
  headers: Record<string, string> = {},
): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const u = new URL(`/v1/jobs/${id}/events`, url);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        localAddress: from,
        agent: false,
        headers: { authorization: `Bearer ${token}`, ...headers },
      },
      (res) => {
        let text = '';
        let ended = false;
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('error', () => undefined);
        const stream: Stream = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: () => text,
          ended: () => ended,
          leave: () => req.destroy(),
        };
        res.on('end', () => {
          ended = true;
          if (stream.status !== 200) resolve({ ...stream, body: JSON.parse(text) });
        });
        if (stream.status === 200) resolve(stream);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('hostile client: live job streams', () => {
  let d: TestDaemon;
  let dir: string;
  let playbooks: string;
  const gates: string[] = [];
  const gate = () => {
    const g = join(dir, uniq('g'));
    mkdirSync(g, { recursive: true });
    gates.push(g);
    return g;
  };
  const open = (g: string) => writeFileSync(join(g, 'open'), '');
  const submit = async (token: string, g: string) => {
    const r = await d.api('POST', '/v1/jobs', { token, body: { playbook: 'streams.gate', inputs: { gate: g } } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.job.id as string;
  };
  const running = (id: string) =>
    until(
      async () => (await d.api('GET', `/v1/jobs/${id}`)).body.job.status === 'running',
      30_000,
      `job ${id} running`,
    );
  const endOf = (s: Stream) => until(async () => s.ended() && s.text(), 30_000, 'the stream to end');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serein-streams-'));
    playbooks = playbooksCopy();
    writeFileSync(join(playbooks, 'streams.gate.yaml'), GATE_PLAYBOOK);
    d = await startTestDaemon({
      playbooksDir: playbooks,
      config: {
        targets: { local: { type: 'local' } },
        limits: { streams: { perToken: PER_TOKEN, perAddress: PER_ADDRESS } },
      },
    });
  });

  afterAll(async () => {
    for (const g of gates) open(g);
    if (d) await d.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (playbooks) rmSync(playbooks, { recursive: true, force: true });
  });

  it('caps streams per token and per address with a clear 429; a stream whose job ends or whose client leaves frees its slot', async () => {
    const c = await d.tenant(uniq('s'));
    const g = gate();
    const job = await submit(c.token, g);
    await running(job);

    const mine = await Promise.all(Array.from({ length: PER_TOKEN }, () => openStream(d.url, job, c.token)));
    expect(mine.map((s) => s.status)).toEqual(Array(PER_TOKEN).fill(200));
    const refused = await openStream(d.url, job, c.token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.error).toMatchObject({
      code: 'too_many_streams',
      message: `You already follow ${PER_TOKEN} requests live at once, the most we allow.`,
    });
    expect(refused.body.error.hint).toMatch(
      /^Close a page or tab that follows a request, then try again in about \d+ seconds\. The requests themselves go on\.$/,
    );
    const fr = await openStream(d.url, job, c.token, '127.0.0.1', { 'accept-language': 'fr' });
    expect(fr.body.error.message).toBe(
      `Vous suivez déjà ${PER_TOKEN}\u00a0demandes en direct à la fois, le maximum autorisé.`,
    );

    // Per address: other tokens from the same address share its slots; another address has its own.
    const admin = await Promise.all([openStream(d.url, job, d.adminToken), openStream(d.url, job, d.adminToken)]);
    expect(admin.map((s) => s.status)).toEqual([200, 200]);
    const full = await openStream(d.url, job, d.adminToken);
    expect(full.status).toBe(429);
    expect(full.body.error.message).toBe(
      `${PER_ADDRESS} requests are already followed live from your address, the most we allow at once.`,
    );
    const elsewhere = await openStream(d.url, job, d.adminToken, '127.0.0.2');
    expect(elsewhere.status).toBe(200);

    // A client that goes away gives its slot back.
    mine[0].leave();
    const again = await until(
      async () => {
        const s = await openStream(d.url, job, c.token);
        return s.status === 200 ? s : undefined;
      },
      30_000,
      'a slot freed by the client leaving',
    );

    // The job ends: every stream is told, then closed, and every slot is free again.
    open(g);
    for (const s of [...mine.slice(1), ...admin, elsewhere, again])
      expect(await endOf(s)).toMatch(/event: end\ndata: \{"status":"succeeded"\}\n\n$/);
    const after = await Promise.all(Array.from({ length: PER_TOKEN }, () => openStream(d.url, job, c.token)));
    expect(after.map((s) => s.status)).toEqual(Array(PER_TOKEN).fill(200));
    for (const s of after) expect(await endOf(s)).toContain('event: end');
  });

  it("reads a job's news once for all its streams, not once per stream", async () => {
    const t = uniq('m');
    const c = await d.tenant(t);
    const g = gate();
    const job = await submit(c.token, g);
    await running(job);
    // 30 streams: ten tokens of the tenant, each from its own address, three each.
    const tokens = await Promise.all(
      Array.from({ length: 10 }, (_, i) => d.store.tokens.create('client', t, `streams ${i}`)),
    );
    const streams = (await Promise.all(
      tokens.flatMap(({ token }, i) =>
        Array.from({ length: PER_TOKEN }, () => openStream(d.url, job, token, `127.0.1.${i + 1}`)),
      ),
    )) as Stream[];
    expect(streams.filter((s) => s.status === 200)).toHaveLength(30);
    await until(
      async () => streams.every((s) => s.text().includes('id: ')),
      30_000,
      'every stream has the events so far',
    );

    // Counted on the daemon's own store: only the streams read a job's events.
    const jobs = d.store.jobs;
    const read = jobs.events.bind(jobs);
    let reads = 0;
    jobs.events = (...args: Parameters<typeof read>) => {
      reads++;
      return read(...args);
    };
    try {
      open(g);
      for (const s of streams) expect(await endOf(s)).toMatch(/event: end\ndata: \{"status":"succeeded"\}\n\n$/);
    } finally {
      jobs.events = read;
    }
    expect(reads).toBeGreaterThan(0);
    // A few reads for the job's last events, however many follow it (one per stream would be 30 or more).
    expect(reads).toBeLessThan(streams.length / 3);
  });
});
