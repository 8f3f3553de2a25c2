/**
 * dns: pebble-challtestsrv, a DNS server for tests on 127.0.0.1 (udp+tcp) that answers 127.0.0.1 for
 * every name (no AAAA), with a management API to add records (A, AAAA, CAA, TXT).
 */
import { Resolver } from 'node:dns/promises';
import * as path from 'node:path';
import { defineComponent, findBinary, freePort, httpRequest } from '../shared.ts';

/** LabInfo['dns']: where to resolve, and where to add records. */
export interface DnsInfo {
  host: string;
  port: number;
  /** Management API (POST JSON /add-a, /add-aaaa, /add-caa, /set-txt, /clear-txt, ...). */
  managementUrl: string;
}

/** The DNS server Pebble resolves through, and tests' stand-in for a domain's real DNS. */
export const dns = defineComponent<DnsInfo>({
  packages: { pebble: ['/usr/bin/pebble-challtestsrv'] },
  needs: [],
  async start(lab) {
    const bin = findBinary('pebble-challtestsrv');
    await lab.mkdir('dns');
    const port = await freePort({ udp: true });
    const mport = await freePort();
    const proc = lab.spawn(
      'pebble-challtestsrv',
      bin,
      [
        '-dns01',
        `127.0.0.1:${port}`,
        '-http01',
        '',
        '-https01',
        '',
        '-tlsalpn01',
        '',
        '-management',
        `127.0.0.1:${mport}`,
        '-defaultIPv4',
        '127.0.0.1',
        '-defaultIPv6',
        '',
      ],
      { cwd: path.join(lab.dir, 'dns') },
    );
    const managementUrl = `http://127.0.0.1:${mport}`;
    await lab.waitUntil(
      'pebble-challtestsrv management API',
      async () => (await httpRequest(`${managementUrl}/`, { timeoutMs: 500 })).status > 0,
      proc,
    );
    const resolver = new Resolver({ timeout: 300, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    await lab.waitUntil(
      'pebble-challtestsrv DNS',
      async () => (await resolver.resolve4('lab-ready.serein.test')).includes('127.0.0.1'),
      proc,
    );
    return { host: '127.0.0.1', port, managementUrl };
  },
});
