// The client of bench/vhost.bench.ts's "at once" scenario, in its own process as a provider's panel would be:
// it submits every job it reads on stdin (a JSON list of POST /v1/jobs bodies) at once over a pool of keep-alive
// connections, then waits for them the way a real client does, reading the unfinished ones in batches of ids
// (GET /v1/jobs?ids=…) with backoff. So the daemon's process, CPU time and event loop hold the daemon alone.
// Prints JSON: each job's id, status, createdAt and finishedAt (the daemon's clock), when the client started
// (epoch ms, the same machine's clock), when it saw the last one finished, and its own request count.
// Usage: node --import tsx bench/burst-client.ts <url> <token> <connections> < bodies.json
import { Agent, request } from 'node:http';
import { text } from 'node:stream/consumers';

const [url, token, connections] = process.argv.slice(2);
const bodies = JSON.parse(await text(process.stdin)) as unknown[];
const agent = new Agent({ keepAlive: true, maxSockets: Number(connections) });
const base = new URL(url);
const TERMINAL = new Set(['succeeded', 'failed', 'needs-attention']);
/** As many ids as one list request may name (src/api/routes/jobs.ts). */
const IDS_PER_READ = 100;
let requests = 0;

interface Seen {
  id: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
  error?: unknown;
}

function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  requests++;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const started = Date.now();
const submitted = await Promise.all(
  bodies.map(async (body) => {
    const res = await call('POST', '/v1/jobs', body);
    if (res.status !== 202) throw new Error(`POST /v1/jobs: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.job as Seen;
  }),
);
const done = new Map<string, Seen>();
// A panel's polling: soon after submitting, then less often while the jobs run.
for (let delay = 100; done.size < submitted.length; delay = Math.min(delay * 1.5, 1000)) {
  await new Promise((r) => setTimeout(r, delay));
  const waiting = submitted.filter((j) => !done.has(j.id)).map((j) => j.id);
  const reads = [];
  for (let i = 0; i < waiting.length; i += IDS_PER_READ)
    reads.push(call('GET', `/v1/jobs?limit=${IDS_PER_READ}&ids=${waiting.slice(i, i + IDS_PER_READ).join(',')}`));
  for (const res of await Promise.all(reads)) {
    if (res.status !== 200) throw new Error(`GET /v1/jobs: ${res.status} ${JSON.stringify(res.body)}`);
    for (const j of res.body.jobs as Seen[]) if (TERMINAL.has(j.status)) done.set(j.id, j);
  }
}
const seenAt = Date.now();
process.stdout.write(
  `${JSON.stringify({
    started,
    seenAt,
    requests,
    jobs: [...done.values()].map(({ id, status, createdAt, finishedAt, error }) => ({
      id,
      status,
      createdAt,
      finishedAt,
      error,
    })),
  })}\n`,
);
agent.destroy();
