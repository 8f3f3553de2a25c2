// The second process of bench/api.bench.ts (autocannon's role): `connections` loops on
// keep-alive connections send one request after another for `seconds`, and the answer
// is printed as JSON: requests per second, latency p50/p99, and any non-2xx answers.
// Usage: node --import tsx bench/load-client.ts <url> <method> <token> <seconds> <connections> [json body]
import { Agent, request } from 'node:http';
import { percentile } from './stats.js';

const [url, method, token, seconds, connections, body] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connections) });
const target = new URL(url);
const latencies: number[] = [];
let errors = 0;
const deadline = performance.now() + Number(seconds) * 1000;

function once(): Promise<void> {
  return new Promise((resolve) => {
    const t = performance.now();
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t);
          if ((res.statusCode ?? 0) >= 300) errors++;
          resolve();
        });
      },
    );
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

const started = performance.now();
await Promise.all(
  Array.from({ length: Number(connections) }, async () => {
    while (performance.now() < deadline) await once();
  }),
);
const elapsed = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors })}\n`,
);
agent.destroy();
