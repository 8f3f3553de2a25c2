/**
 * dnssec: a small DNS tree signed as the real one is, and the validating resolvers a CA runs, all on
 * loopback. Every server asks the others on one free port P (BIND's `port` option, as BIND's own
 * system tests run a whole tree), so NS records and glue work as on the Internet; only the port differs.
 *
 * - ns1 (127.0.0.1) holds the signed root and `test.`, and the child zones: `valid.test` (signed),
 *   `expired.test` (signed, every signature expired in 2020), `dsonly.test` (unsigned, while `test.`
 *   publishes a DS for it: a DNS host left behind), `plain.test` (unsigned, no DS; `alias.plain.test`
 *   is a CNAME to `www.valid.test`), `stale.test` (serial 2, `www` 127.0.0.1), and `geo.test` in two
 *   views by client address: the east resolver's questions (from 127.0.53.3) get `www` 127.0.0.1,
 *   everyone else's 192.0.2.7 (split horizon, geo DNS).
 * - ns2 (::1, IPv6 only) holds an old copy of `stale.test` (serial 1, `www` 192.0.2.1).
 * - two validating resolvers, east and west (`dnssec-validation yes`, the lab root's key as trust
 *   anchor), each asking from its own address: a bogus answer is SERVFAIL, as at a CA.
 * BIND listens only on addresses an interface has (127.0.0.1, ::1 here), so the servers differ by
 * family, and the resolvers listen on ports of their own; their questions leave from 127.0.53.3/4.
 */
import * as dgram from 'node:dgram';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Resolver } from 'node:dns/promises';
import { defineComponent, findBinary, freePort, type LabContext } from '../shared.ts';

/** LabInfo['dnssec']: the resolvers, the port nameservers answer on, the nameservers and the zones. */
export interface DnssecInfo {
  /** The port every nameserver of the tree answers on (serein's `dns.nameserverPort`). */
  port: number;
  /** The east resolver, `127.0.0.1:Q` (the default one of the tests). */
  resolver: string;
  /** The west resolver (the geo zone answers it differently). */
  westResolver: string;
  /** ns1 over IPv4, ns2 over IPv6, as `ip:port` and `[::1]:port`. */
  ns1: string;
  ns2: string;
  zones: { valid: string; expired: string; dsOnly: string; plain: string; stale: string; geo: string };
  /** The key tag of the DS `test.` publishes for `dsonly.test` (no such key signs it). */
  dsOnlyKeyTag: number;
}

const EAST = '127.0.53.3';
const WEST = '127.0.53.4';

function free(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind({ address: host, port, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

/** One port free over TCP and UDP on 127.0.0.1 and ::1 (two labs at once get two ports). */
async function treePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort({ udp: true, ipv6: true });
    if (await free('::1', port)) return port;
  }
  throw new Error('lab: no port free on 127.0.0.1 and ::1');
}

const soa = (zone: string, serial = 1) =>
  `$TTL 60\n$ORIGIN ${zone === '.' ? '.' : `${zone}.`}\n@ IN SOA ns1.nic.test. hostmaster.nic.test. ( ${serial} 3600 600 86400 60 )\n`;
const site = (extra = '') =>
  `@ IN A 127.0.0.1\n@ IN CAA 0 issue "pebble.letsencrypt.org"\nwww IN A 127.0.0.1\nwww IN AAAA ::1\n${extra}`;

/** A key for `zone` in `dir` (one combined signing key, ECDSA P-256 as most DNS hosts use): its file base name. */
async function keygen(lab: LabContext, dir: string, zone: string): Promise<string> {
  const out = await lab.run('dnssec-keygen', findBinary('dnssec-keygen'), [
    '-q',
    '-K',
    dir,
    '-a',
    'ECDSAP256SHA256',
    '-f',
    'KSK',
    '-n',
    'ZONE',
    zone,
  ]);
  return out.trim();
}

async function ds(lab: LabContext, dir: string, key: string): Promise<string> {
  return (
    await lab.run('dnssec-dsfromkey', findBinary('dnssec-dsfromkey'), ['-2', path.join(dir, `${key}.key`)])
  ).trim();
}

/** Signs `file` with `key` (its DNSKEY included), between `start` and `end` (dnssec-signzone's times). */
async function sign(
  lab: LabContext,
  dir: string,
  zone: string,
  file: string,
  key: string,
  times: string[] = [],
): Promise<void> {
  const keyText = await fsp.readFile(path.join(dir, `${key}.key`), 'utf8');
  await fsp.appendFile(path.join(dir, file), keyText);
  await lab.run(
    'dnssec-signzone',
    findBinary('dnssec-signzone'),
    ['-q', '-z', '-K', dir, '-o', zone, '-f', path.join(dir, `${file}.signed`), ...times, path.join(dir, file), key],
    { cwd: dir },
  );
}

const common = (dir: string, name: string, port: number) => `  directory "${dir}";
  port ${port};
  pid-file "${dir}/${name}.pid";
  session-keyfile "${dir}/${name}.session.key";
  managed-keys-directory "${dir}";
  dump-file "${dir}/${name}.dump";
  notify no;
  minimal-responses no;`;

/** The signed tree, its two authoritative servers and the two validating resolvers. */
export const dnssec = defineComponent<DnssecInfo>({
  packages: {
    bind9: ['/usr/sbin/named'],
    'bind9-utils': ['/usr/bin/dnssec-signzone', '/usr/bin/dnssec-keygen', '/usr/bin/dnssec-dsfromkey'],
  },
  needs: [],
  async start(lab) {
    const named = findBinary('named');
    const dir = await lab.mkdir('dnssec');
    const port = await treePort();
    const [eastPort, westPort] = [await freePort({ udp: true }), await freePort({ udp: true })];
    const [rootKey, testKey, validKey, expiredKey, lostKey] = await Promise.all(
      ['.', 'test', 'valid.test', 'expired.test', 'dsonly.test'].map((z) => keygen(lab, dir, z)),
    );
    const lostDs = await ds(lab, dir, lostKey);
    const dsOnlyKeyTag = Number(/ DS (\d+) /.exec(lostDs)?.[1]);

    const write = (file: string, text: string) => fsp.writeFile(path.join(dir, file), text);
    await Promise.all([
      write('valid.zone', `${soa('valid.test')}@ NS ns1.nic.test.\n${site('cname IN CNAME www\n')}`),
      write('expired.zone', `${soa('expired.test')}@ NS ns1.nic.test.\n${site()}`),
      write('dsonly.zone', `${soa('dsonly.test')}@ NS ns1.nic.test.\n${site()}`),
      write('plain.zone', `${soa('plain.test')}@ NS ns1.nic.test.\n${site('alias IN CNAME www.valid.test.\n')}`),
      write('stale-new.zone', `${soa('stale.test', 2)}@ NS ns1.nic.test.\n@ NS ns2.nic.test.\n${site()}`),
      write(
        'stale-old.zone',
        `${soa('stale.test', 1)}@ NS ns1.nic.test.\n@ NS ns2.nic.test.\n@ IN A 127.0.0.1\nwww IN A 192.0.2.1\nwww IN AAAA ::1\n`,
      ),
      write('geo-east.zone', `${soa('geo.test')}@ NS ns1.nic.test.\n${site()}`),
      write('geo-west.zone', `${soa('geo.test')}@ NS ns1.nic.test.\n@ IN A 127.0.0.1\nwww IN A 192.0.2.7\n`),
    ]);
    await Promise.all([
      sign(lab, dir, 'valid.test', 'valid.zone', validKey),
      // Signatures valid for a month in 2020: all long expired, as on a zone nobody re-signs
      // (-P: dnssec-signzone would otherwise refuse to write what it cannot verify today).
      sign(lab, dir, 'expired.test', 'expired.zone', expiredKey, [
        '-P',
        '-s',
        '20200101000000',
        '-e',
        '20200201000000',
      ]),
    ]);
    const [validDs, expiredDs] = await Promise.all([ds(lab, dir, validKey), ds(lab, dir, expiredKey)]);
    const delegate = (label: string, servers: string[]) =>
      servers.map((s) => `${label} IN NS ${s}.nic.test.\n`).join('');
    await write(
      'test.zone',
      `${soa('test')}@ IN NS ns1.nic.test.\nns1.nic IN A 127.0.0.1\nns2.nic IN AAAA ::1\n` +
        delegate('valid', ['ns1']) +
        delegate('expired', ['ns1']) +
        delegate('dsonly', ['ns1']) +
        delegate('plain', ['ns1']) +
        delegate('stale', ['ns1', 'ns2']) +
        delegate('geo', ['ns1']) +
        `${validDs}\n${expiredDs}\n${lostDs}\n`,
    );
    await sign(lab, dir, 'test', 'test.zone', testKey);
    const testDs = await ds(lab, dir, testKey);
    await write(
      'root.zone',
      `${soa('.')}@ IN NS ns1.nic.test.\ntest. IN NS ns1.nic.test.\nns1.nic.test. IN A 127.0.0.1\n${testDs}\n`,
    );
    await sign(lab, dir, '.', 'root.zone', rootKey);
    await write('root.hint', `. 3600000 IN NS ns1.nic.test.\nns1.nic.test. 3600000 IN A 127.0.0.1\n`);
    // The trust anchor: the lab root's public key, as Debian ships the real root's in bind.keys.
    const rootDnskey = (await fsp.readFile(path.join(dir, `${rootKey}.key`), 'utf8'))
      .split('\n')
      .find((l) => /\sDNSKEY\s/.test(l))!;
    const [flags, proto, alg, ...b64] = rootDnskey
      .replace(/^.*DNSKEY\s+/, '')
      .trim()
      .split(/\s+/);

    const zone = (name: string, file: string) => `  zone "${name}" { type primary; file "${file}"; };\n`;
    const ns1Zones =
      zone('.', 'root.zone.signed') +
      zone('test', 'test.zone.signed') +
      zone('valid.test', 'valid.zone.signed') +
      zone('expired.test', 'expired.zone.signed') +
      zone('dsonly.test', 'dsonly.zone') +
      zone('plain.test', 'plain.zone') +
      zone('stale.test', 'stale-new.zone');
    await write(
      'ns1.conf',
      `options {\n${common(dir, 'ns1', port)}\n  listen-on { 127.0.0.1; };\n  listen-on-v6 { none; };\n  recursion no;\n};\ncontrols { };\n` +
        `view east {\n  match-clients { ${EAST}; };\n${ns1Zones}${zone('geo.test', 'geo-east.zone')}};\n` +
        `view others {\n  match-clients { any; };\n${ns1Zones}${zone('geo.test', 'geo-west.zone')}};\n`,
    );
    await write(
      'ns2.conf',
      `options {\n${common(dir, 'ns2', port)}\n  listen-on { none; };\n  listen-on-v6 { ::1; };\n  recursion no;\n};\ncontrols { };\n${zone('stale.test', 'stale-old.zone')}`,
    );
    const resolverConf = (name: string, listen: number, source: string) =>
      `options {\n${common(dir, name, port)}\n  listen-on port ${listen} { 127.0.0.1; };\n  listen-on-v6 { none; };\n` +
      `  query-source address ${source};\n  recursion yes;\n  allow-recursion { 127.0.0.0/8; ::1; };\n  dnssec-validation yes;\n  max-cache-ttl 60;\n  max-ncache-ttl 10;\n};\ncontrols { };\n` +
      `trust-anchors { "." static-key ${flags} ${proto} ${alg} "${b64.join('')}"; };\nzone "." { type hint; file "root.hint"; };\n`;
    await write('east.conf', resolverConf('east', eastPort, EAST));
    await write('west.conf', resolverConf('west', westPort, WEST));

    const procs = ['ns1', 'ns2', 'east', 'west'].map((n) =>
      lab.spawn(`named-${n}`, named, ['-g', '-u', 'root', '-c', path.join(dir, `${n}.conf`)], { cwd: dir }),
    );
    for (const [i, p] of [eastPort, westPort].entries()) {
      const resolver = new Resolver({ timeout: 500, tries: 1 });
      resolver.setServers([`127.0.0.1:${p}`]);
      await lab.waitUntil(
        'named validating resolver',
        async () => (await resolver.resolve4('www.valid.test').catch((): string[] => [])).includes('127.0.0.1'),
        procs[2 + i],
      );
    }
    return {
      port,
      resolver: `127.0.0.1:${eastPort}`,
      westResolver: `127.0.0.1:${westPort}`,
      ns1: `127.0.0.1:${port}`,
      ns2: `[::1]:${port}`,
      zones: {
        valid: 'valid.test',
        expired: 'expired.test',
        dsOnly: 'dsonly.test',
        plain: 'plain.test',
        stale: 'stale.test',
        geo: 'geo.test',
      },
      dsOnlyKeyTag,
    };
  },
});
