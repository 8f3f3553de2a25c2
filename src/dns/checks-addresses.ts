import { isIP } from 'node:net';
import type { WebserverConfig } from '../config/schema.js';
import { includesIp, notPublic } from '../net/address-policy.js';
import { isCloudflareProxy } from './addresses.js';
import { check, type Check, type Repair } from './check.js';
import { mayProbe, probeToken, type ProbeResult } from './http-probe.js';
import * as msg from './messages.js';
import type { DnsClient } from './resolver.js';

type Family = 'ipv4' | 'ipv6';
const familyOf = (ip: string): Family => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/** The A and AAAA of a name, and the findings about each address. */
export interface AddressFacts {
  name: string;
  a: string[];
  aaaa: string[];
  checks: Check[];
}

/** The addresses of this server, by family, as the provider declared them. */
export function targetAddresses(ws: WebserverConfig | undefined): Record<Family, string[]> {
  const all = ws?.publicAddresses ?? [];
  return { ipv4: all.filter((ip) => isIP(ip) === 4), ipv6: all.filter((ip) => isIP(ip) === 6) };
}

/** The DNS change that repairs a wrong address: delete it when a right one of the family remains, else point it here. */
function addressRepair(
  name: string,
  ip: string,
  f: Family,
  sameFamily: string[],
  mine: Record<Family, string[]>,
): Repair {
  const type = f === 'ipv6' ? 'AAAA' : 'A';
  const othersGood = sameFamily.some((x) => x !== ip && includesIp(mine[f], x));
  if (!othersGood && mine[f].length) {
    return {
      op: 'update',
      type,
      name,
      from: ip,
      to: mine[f][0],
      summary: {
        en: `Point the ${type} record of ${name} from ${ip} to ${mine[f][0]}`,
        fr: `Faire pointer l'enregistrement ${type} de ${name} de ${ip} vers ${mine[f][0]}`,
      },
    };
  }
  return {
    op: 'delete',
    type,
    name,
    from: ip,
    summary: {
      en: `Delete the ${type} record ${name} → ${ip}`,
      fr: `Supprimer l'enregistrement ${type} ${name} → ${ip}`,
    },
  };
}

/**
 * A/AAAA checks for one name: present, not reserved, each one an address of this
 * server (or a Cloudflare proxy). For dns-01 the same problems are warnings: the CA
 * does not connect, but visitors would not reach this server.
 */
export async function checkAddresses(
  dns: DnsClient,
  name: string,
  challenge: 'http-01' | 'dns-01',
  ws: WebserverConfig | undefined,
): Promise<AddressFacts> {
  const { a, aaaa } = await dns.addresses(name);
  const checks: Check[] = [];
  const mine = targetAddresses(ws);
  const bad = challenge === 'http-01' ? 'failure' : 'warning';
  if (a.status === 'error' && aaaa.status === 'error') {
    checks.push(
      check('addresses', name, 'failure', msg.addresses.lookupFailed(name, a.code ?? 'error'), {
        a: a.code,
        aaaa: aaaa.code,
      }),
    );
    return { name, a: [], aaaa: [], checks };
  }
  if (a.records.length === 0 && aaaa.records.length === 0) {
    // An alias to a name that is gone: the fix is the alias (no DNS host takes an address beside it), and no repair is offered.
    const alias = await dns.cname(name);
    if (alias.status === 'ok') {
      const target = alias.records[0].replace(/\.$/, '');
      const t = await dns.addresses(target);
      const gone = t.a.status === 'nxdomain' && t.aaaa.status === 'nxdomain';
      checks.push(
        check('addresses', name, bad, msg.addresses.danglingAlias(name, target, gone, mine.ipv4, mine.ipv6), {
          cname: target,
          target: gone ? 'NXDOMAIN' : 'no address',
        }),
      );
      return { name, a: [], aaaa: [], checks };
    }
    const repair: Repair | undefined = mine.ipv4.length
      ? {
          op: 'create',
          type: 'A',
          name,
          to: mine.ipv4[0],
          summary: {
            en: `Create the A record ${name} → ${mine.ipv4[0]}`,
            fr: `Créer l'enregistrement A ${name} → ${mine.ipv4[0]}`,
          },
        }
      : undefined;
    checks.push(
      check(
        'addresses',
        name,
        bad,
        msg.addresses.none(name, mine.ipv4, mine.ipv6),
        { a: a.status, aaaa: aaaa.status },
        repair,
      ),
    );
    return { name, a: [], aaaa: [], checks };
  }
  checks.push(
    check('addresses', name, 'ok', msg.addresses.ok(name, a.records, aaaa.records), {
      a: a.records,
      aaaa: aaaa.records,
    }),
  );
  const known = (ws?.publicAddresses.length ?? 0) > 0;
  if (!known) checks.push(check('target-address', name, 'warning', msg.addresses.targetUnknown(name)));
  for (const ip of [...aaaa.records, ...a.records]) {
    const f = familyOf(ip);
    const same = f === 'ipv6' ? aaaa.records : a.records;
    const isMine = known && includesIp(ws!.publicAddresses, ip);
    const detail = { address: ip, family: f };
    if (isMine) {
      checks.push(check('target-address', name, 'ok', msg.addresses.isTarget(name, ip, f), detail));
      continue;
    }
    // The probe's own judgement: an address it will not fetch is said why here (a NAT64 form of loopback too).
    const reserved = notPublic(ip);
    if (reserved) {
      checks.push(
        check(
          'reserved-address',
          name,
          bad,
          msg.addresses.reserved(name, ip, f, reserved.what, known ? mine[f] : null),
          { ...detail, range: reserved.cidr },
          addressRepair(name, ip, f, same, mine),
        ),
      );
      continue;
    }
    if (isCloudflareProxy(ip)) {
      checks.push(check('cloudflare-proxy', name, 'warning', msg.addresses.cloudflareProxy(name, ip), detail));
      continue;
    }
    if (!known) continue;
    const e =
      challenge === 'http-01'
        ? msg.addresses.notTarget(name, ip, f, mine[f])
        : msg.addresses.notNeededForDns(name, ip, f, mine[f]);
    checks.push(check('target-address', name, bad, e, detail, addressRepair(name, ip, f, same, mine)));
  }
  return { name, a: a.records, aaaa: aaaa.records, checks };
}

/**
 * http-01 reachability: fetches the same placed token over each address of each name,
 * separately, and compares the exact body; then says whether the addresses agree.
 */
export async function checkHttpTokens(
  dns: DnsClient,
  facts: AddressFacts[],
  ws: WebserverConfig,
  token: { token: string; body: string },
  timeoutMs: number,
): Promise<Check[]> {
  const checks: Check[] = [];
  const allowedPorts = [...new Set([80, 443, ws.httpPort, ws.httpsPort])];
  await Promise.all(
    facts.map(async (f) => {
      // A reserved address that is not this server is unreachable from the Internet: the
      // reserved-address check already says so, and probing it would only wait for a timeout.
      const addresses = [...f.aaaa, ...f.a].filter((ip) => mayProbe(ip, ws.publicAddresses));
      const results: { ip: string; r: ProbeResult }[] = await Promise.all(
        addresses.map(async (ip) => ({
          ip,
          r: await probeToken({
            name: f.name,
            address: ip,
            port: ws.httpPort,
            allowedPorts,
            token: token.token,
            expected: token.body,
            timeoutMs,
            dns,
            ownAddresses: ws.publicAddresses,
          }),
        })),
      );
      for (const { ip, r } of results) {
        const fam = familyOf(ip);
        const isMine = includesIp(ws.publicAddresses, ip);
        const detail = {
          address: ip,
          family: fam,
          status: r.status ?? null,
          server: r.server ?? null,
          redirects: r.hops,
        };
        if (r.ok) checks.push(check('http-token', f.name, 'ok', msg.http.ok(f.name, ip, fam), detail));
        else {
          const c = check(
            'http-token',
            f.name,
            'failure',
            msg.http.failed(f.name, ip, fam, r.failure, isMine, !isMine && isCloudflareProxy(ip)),
            { ...detail, failure: r.failure },
          );
          // Where the proof files are served from is the provider's to know, not the client's.
          const admin = {
            ...(isMine ? { port: ws.httpPort, challengeRoot: ws.challengeRoot } : {}),
            ...(r.redirect ? { redirect: r.redirect } : {}),
          };
          checks.push(Object.keys(admin).length ? { ...c, adminDetail: admin } : c);
        }
      }
      if (results.length > 1) {
        const outcome = (r: ProbeResult) =>
          r.ok
            ? `${r.status}${r.server ? ` ${r.server}` : ''}`
            : r.status
              ? `${r.status}${r.server ? ` ${r.server}` : ''}`
              : r.failure.kind;
        const distinct = new Set(results.map(({ r }) => `${r.ok}|${outcome(r)}`));
        if (distinct.size > 1) {
          checks.push(
            check(
              'address-consistency',
              f.name,
              'warning',
              msg.http.inconsistent(
                f.name,
                results.map(({ ip, r }) => `${ip}: ${r.ok ? 'ok' : outcome(r)}`),
              ),
              { outcomes: results.map(({ ip, r }) => ({ address: ip, ok: r.ok, outcome: outcome(r) })) },
            ),
          );
        }
      }
    }),
  );
  return checks;
}
