/**
 * The dns-01 preflight asks the zone's nameservers whether they answer for the proof's name
 * (the CA may ask any of them): on the port `dns.nameserverPort` names, as the nameserver
 * checks do. Against the lab's signed DNS tree, whose nameservers (127.0.0.1 and ::1, found
 * through NS records and glue as on the Internet) answer on a port of their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runPreflight } from '../src/certificates/preflight.js';
import { configSchema } from '../src/config/schema.js';
import { DnsClient } from '../src/dns/resolver.js';
import { useLab, type LabInfo } from './lab/client.js';

let lab: LabInfo;
let dir: string;

beforeAll(async () => {
  lab = await useLab('dnssec');
  dir = mkdtempSync(join(tmpdir(), 'serein-dns01-port-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('asks each nameserver of the zone on the configured port, over IPv4 and IPv6, and finds them answering', async () => {
  const d = lab.dnssec!;
  const config = configSchema.parse({
    stateDir: join(dir, 'state'),
    acme: { email: 'admin@serein.test', cas: [] },
    dns: { resolvers: [d.resolver], nameserverPort: d.port, extraSuffixes: ['test'], timeoutMs: 1500 },
    store: { driver: 'sqlite', path: join(dir, 'serein.db') },
    log: { level: 'silent' },
  });
  // stale.test is served by ns1 (127.0.0.1) and ns2 (::1): neither holds the proof's name, both answer for it.
  const name = `www.${d.zones.stale}`;
  const diagnosis = await runPreflight(
    { domains: [name], challenge: 'dns-01' },
    {
      config,
      dns: new DnsClient(config.dns.resolvers, config.dns.timeoutMs),
      cas: [{ name: 'pebble', identities: ['pebble.letsencrypt.org'] }],
    },
  );
  const c = diagnosis.checks.find((x) => x.id === 'dns01-nameservers');
  expect(c, JSON.stringify(diagnosis.checks.map((x) => x.id))).toBeDefined();
  expect(c!.status, c!.message.en).toBe('ok');
  const detail = c!.detail as { zone: string; fromNs: boolean; servers: { name: string; at: string }[] };
  expect(detail).toMatchObject({ zone: d.zones.stale, fromNs: true });
  expect(detail.servers.map((s) => `${s.name} ${s.at}`).sort()).toEqual([
    `ns1.nic.test 127.0.0.1:${d.port}`,
    `ns2.nic.test [::1]:${d.port}`,
  ]);
});
