/**
 * The preflight as a CA's resolvers see DNS: against the lab's signed tree, its validating BIND
 * resolvers, two nameservers of one zone that disagree (IPv4 and IPv6), and a split-horizon zone
 * that two vantage points see differently. Each case in words for the client, and the records
 * for a technician.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPreflight } from '../src/certificates/preflight.js';
import { configSchema, type Config } from '../src/config/schema.js';
import type { Check, Diagnosis } from '../src/dns/check.js';
import { allowedDisagreements } from '../src/dns/checks-vantage.js';
import { DnsClient } from '../src/dns/resolver.js';
import { LocalTarget } from '../src/targets/local.js';
import { useLab, type LabInfo } from './lab/client.js';
import { labNginx } from './helpers/acme-lab.js';

let lab: LabInfo;
let dir: string;

beforeAll(async () => {
  lab = await useLab('dnssec', 'nginx');
  dir = mkdtempSync(join(tmpdir(), 'serein-dnssec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configWith(dns: Record<string, unknown> = {}): Config {
  const d = lab.dnssec!;
  return configSchema.parse({
    stateDir: join(dir, 'state'),
    acme: { email: 'admin@serein.test', cas: [] },
    dns: { resolvers: [d.resolver], nameserverPort: d.port, extraSuffixes: ['test'], timeoutMs: 1500, ...dns },
    webservers: { lab: labNginx(lab, dir) },
    store: { driver: 'sqlite', path: join(dir, 'serein.db') },
    log: { level: 'silent' },
  });
}

async function preflight(name: string, dns: Record<string, unknown> = {}): Promise<Diagnosis> {
  const config = configWith(dns);
  return runPreflight(
    {
      domains: [name],
      challenge: 'http-01',
      webserver: { name: 'lab', config: config.webservers.lab, target: new LocalTarget('local') },
    },
    {
      config,
      dns: new DnsClient(config.dns.resolvers, config.dns.timeoutMs),
      cas: [{ name: 'pebble', identities: ['pebble.letsencrypt.org'] }],
    },
  );
}
const find = (d: Diagnosis, id: string) => d.checks.find((c) => c.id === id) as Check;
const failures = (d: Diagnosis) => d.checks.filter((c) => c.status === 'failure');

describe('DNSSEC, through a validating resolver', () => {
  it('a signed zone with valid signatures passes the whole preflight', async () => {
    const d = await preflight('www.valid.test');
    expect(failures(d), JSON.stringify(failures(d), null, 1)).toEqual([]);
    expect(d.ok).toBe(true);
    expect(find(d, 'dnssec')).toMatchObject({ status: 'ok', detail: { signed: true, validated: true } });
    expect(find(d, 'dnssec').message.en).toBe('The security signatures (DNSSEC) of www.valid.test are valid.');
  });

  it('expired signatures: says to ask the DNS host to renew them, and which signature ran out when', async () => {
    const d = await preflight('www.expired.test');
    const c = find(d, 'dnssec');
    expect(c.status).toBe('failure');
    expect(d.ok).toBe(false);
    expect(c.message.en).toBe(
      'The security signatures of your domain (DNSSEC) have expired: ask your DNS host to renew them. Until then, certificate authorities cannot read www.expired.test and refuse to secure it.',
    );
    expect(c.message.fr).toMatch(
      /^Les signatures de sécurité de votre domaine \(DNSSEC\) ont expiré\u00a0: demandez à votre hébergeur DNS de les renouveler\./,
    );
    expect(c.fix?.en).toMatch(/renew its security signatures \(they ran out on 1 February 2020\)/);
    expect(c.technical?.en).toMatch(/until the zone is re-signed/);
    expect(c.fix?.fr).toMatch(/1 février 2020/);
    expect(c.detail).toMatchObject({
      reason: 'signature-expired',
      zone: 'expired.test',
      signer: 'expired.test',
      expiration: '2020-02-01T00:00:00.000Z',
    });
    expect(c.technical?.en).toMatch(
      /^Expired signature: RRSIG www\.expired\.test A by expired\.test \(key tag \d+\), valid 2020-01-01T00:00:00\.000Z to 2020-02-01T00:00:00\.000Z/,
    );
    expect(`${c.message.en} ${c.fix?.en}`).not.toMatch(/RRSIG|SERVFAIL/);
  });

  it('a DS at the parent for a zone nobody signs: says to turn DNSSEC off at the registrar, the DS record and its key tag in the technical text', async () => {
    const d = await preflight('www.dsonly.test');
    const c = find(d, 'dnssec');
    expect(c.status).toBe('failure');
    expect(c.message.en).toMatch(
      /^Your registrar still announces DNSSEC for a DNS host you left: turn DNSSEC off there\. /,
    );
    expect(c.message.fr).toMatch(
      /^Votre registraire annonce encore DNSSEC pour un hébergeur DNS que vous avez quitté\u00a0: désactivez-y DNSSEC\. /,
    );
    expect(c.detail).toMatchObject({
      reason: 'ds-without-signatures',
      zone: 'dsonly.test',
      dsKeyTags: [lab.dnssec!.dsOnlyKeyTag],
    });
    expect(c.technical?.en).toContain(`DS dsonly.test (key tag ${lab.dnssec!.dsOnlyKeyTag})`);
    expect(c.technical?.en).toContain('Remove the DS record at the registrar.');
  });

  it('valid signatures on a CNAME target pass: from an unsigned zone and inside the signed one', async () => {
    const alias = await preflight('alias.plain.test');
    expect(failures(alias), JSON.stringify(failures(alias), null, 1)).toEqual([]);
    expect(find(alias, 'dnssec').status).toBe('ok');
    const inside = await preflight('cname.valid.test');
    expect(failures(inside), JSON.stringify(failures(inside), null, 1)).toEqual([]);
    expect(find(inside, 'dnssec')).toMatchObject({ status: 'ok', detail: { signed: true, validated: true } });
  });
});

describe('every authoritative nameserver, over IPv4 and IPv6', () => {
  it('names the server that still serves an old copy of the zone, and what it answered', async () => {
    const d = await preflight('www.stale.test');
    const c = find(d, 'nameservers');
    expect(c.status).toBe('failure');
    expect(c.message.en).toMatch(
      /^One of the servers that answer for your domain still gives an old address: ask your DNS host to update it\. /,
    );
    expect(c.message.fr).toMatch(
      /^L'un des serveurs qui répondent pour votre domaine donne encore une ancienne adresse\u00a0: demandez à votre hébergeur DNS de le mettre à jour\. /,
    );
    const detail = c.detail as {
      differing: { server: string; address: string; family: string; serial: number; records: string[] }[];
      expected: { address: string; serial: number };
      servers: { family: string }[];
    };
    expect(detail.differing).toEqual([
      expect.objectContaining({
        server: 'ns2.nic.test',
        address: lab.dnssec!.ns2,
        family: 'ipv6',
        serial: 1,
        records: expect.arrayContaining(['A 192.0.2.1']),
      }),
    ]);
    expect(detail.expected).toMatchObject({ address: lab.dnssec!.ns1, serial: 2 });
    expect(detail.servers.map((s) => s.family).sort()).toEqual(['ipv4', 'ipv6']);
    expect(c.technical?.en).toContain(`ns2.nic.test (${lab.dnssec!.ns2}, serial 1) answered A 192.0.2.1`);
    expect(`${c.message.en} ${c.fix?.en}`).not.toContain('192.0.2.1');
  });

  it('servers that agree pass, and the check says it asked both families where there are', async () => {
    const d = await preflight('www.valid.test');
    expect(find(d, 'nameservers')).toMatchObject({ status: 'ok', detail: { zone: 'valid.test', fromNs: true } });
  });
});

describe('several vantage points', () => {
  it('with one place, says it looked from one place only', async () => {
    const c = find(await preflight('www.geo.test'), 'vantage-points');
    expect(c.status).toBe('ok');
    expect(c.message.en).toMatch(
      /^www\.geo\.test was looked at from one place only; certificate authorities look from several/,
    );
  });

  it('a split-horizon name two resolvers see differently refuses the order, naming the place', async () => {
    const d = await preflight('www.geo.test', {
      vantagePoints: [{ name: 'west', resolvers: [lab.dnssec!.westResolver] }],
    });
    const c = find(d, 'vantage-points');
    expect(c.status).toBe('failure');
    expect(d.ok).toBe(false);
    expect(c.message.en).toMatch(
      /^Ask your DNS host or CDN to give www\.geo\.test the same address everywhere, at least while it is secured: it looks different from 1 of 2 places \(west\)/,
    );
    expect(c.detail).toMatchObject({
      differing: ['west'],
      allowed: 0,
      primary: { records: expect.arrayContaining(['A 127.0.0.1']) },
      places: [{ place: 'west', records: expect.arrayContaining(['A 192.0.2.7']) }],
    });
  });

  it('the same name seen alike from both places passes', async () => {
    const d = await preflight('www.valid.test', {
      vantagePoints: [{ name: 'west', resolvers: [lab.dnssec!.westResolver] }],
    });
    expect(find(d, 'vantage-points')).toMatchObject({
      status: 'ok',
      message: { en: 'www.valid.test gives the same answers from all 2 places we looked from.' },
    });
  });

  it('the quorum mirrors the CAs: none of 2 to 5 remote places may disagree, one of 6 or more may', () => {
    expect([1, 2, 5, 6, 9].map(allowedDisagreements)).toEqual([0, 0, 0, 1, 1]);
  });
});
