/**
 * dns-01 issuance and dns.fix against the DNS servers providers run, started by the lab:
 * BIND through RFC 2136 updates signed with TSIG, and PowerDNS through its HTTP API. Each
 * has its own Pebble asking it, so the CA validates what serein wrote there. Also the
 * delegation of a client's `_acme-challenge` by CNAME to a zone serein updates.
 * Records are set up with the servers' own tools (nsupdate, the PowerDNS API), not serein's.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { solverFor } from '../src/actions/certificate.js';
import { diagnose } from '../src/certificates/diagnose.js';
import { issueCertificate } from '../src/certificates/issue.js';
import { assertRecordName } from '../src/dns/provider.js';
import { DnsClient } from '../src/dns/resolver.js';
import { Rfc2136Provider } from '../src/dns/rfc2136.js';
import { useLab, type LabInfo } from './lab/client.js';
import { labCertConfig, labServices } from './helpers/acme-lab.js';
import { startTestDaemon } from './helpers/daemon.js';
import { noteSecrets } from './helpers/secrets-scan.js';
import { tempDir } from './helpers/tmp.js';

let lab: LabInfo;
const rand = () => randomBytes(3).toString('hex');

beforeAll(async () => {
  lab = await useLab('pebbleBind9', 'pebblePdns');
  noteSecrets('TSIG secret of the lab BIND', lab.bind9!.key.secret);
  noteSecrets('API key of the lab PowerDNS', lab.pdns!.apiKey);
}, 60_000);

/** nsupdate (bind9-dnsutils) with a key: how an admin or a client's DNS host changes BIND by hand. */
function nsupdate(key: { name: string; algorithm: string; secret: string }, zone: string, lines: string[]): void {
  const b = lab.bind9!;
  execFileSync('nsupdate', ['-y', `${key.algorithm}:${key.name}:${key.secret}`], {
    input: [`server ${b.host} ${b.port}`, `zone ${zone}`, ...lines, 'send', ''].join('\n'),
    timeout: 10_000,
  });
}

/** The two servers under test: how serein is configured for each, and how a test sets records there by hand. */
const servers = {
  bind9: {
    zone: () => lab.bind9!.zone,
    address: () => `${lab.bind9!.host}:${lab.bind9!.port}`,
    pebble: () => lab.pebbleBind9!,
    provider: () => ({
      type: 'rfc2136',
      zones: [lab.bind9!.zone],
      server: `${lab.bind9!.host}:${lab.bind9!.port}`,
      keyName: lab.bind9!.key.name,
      keySecret: lab.bind9!.key.secret,
    }),
    setAddresses: async (name: string, a: string, aaaa: string) =>
      nsupdate(lab.bind9!.key, lab.bind9!.zone, [
        `update add ${name}. 60 A ${a}`,
        `update add ${name}. 60 AAAA ${aaaa}`,
      ]),
  },
  pdns: {
    zone: () => lab.pdns!.zone,
    address: () => `${lab.pdns!.host}:${lab.pdns!.port}`,
    pebble: () => lab.pebblePdns!,
    provider: () => ({ type: 'powerdns', zones: [lab.pdns!.zone], apiUrl: lab.pdns!.apiUrl, apiKey: lab.pdns!.apiKey }),
    setAddresses: async (name: string, a: string, aaaa: string) => {
      const p = lab.pdns!;
      const rr = (type: string, content: string) => ({
        name: `${name}.`,
        type,
        ttl: 60,
        changetype: 'REPLACE',
        records: [{ content, disabled: false }],
      });
      const res = await fetch(`${p.apiUrl}/api/v1/servers/localhost/zones/${p.zone}.`, {
        method: 'PATCH',
        headers: { 'X-API-Key': p.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ rrsets: [rr('A', a), rr('AAAA', aaaa)] }),
      });
      expect(res.status).toBe(204);
    },
  },
};

/** The lab config pointed at one server: it answers every DNS question, its Pebble is the CA, its provider writes. */
function configFor(kind: keyof typeof servers, dir: string, dns: Record<string, unknown> = {}) {
  const s = servers[kind];
  return labCertConfig(lab, dir, {
    dnsServer: s.address(),
    pebble: s.pebble(),
    dns: { providers: [s.provider()], ...dns },
  });
}

describe.each(['bind9', 'pdns'] as const)('%s', (kind) => {
  it('issues a wildcard certificate with dns-01: TXT records written there, seen by Pebble, then removed', async () => {
    const s = servers[kind];
    const base = `w${rand()}.${s.zone()}`;
    const env = await labServices(lab, {
      dnsServer: s.address(),
      pebble: s.pebble(),
      dns: { providers: [s.provider()] },
    });
    try {
      const d = await diagnose(env.services, { domains: [`*.${base}`, base], challenge: 'dns-01' });
      expect(d.checks.filter((c) => c.status === 'failure')).toEqual([]);
      expect(d.checks.find((c) => c.id === 'dns01-zone')?.detail).toEqual({ zone: s.zone() });
      const ctx = env.services.certificates;
      const cert = await issueCertificate(
        { config: env.config, accounts: ctx.accounts, pool: ctx.pool, certificates: env.store.certificates },
        { domains: [`*.${base}`, base], keyType: 'ecdsa-p256', solver: solverFor(env.services, 'dns-01', null) },
      );
      const san = new X509Certificate(cert.fullChainPem).subjectAltName;
      expect(san).toContain(`DNS:*.${base}`);
      expect(san).toContain(`DNS:${base}`);
      const txt = await new DnsClient([s.address()]).txt(`_acme-challenge.${base}`);
      expect(txt.records).toEqual([]); // both proofs cleaned up
    } finally {
      await env.close();
    }
  }, 50_000);

  it('dns.fix repairs a stale AAAA there, only when confirmed, audited', async () => {
    const s = servers[kind];
    const name = `shop${rand()}.${s.zone()}`;
    await s.setAddresses(name, '127.0.0.1', '2001:db8::dead');
    const at = new DnsClient([s.address()]);
    expect((await at.aaaa(name)).records).toEqual(['2001:db8::dead']);
    const d = await startTestDaemon({ config: configFor(kind, tempDir('serein-dnsfix-')) });
    try {
      const t = await d.tenant(`f${rand()}`, { domains: [name], servers: ['lab'] });
      const doctor = await d.api('POST', '/v1/doctor', { token: t.token, body: { domains: [name], webserver: 'lab' } });
      expect(doctor.body.checks.filter((c: any) => c.repair).map((c: any) => c.repair)).toEqual([
        expect.objectContaining({ op: 'update', type: 'AAAA', name, from: '2001:db8::dead', to: '::1' }),
      ]);
      const dry = await d.runJob('dns.fix', { domain: name, webserver: 'lab' }, { token: t.token, dryRun: true });
      expect(dry.status).toBe('succeeded');
      expect((await at.aaaa(name)).records).toEqual(['2001:db8::dead']);
      const unconfirmed = await d.runJob('dns.fix', { domain: name, webserver: 'lab' }, { token: t.token });
      expect(unconfirmed.error?.code).toBe('confirmation_required');
      const job = await d.runJob('dns.fix', { domain: name, webserver: 'lab', confirm: true }, { token: t.token });
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      expect((await at.aaaa(name)).records).toEqual(['::1']);
      expect((await at.a(name)).records).toEqual(['127.0.0.1']); // the other record set is untouched
      const audit = await d.api('GET', '/v1/audit?action=dns.update');
      expect(audit.body.entries.find((e: any) => e.subject === `dns:${name}`)?.detail).toMatchObject({
        zone: s.zone(),
        before: ['2001:db8::dead'],
        after: ['::1'],
      });
      const again = await d.api('POST', '/v1/doctor', { token: t.token, body: { domains: [name], webserver: 'lab' } });
      expect(again.body.checks.filter((c: any) => c.status === 'failure')).toEqual([]);
    } finally {
      await d.stop();
    }
  }, 50_000);
});

describe('delegation: a client whose DNS host has no API', () => {
  it('says which CNAME to add and where, then issues a wildcard through it', async () => {
    const b = lab.bind9!;
    const base = `d${rand()}.${b.clientZone}`;
    const delegationZone = `acme.${b.zone}`;
    const target = `${base}.${delegationZone}`;
    const env = await labServices(lab, {
      dnsServer: servers.bind9.address(),
      pebble: lab.pebbleBind9!,
      dns: { providers: [servers.bind9.provider()], delegationZone },
    });
    try {
      const before = await diagnose(env.services, { domains: [`*.${base}`, base], challenge: 'dns-01' });
      const missing = before.checks.find((c) => c.id === 'dns01-delegation' && c.domain === base)!;
      expect(missing.status).toBe('failure');
      expect(missing.fix?.en).toBe(
        `At the company that manages your domain (often where you bought it), add this one line to your domain's settings, exactly as written: name _acme-challenge.${base}, type CNAME, value ${target}. Then try again (it can take a few minutes to be seen).`,
      );
      expect(missing.fix?.fr).toBe(
        `Chez la société qui gère votre domaine (souvent là où vous l'avez acheté), ajoutez cette ligne aux réglages de votre domaine, exactement ainsi\u00a0: nom _acme-challenge.${base}, type CNAME, valeur ${target}. Puis réessayez (il peut falloir quelques minutes pour qu'elle soit visible).`,
      );
      expect(missing.detail).toEqual({ record: `_acme-challenge.${base}`, type: 'CNAME', value: target });
      await expect(
        solverFor(env.services, 'dns-01', null).present([{ domain: base, token: 't', keyAuthorization: 't.k' }]),
      ).rejects.toMatchObject({ code: 'dns_zone_unavailable' });

      // The client adds the CNAME at their DNS host (here: the client zone, with the client's own key).
      nsupdate(b.clientKey, b.clientZone, [`update add _acme-challenge.${base}. 60 CNAME ${target}.`]);
      const after = await diagnose(env.services, { domains: [`*.${base}`, base], challenge: 'dns-01' });
      expect(after.checks.filter((c) => c.status === 'failure')).toEqual([]);
      expect(after.checks.find((c) => c.id === 'dns01-txt' && c.domain === base)?.detail).toEqual({
        at: `_acme-challenge.${base}`,
        delegatedTo: target,
      });

      const ctx = env.services.certificates;
      const cert = await issueCertificate(
        { config: env.config, accounts: ctx.accounts, pool: ctx.pool, certificates: env.store.certificates },
        { domains: [`*.${base}`, base], keyType: 'ecdsa-p256', solver: solverFor(env.services, 'dns-01', null) },
      );
      expect(new X509Certificate(cert.fullChainPem).subjectAltName).toContain(`DNS:*.${base}`);
      expect((await new DnsClient([servers.bind9.address()]).txt(target)).records).toEqual([]);
    } finally {
      await env.close();
    }
  }, 50_000);

  it('refuses to follow a CNAME into a zone that is neither the delegation name nor the same domain', async () => {
    const b = lab.bind9!;
    const base = `e${rand()}.${b.clientZone}`;
    nsupdate(b.clientKey, b.clientZone, [
      `update add _acme-challenge.${base}. 60 CNAME _acme-challenge.www.${b.zone}.`,
    ]);
    const env = await labServices(lab, {
      dnsServer: servers.bind9.address(),
      pebble: lab.pebbleBind9!,
      dns: { providers: [servers.bind9.provider()], delegationZone: `acme.${b.zone}` },
    });
    try {
      const d = await diagnose(env.services, { domains: [base], challenge: 'dns-01' });
      const c = d.checks.find((x) => x.id === 'dns01-delegation')!;
      expect(c.status).toBe('failure');
      expect(c.message.en).toContain(`to _acme-challenge.www.${b.zone}, a name serein does not manage`);
      expect(c.fix?.en).toBe(
        `At the company that manages your domain (often where you bought it), change the value of the line named _acme-challenge.${base} in your domain's settings to ${base}.acme.${b.zone} (it is a CNAME record). Then try again.`,
      );
    } finally {
      await env.close();
    }
  });
});

describe('RFC 2136 client', () => {
  it('a wrong key is refused by the server, and the error never shows the secret', async () => {
    const b = lab.bind9!;
    const secret = randomBytes(32).toString('base64');
    noteSecrets('a wrong TSIG secret', secret);
    const p = new Rfc2136Provider({
      server: `${b.host}:${b.port}`,
      key: { name: b.key.name, algorithm: 'hmac-sha256', secret },
      zones: [b.zone],
    });
    const err = await p.addTxt(b.zone, `_acme-challenge.x.${b.zone}`, 'v', 60).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/refused: NOTAUTH/);
    expect(err?.message).not.toContain(secret);
  });

  it('names outside the zone, or not plain DNS names, never reach a message', () => {
    for (const bad of ['x.other.test', 'a b.bind9.test', 'a..bind9.test', 'x\n.bind9.test', 'a.*.bind9.test'])
      expect(() => assertRecordName(bad, 'bind9.test')).toThrow(/not a DNS name/);
    expect(() => assertRecordName('_acme-challenge.shop.bind9.test', 'bind9.test')).not.toThrow();
  });
});
