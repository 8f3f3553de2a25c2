/**
 * pebble: the Pebble ACME CA (PEBBLE_VA_NOSLEEP=1, no validation delay), resolving through the lab's
 * dns and validating http-01 against the lab's nginx. It rejects 5 % of nonces on purpose (badNonce).
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { defineComponent, findBinary, freePort, httpRequest, type LabContext } from '../shared.ts';
import type { Bind9Info } from './bind9.ts';
import type { DnsInfo } from './dns.ts';
import type { PdnsInfo } from './pdns.ts';
import type { NginxInfo } from './nginx.ts';

/** LabInfo['pebble']: the ACME directory, and the certificate to trust to reach it. */
export interface PebbleInfo {
  directoryUrl: string;
  /** HTTPS, same certificate as the API; `/roots/0` is the issuing root. */
  managementUrl: string;
  /** PEM of the self-signed TLS certificate pebble's HTTPS API (and management API) use. */
  caCertPath: string;
  /** Port pebble validates http-01 against (= nginx.port). */
  httpPort: number;
}

/**
 * Starts one Pebble in `lab.dir/<folder>` that asks `dnsPort` on 127.0.0.1 for every DNS question
 * (dns-01 TXT records, http-01 addresses) and validates http-01 against the lab's nginx.
 */
export async function startPebble(
  lab: LabContext,
  folder: string,
  dnsPort: number,
  nginx: NginxInfo,
): Promise<PebbleInfo> {
  const bin = findBinary('pebble');
  const openssl = findBinary('openssl');
  const dir = await lab.mkdir(folder);
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  await lab.run('openssl', openssl, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '30',
    '-subj',
    '/CN=serein-lab-pebble',
    '-addext',
    'subjectAltName=DNS:localhost,DNS:pebble,IP:127.0.0.1,IP:::1',
  ]);
  const port = await freePort();
  const mport = await freePort();
  const cfgPath = path.join(dir, 'pebble-config.json');
  await fsp.writeFile(
    cfgPath,
    JSON.stringify(
      {
        pebble: {
          listenAddress: `127.0.0.1:${port}`,
          managementListenAddress: `127.0.0.1:${mport}`,
          certificate: certPath,
          privateKey: keyPath,
          httpPort: nginx.port,
          tlsPort: nginx.tlsPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      },
      null,
      2,
    ),
  );
  const proc = lab.spawn(folder, bin, ['-config', cfgPath, '-dnsserver', `127.0.0.1:${dnsPort}`], {
    cwd: dir,
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1' },
  });
  const ca = await fsp.readFile(certPath);
  const directoryUrl = `https://127.0.0.1:${port}/dir`;
  const managementUrl = `https://127.0.0.1:${mport}`;
  await lab.waitUntil(
    folder,
    async () => (await httpRequest(directoryUrl, { ca, timeoutMs: 1000 })).status === 200,
    proc,
  );
  await lab.waitUntil(
    `${folder} management API`,
    async () => (await httpRequest(`${managementUrl}/roots/0`, { ca, timeoutMs: 1000 })).status === 200,
    proc,
  );
  return { directoryUrl, managementUrl, caCertPath: certPath, httpPort: nginx.port };
}

/** The CA certificates are issued by in tests, the demo and the benchmarks. */
export const pebble = defineComponent<PebbleInfo, { dns: DnsInfo; nginx: NginxInfo }>({
  packages: { pebble: ['/usr/bin/pebble'], openssl: ['/usr/bin/openssl'] },
  needs: ['dns', 'nginx'],
  start: (lab, { dns, nginx }) => startPebble(lab, 'pebble', dns.port, nginx),
});

/** A Pebble that asks the lab's BIND for every DNS question: dns-01 validated against RFC 2136 updates. */
export const pebbleBind9 = defineComponent<PebbleInfo, { bind9: Bind9Info; nginx: NginxInfo }>({
  packages: {},
  needs: ['bind9', 'nginx'],
  start: (lab, { bind9, nginx }) => startPebble(lab, 'pebble-bind9', bind9.port, nginx),
});

/** A Pebble that asks the lab's PowerDNS for every DNS question: dns-01 validated against its HTTP API's changes. */
export const pebblePdns = defineComponent<PebbleInfo, { pdns: PdnsInfo; nginx: NginxInfo }>({
  packages: {},
  needs: ['pdns', 'nginx'],
  start: (lab, { pdns, nginx }) => startPebble(lab, 'pebble-pdns', pdns.port, nginx),
});
