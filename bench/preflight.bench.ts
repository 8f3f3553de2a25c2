import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPreflight } from '../src/certificates/preflight.js';
import { configSchema } from '../src/config/schema.js';
import { DnsClient } from '../src/dns/resolver.js';
import { LocalTarget } from '../src/targets/local.js';
import { labNginx } from '../test/helpers/acme-lab.js';
import { startLab } from '../test/lab/lab.js';
import { percentile, stat } from './stats.js';

/**
 * The preflight of one typical name as a CA would see it, on the lab's signed tree: DNSSEC
 * through the validating resolver, every nameserver over IPv4 and IPv6, CAA, the addresses,
 * the real token fetched from nginx, and a second vantage point. Target: p50 under 300 ms.
 * Each run gets a new DNS client (no answer kept by serein between runs); the resolver keeps
 * its cache, as a real one does.
 */
export default async function bench() {
  const lab = await startLab(['dnssec', 'nginx']);
  const dir = mkdtempSync(join(tmpdir(), 'serein-bench-preflight-'));
  try {
    const d = lab.dnssec!;
    const config = configSchema.parse({
      stateDir: join(dir, 'state'),
      acme: { email: 'admin@serein.test', cas: [] },
      dns: {
        resolvers: [d.resolver],
        nameserverPort: d.port,
        extraSuffixes: ['test'],
        vantagePoints: [{ name: 'west', resolvers: [d.westResolver] }],
      },
      webservers: { lab: labNginx(lab.info(), dir) },
      store: { driver: 'sqlite', path: join(dir, 'serein.db') },
      log: { level: 'silent' },
    });
    const webserver = { name: 'lab', config: config.webservers.lab, target: new LocalTarget('local') };
    const cas = [{ name: 'pebble', identities: ['pebble.letsencrypt.org'] }];
    const once = async (domains: string[]) => {
      const t = performance.now();
      const diagnosis = await runPreflight(
        { domains, challenge: 'http-01', webserver },
        { config, dns: new DnsClient(config.dns.resolvers, config.dns.timeoutMs), cas },
      );
      if (!diagnosis.ok)
        throw new Error(
          `bench: the preflight of ${domains.join(', ')} failed: ${JSON.stringify(diagnosis.checks.filter((c) => c.status === 'failure'))}`,
        );
      return performance.now() - t;
    };
    const runs = process.env.BENCH_SMOKE ? 5 : 100;
    const cold = await once(['www.valid.test']); // the resolver's cache empty: every zone's keys fetched and checked once
    const one: number[] = [];
    for (let i = 0; i < runs; i++) one.push(await once(['www.valid.test']));
    const two: number[] = [];
    for (let i = 0; i < runs; i++) two.push(await once(['valid.test', 'www.valid.test']));
    return {
      'one name, p50 (ms, target < 300)': percentile(one, 50),
      'one name, p99 (ms)': percentile(one, 99),
      'one name (ms)': stat(one, 'ms'),
      "one name, the resolver's cache empty (ms, one run)": cold,
      'two names in one certificate, p50 (ms)': percentile(two, 50),
      'two names, p99 (ms)': percentile(two, 99),
      'checks per name':
        'DNSSEC (validating resolver), 2 vantage points, every nameserver (A, AAAA, CAA, SOA), CAA, addresses, the token over HTTP',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.stop();
  }
}
