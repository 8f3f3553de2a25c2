/**
 * pdns: PowerDNS Authoritative (Debian's pdns-server) with the sqlite3 backend, its HTTP API on
 * 127.0.0.1 and DNS on 127.0.0.1 (udp+tcp). One zone, `pdns.test`, created through the API with SOA,
 * NS, CAA, A and AAAA; its NS name does not resolve on purpose (the lab listens on free ports, not 53).
 */
import { Resolver } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { defineComponent, findBinary, freePort } from '../shared.ts';

/** LabInfo['pdns']: where it answers DNS, its API and key, its zone. */
export interface PdnsInfo {
  host: string;
  port: number;
  /** e.g. http://127.0.0.1:PORT (the API is under /api/v1). */
  apiUrl: string;
  apiKey: string;
  /** Has SOA, NS, CAA (issue "pebble.letsencrypt.org"), A and www A/AAAA. */
  zone: string;
}

/** The DNS server the PowerDNS HTTP API provider is tested against, and Pebble's `pebblePdns` asks. */
export const pdns = defineComponent<PdnsInfo>({
  packages: {
    'pdns-server': ['/usr/sbin/pdns_server'],
    'pdns-backend-sqlite3': ['/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql'],
    sqlite3: ['/usr/bin/sqlite3'],
  },
  needs: [],
  async start(lab) {
    const dir = await lab.mkdir('pdns');
    const db = path.join(dir, 'pdns.db');
    const schema = await fsp.readFile('/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql', 'utf8');
    await lab.run('sqlite3', findBinary('sqlite3'), [db, schema]);
    const port = await freePort({ udp: true });
    const webPort = await freePort();
    const apiKey = randomBytes(16).toString('hex');
    await fsp.writeFile(
      path.join(dir, 'pdns.conf'),
      [
        'launch=gsqlite3',
        `gsqlite3-database=${db}`,
        `local-address=127.0.0.1:${port}`,
        'api=yes',
        `api-key=${apiKey}`,
        'webserver=yes',
        'webserver-address=127.0.0.1',
        `webserver-port=${webPort}`,
        'webserver-allow-from=127.0.0.0/8',
        `socket-dir=${dir}`,
        'guardian=no',
        'daemon=no',
        'disable-syslog=yes',
        'loglevel=4',
        '',
      ].join('\n'),
    );
    const proc = lab.spawn('pdns_server', findBinary('pdns_server'), [`--config-dir=${dir}`], { cwd: dir });
    const apiUrl = `http://127.0.0.1:${webPort}`;
    const headers = { 'X-API-Key': apiKey, 'content-type': 'application/json' };
    await lab.waitUntil(
      'pdns API',
      async () =>
        (await fetch(`${apiUrl}/api/v1/servers/localhost`, { headers, signal: AbortSignal.timeout(500) })).status ===
        200,
      proc,
    );
    const zone = 'pdns.test';
    const rr = (name: string, type: string, content: string) => ({
      name,
      type,
      ttl: 60,
      changetype: 'REPLACE',
      records: [{ content, disabled: false }],
    });
    const res = await fetch(`${apiUrl}/api/v1/servers/localhost/zones`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: `${zone}.`,
        kind: 'Native',
        nameservers: [],
        rrsets: [
          rr(`${zone}.`, 'SOA', `ns1.lab.invalid. hostmaster.${zone}. 1 3600 600 86400 60`),
          rr(`${zone}.`, 'NS', 'ns1.lab.invalid.'),
          rr(`${zone}.`, 'CAA', '0 issue "pebble.letsencrypt.org"'),
          rr(`${zone}.`, 'A', '127.0.0.1'),
          rr(`www.${zone}.`, 'A', '127.0.0.1'),
          rr(`www.${zone}.`, 'AAAA', '::1'),
        ],
      }),
    });
    if (res.status !== 201) throw new Error(`lab: pdns zone creation: HTTP ${res.status} ${await res.text()}`);
    const resolver = new Resolver({ timeout: 300, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    await lab.waitUntil(
      'pdns DNS',
      async () => (await resolver.resolve4(`www.${zone}`).catch((): string[] => [])).includes('127.0.0.1'),
      proc,
    );
    return { host: '127.0.0.1', port, apiUrl, apiKey, zone };
  },
});
