// `npm run demo`: the lab (Pebble, DNS, nginx) and a daemon wired to it, then a real site
// and certificate created through the API, so a newcomer sees serein work in a minute.
// Ctrl-C stops everything and removes every temporary file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../src/config/schema.js';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { startLab } from './lab/lab.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { freePort } from './helpers/process.js';

const say = (text: string) => process.stdout.write(`${text}\n`);

say('Starting the lab: Pebble (a local ACME CA), its DNS server and nginx, on loopback...');
const lab = await startLab(['pebble']);
const dir = mkdtempSync(join(tmpdir(), 'serein-demo-'));
const port = (await fetch('http://127.0.0.1:8080/healthz').then(() => false, () => true)) ? 8080 : await freePort();
const config = configSchema.parse({
  ...labCertConfig(lab, dir),
  server: { host: '127.0.0.1', port },
  store: { driver: 'sqlite', path: join(dir, 'serein.db') },
  log: { level: 'warn' },
});
const daemon = await startDaemon(config, { logger: createLogger('warn') });
const token = daemon.firstAdminToken!;

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await daemon.stop();
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${daemon.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json();
}

async function run(playbook: string, inputs: Record<string, unknown>): Promise<any> {
  const { job } = await api('POST', '/v1/jobs', { playbook, inputs });
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const now = (await api('GET', `/v1/jobs/${job.id}`)).job;
    if (['succeeded', 'failed', 'needs-attention'].includes(now.status)) return now;
    await new Promise((r) => setTimeout(r, delay));
  }
}

const site = 'shop.serein.test';
say('\nRegistering a tenant "demo" who owns serein.test and may use the web server "lab"...');
await api('POST', '/v1/tenants', { id: 'demo', name: 'Demo Ltd', language: 'en' });
await api('POST', '/v1/tenants/demo/resources', { kind: 'domain', name: 'serein.test' });
await api('POST', '/v1/tenants/demo/resources', { kind: 'server', name: 'lab' });
const client = await api('POST', '/v1/tokens', { kind: 'client', tenantId: 'demo', label: 'demo client' });
say(`\nCreating the site ${site} on the lab's nginx (vhost.create)...`);
const vhost = await run('vhost.create', { webserver: 'lab', domain: site, aliases: [] });
say(`  ${vhost.status}: ${JSON.stringify(vhost.result ?? vhost.error)}`);
say(`Issuing its certificate from Pebble (certificate.issue)...`);
const started = performance.now();
const cert = await run('certificate.issue', { domains: [site] });
say(`  ${cert.status} in ${((performance.now() - started) / 1000).toFixed(2)} s: ${JSON.stringify(cert.result ?? cert.error)}`);

say(`
serein is running at ${daemon.url}, wired to the lab:
  CA       Pebble ${lab.pebble!.directoryUrl}
  DNS      challtestsrv 127.0.0.1:${lab.dns!.port} (every *.test name points to 127.0.0.1)
  nginx    http://127.0.0.1:${lab.nginx!.port}  https://127.0.0.1:${lab.nginx!.tlsPort}

Try it (in another terminal):
  export SEREIN_URL=${daemon.url} SEREIN_TOKEN=${token}
  curl -sk --resolve ${site}:${lab.nginx!.tlsPort}:127.0.0.1 https://${site}:${lab.nginx!.tlsPort}/.well-known/serein-probe -o /dev/null -w '%{http_code}\\n'
  node bin/serein.js doctor blog.serein.test
  node bin/serein.js run vhost.create -i webserver=lab -i domain=blog.serein.test --dry-run
  node bin/serein.js run certificate.issue -i domains=blog.serein.test
  node bin/serein.js jobs

As the client "demo" (sees only its own domains and jobs):
  SEREIN_TOKEN=${client.token} node bin/serein.js jobs
  SEREIN_TOKEN=${client.token} node bin/serein.js doctor shop.serein.test

Ctrl-C stops the daemon and the lab and removes every temporary file.`);
