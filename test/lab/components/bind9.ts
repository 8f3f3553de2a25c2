/**
 * bind9: BIND 9 as an authoritative server on 127.0.0.1 (udp+tcp) with RFC 2136 dynamic updates
 * signed by TSIG (hmac-sha256). Two zones: `bind9.test`, where serein's key may change anything
 * (`update-policy { grant KEY zonesub ANY; }`), and `client.test`, a client's DNS host that serein
 * has no key for (a second key, the "client's" own, changes it: tests add CNAME delegations there).
 * The zone files hold SOA, NS, CAA, A and AAAA. Their NS names do not resolve on purpose: the lab's
 * servers listen on free ports, not 53, so checks fall back to `dns.authoritative`.
 * It also answers as a recursive resolver would (recursion for 127.0.0.1, over a local root zone so
 * nothing is ever asked outside): a CNAME from `client.test` into `bind9.test` is followed, as the
 * CA's resolver follows a client's `_acme-challenge` delegation.
 */
import { Resolver } from 'node:dns/promises';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { defineComponent, findBinary, freePort } from '../shared.ts';

/** A TSIG key as BIND and nsupdate name it. */
export interface TsigKey {
  name: string;
  algorithm: 'hmac-sha256';
  /** base64 */
  secret: string;
}

/** LabInfo['bind9']: where it answers, its zones, and the keys that may update them. */
export interface Bind9Info {
  host: string;
  port: number;
  /** The zone serein may update (with `key`): SOA, NS, CAA (issue "pebble.letsencrypt.org"), www A/AAAA. */
  zone: string;
  key: TsigKey;
  /** A client's zone serein has no key for; `clientKey` (the client's DNS host) updates it. */
  clientZone: string;
  clientKey: TsigKey;
}

const zoneFile = (zone: string) => `$TTL 60
@ IN SOA ns1.lab.invalid. hostmaster.${zone}. ( 1 3600 600 86400 60 )
@ IN NS ns1.lab.invalid.
@ IN CAA 0 issue "pebble.letsencrypt.org"
@ IN A 127.0.0.1
www IN A 127.0.0.1
www IN AAAA ::1
`;

async function keygen(
  lab: Parameters<typeof bind9.start>[0],
  bin: string,
  name: string,
): Promise<{ key: TsigKey; conf: string }> {
  const conf = await lab.run('tsig-keygen', bin, ['-a', 'hmac-sha256', name]);
  const secret = /secret\s+"([^"]+)"/.exec(conf)?.[1];
  if (!secret) throw new Error(`lab: tsig-keygen gave no secret for ${name}`);
  return { key: { name, algorithm: 'hmac-sha256', secret }, conf };
}

/** The DNS server RFC 2136 (dynamic update with TSIG) is tested against, and Pebble's `pebbleBind9` asks. */
export const bind9 = defineComponent<Bind9Info>({
  packages: { bind9: ['/usr/sbin/named', '/usr/sbin/tsig-keygen'], 'bind9-dnsutils': ['/usr/bin/nsupdate'] },
  needs: [],
  async start(lab) {
    const named = findBinary('named');
    const dir = await lab.mkdir('bind9');
    const port = await freePort({ udp: true });
    const zone = 'bind9.test';
    const clientZone = 'client.test';
    const serein = await keygen(lab, findBinary('tsig-keygen'), 'serein-lab');
    const client = await keygen(lab, findBinary('tsig-keygen'), 'client-host');
    await fsp.writeFile(path.join(dir, `${zone}.zone`), zoneFile(zone));
    await fsp.writeFile(path.join(dir, `${clientZone}.zone`), zoneFile(clientZone));
    await fsp.writeFile(
      path.join(dir, 'root.zone'),
      `$TTL 60\n@ IN SOA ns1.lab.invalid. hostmaster.lab.invalid. ( 1 3600 600 86400 60 )\n@ IN NS ns1.lab.invalid.\n`,
    );
    const conf = path.join(dir, 'named.conf');
    await fsp.writeFile(
      conf,
      `${serein.conf}
${client.conf}
options {
  directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file "${dir}/named.pid";
  recursion yes;
  allow-recursion { 127.0.0.1; };
  dnssec-validation no;
};
controls { };
zone "." { type primary; file "root.zone"; };
zone "${zone}" { type primary; file "${zone}.zone"; update-policy { grant ${serein.key.name} zonesub ANY; }; };
zone "${clientZone}" { type primary; file "${clientZone}.zone"; update-policy { grant ${client.key.name} zonesub ANY; }; };
`,
    );
    const proc = lab.spawn('named', named, ['-g', '-u', 'root', '-c', conf], { cwd: dir });
    const resolver = new Resolver({ timeout: 300, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    await lab.waitUntil(
      'named',
      async () => (await resolver.resolve4(`www.${zone}`).catch((): string[] => [])).includes('127.0.0.1'),
      proc,
    );
    return { host: '127.0.0.1', port, zone, key: serein.key, clientZone, clientKey: client.key };
  },
});
