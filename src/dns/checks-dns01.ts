import { createHash } from 'node:crypto';
import { check, type Check } from './check.js';
import { mayAsk } from './checks-nameservers.js';
import { cloudflareReason } from './cloudflare.js';
import * as msg from './messages.js';
import { registeredDomain } from './names.js';
import { normalName, type DnsProviders, type Located } from './provider.js';
import { authoritativeServers, type DnsClient } from './resolver.js';

/** What the proof's place depends on in the config: the delegation zone and the extra suffixes. */
export interface ProofOptions {
  delegationZone?: string;
  extraSuffixes: readonly string[];
}

/**
 * The name a client's `_acme-challenge.<host>` must point to (CNAME) when the client's DNS
 * host has no API: `<host>.<delegationZone>`, or a digest of the host when that is too long.
 */
export function delegationTarget(host: string, zone: string): string {
  const plain = `${host}.${zone}`;
  return plain.length <= 253 ? plain : `${createHash('sha256').update(host).digest('hex').slice(0, 32)}.${zone}`;
}

/** Where the proof of one name goes, or why serein cannot write it. */
export interface ProofLocation {
  /** `_acme-challenge.<name>` */
  at: string;
  /** Where the TXT record is written: `at`, or the target of its CNAME. */
  writeAt: string;
  delegatedTo: string | null;
  located: Located | null;
  problem?: 'no-provider' | 'no-zone' | 'cname-missing' | 'cname-wrong' | 'cname-elsewhere';
  /** The CNAME target the delegation zone expects, when one is configured. */
  expected?: string;
  /** The provider's answer when asking it failed (admins only). */
  error?: string;
}

/**
 * Finds where the proof record of `name` is written and which provider holds it. A CNAME
 * on `_acme-challenge` is followed only to the delegation name serein expects or to a
 * name of the same registered domain: a client's CNAME must not make serein write in
 * anyone else's zone.
 */
export async function proofLocation(
  dns: DnsClient,
  providers: DnsProviders,
  name: string,
  opts: ProofOptions,
): Promise<ProofLocation> {
  const host = normalName(name.replace(/^\*\./, ''));
  const at = `_acme-challenge.${host}`;
  const dz = opts.delegationZone ? normalName(opts.delegationZone) : undefined;
  const expected = dz ? delegationTarget(host, dz) : undefined;
  const base = { at, writeAt: at, delegatedTo: null, located: null, ...(expected ? { expected } : {}) };
  const locate = async (target: string): Promise<Pick<ProofLocation, 'located' | 'error'>> => {
    try {
      return { located: await providers.locate(target) };
    } catch (err) {
      return { located: null, error: cloudflareReason(err) };
    }
  };
  const cname = await dns.cname(at);
  if (cname.status === 'ok') {
    const target = normalName(cname.records[0]);
    const delegated = { ...base, writeAt: target, delegatedTo: target };
    const inDelegation = !!dz && (target === dz || target.endsWith(`.${dz}`));
    if (inDelegation && target !== expected) return { ...delegated, problem: 'cname-wrong' };
    const own = registeredDomain(host, opts.extraSuffixes).registered;
    if (!inDelegation && (!own || registeredDomain(target, opts.extraSuffixes).registered !== own))
      return { ...delegated, problem: 'cname-elsewhere' };
    if (!providers.configured) return { ...delegated, problem: 'no-provider' };
    const found = await locate(target);
    return { ...delegated, ...found, ...(found.located ? {} : { problem: 'no-zone' }) };
  }
  if (!providers.configured) return { ...base, problem: 'no-provider' };
  const found = await locate(at);
  if (found.located) return { ...base, ...found };
  return { ...base, ...found, problem: expected ? 'cname-missing' : 'no-zone' };
}

/**
 * dns-01 checks for one name: the proof record's name can be looked up, no record was
 * created with the domain typed twice, serein may write the proof (in the name's zone or
 * through a CNAME delegation, saying exactly what to add when it is missing), and every
 * authoritative nameserver answers (the CA may ask any of them).
 */
export async function checkDns01(
  dns: DnsClient,
  name: string,
  registered: string,
  providers: DnsProviders,
  opts: ProofOptions & { authoritative: string[]; nameserverPort: number },
): Promise<Check[]> {
  const checks: Check[] = [];
  const loc = await proofLocation(dns, providers, name, opts);
  const { at, writeAt, delegatedTo } = loc;
  const [txt, doubled] = await Promise.all([dns.txt(writeAt), dns.txt(`${at}.${registered}`)]);
  if (txt.status === 'error')
    checks.push(
      check('dns01-txt', name, 'failure', msg.dns01.txtFailed(name, writeAt, txt.code ?? 'error'), {
        at: writeAt,
        code: txt.code,
      }),
    );
  else if (delegatedTo && !loc.problem)
    checks.push(check('dns01-txt', name, 'ok', msg.dns01.txtDelegated(name, at, delegatedTo), { at, delegatedTo }));
  else if (!delegatedTo) checks.push(check('dns01-txt', name, 'ok', msg.dns01.txtOk(name, at), { at }));
  if (doubled.status === 'ok') {
    checks.push(
      check('dns01-doubled-label', name, 'warning', msg.dns01.doubled(name, `${at}.${registered}`, at), {
        found: `${at}.${registered}`,
        values: doubled.records.length,
      }),
    );
  }
  const admin = (c: Check): Check =>
    loc.error || loc.located
      ? {
          ...c,
          adminDetail: {
            ...(loc.located ? { provider: loc.located.provider.label } : {}),
            ...(loc.error ? { error: loc.error } : {}),
          },
        }
      : c;
  switch (loc.problem) {
    case undefined:
      checks.push(
        admin(
          check('dns01-zone', name, 'ok', msg.dns01.zoneOk(name, loc.located!.zone, loc.located!.provider.kind), {
            zone: loc.located!.zone,
            ...(delegatedTo ? { delegatedTo } : {}),
          }),
        ),
      );
      break;
    case 'no-provider':
      checks.push(check('dns01-zone', name, 'failure', msg.dns01.noProvider(name)));
      break;
    case 'no-zone':
      checks.push(admin(check('dns01-zone', name, 'failure', msg.dns01.zoneMissing(name), { name: writeAt })));
      break;
    case 'cname-missing':
      checks.push(
        check('dns01-delegation', name, 'failure', msg.dns01.cnameMissing(name, at, loc.expected!), {
          record: at,
          type: 'CNAME',
          value: loc.expected,
        }),
      );
      break;
    case 'cname-wrong':
      checks.push(
        check('dns01-delegation', name, 'failure', msg.dns01.cnameWrong(name, at, writeAt, loc.expected!), {
          record: at,
          type: 'CNAME',
          found: writeAt,
          value: loc.expected,
        }),
      );
      break;
    case 'cname-elsewhere':
      checks.push(
        check('dns01-delegation', name, 'failure', msg.dns01.cnameElsewhere(name, at, writeAt, loc.expected), {
          record: at,
          type: 'CNAME',
          found: writeAt,
          ...(loc.expected ? { value: loc.expected } : {}),
        }),
      );
      break;
  }
  // Asked as the nameserver checks ask them: on the nameserver port, never an address that is not public.
  const auth = await authoritativeServers(dns, delegatedTo ?? name.replace(/^\*\./, ''), {
    fallback: opts.authoritative,
    port: opts.nameserverPort,
    allowed: (address) => mayAsk(address, opts.nameserverPort),
  });
  if (auth.servers.length) {
    const answers = await Promise.all(auth.servers.map(async (s) => ({ s, r: await dns.at([s.at]).txt(writeAt) })));
    const down = answers
      .filter(({ r }) => r.status === 'error')
      .map(({ s }) => (s.name === s.address ? s.address : `${s.name} (${s.address})`));
    const label = auth.servers.map((s) => (s.name === s.address ? s.address : s.name));
    if (down.length)
      checks.push(
        check('dns01-nameservers', name, 'failure', msg.dns01.nameserversDown(name, down), {
          zone: auth.zone,
          servers: auth.servers,
          fromNs: auth.fromNs,
        }),
      );
    else
      checks.push(
        check('dns01-nameservers', name, 'ok', msg.dns01.nameserversOk(name, [...new Set(label)]), {
          zone: auth.zone,
          servers: auth.servers,
          fromNs: auth.fromNs,
        }),
      );
  }
  return checks;
}
