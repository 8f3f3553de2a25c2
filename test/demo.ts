// `npm run demo [-- --port N]`: the first step of the README's tour. Starts the lab (Pebble
// as the CA, its DNS, nginx, MariaDB) and a daemon wired to it, with the web server `main`
// and the database server `maria` the tour uses; shows one client's secured site; prints
// the client page's address with a client token, and the commands to paste.
// test/tour.test.ts runs every command printed here, so what it prints must keep working.
// Ctrl-C stops everything and removes every temporary file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema } from '../src/config/schema.js';
import { ListenError, startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { startLab } from './lab/lab.js';
import { labCertConfig } from './helpers/acme-lab.js';
import { labNginxArgv } from './helpers/vhost-lab.js';
import { until } from './helpers/until.js';

const { values: args } = parseArgs({ options: { port: { type: 'string' } } });
/**
 * Not `npm start`'s 8080: the demo's daemon is its own (its lab, store and token), so both
 * run side by side; when 8090 is taken too, any free port (the export line below names it).
 */
const DEMO_PORT = 8090;
const port = args.port === undefined ? DEMO_PORT : Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port: a port number (0 for any free one), not "${args.port}"\n`);
  process.exit(2);
}

const say = (text: string) => process.stdout.write(`${text}\n`);

say('Starting the lab on loopback: Pebble (a local ACME CA), its DNS server, nginx and MariaDB...');
const lab = await startLab(['pebble', 'mariadb']);
const dir = mkdtempSync(join(tmpdir(), 'serein-demo-'));
const maria = lab.mariadb!;
const passwordFile = join(dir, 'maria.password');
writeFileSync(passwordFile, `${maria.password}\n`, { mode: 0o600 });
const { webservers, ...certParts } = labCertConfig(lab, dir) as { webservers: Record<string, unknown> };
const config = configSchema.parse({
  ...certParts,
  server: { host: '127.0.0.1', port },
  store: { driver: 'sqlite', path: join(dir, 'serein.db') },
  log: { level: 'warn' },
  // The names the README's tour uses: `-i webserver=main`, `-i server=maria`.
  webservers: { main: webservers.lab },
  databases: { maria: { engine: 'mariadb', host: maria.host, port: maria.port, user: maria.user, passwordFile } },
});

let stopping = false;
const stopLab = async () => {
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
};
const start = (port: number) =>
  startDaemon({ ...config, server: { ...config.server, port } }, { logger: createLogger('warn') });
const daemon = await start(port)
  .catch((err: Error) => {
    if (!(err instanceof ListenError) || args.port !== undefined) throw err;
    say(`Port ${port} is taken (by another serein?): the demo's daemon listens on a free port instead.`);
    return start(0);
  })
  .catch(async (err: Error) => {
    const why =
      err instanceof ListenError
        ? `the demo cannot listen on 127.0.0.1:${err.port} (${err.cause.code ?? err.cause.message})`
        : err.message;
    process.stderr.write(
      `serein demo: ${why}\n  → Pick another port for the demo: npm run demo -- --port 0 (any free port)\n`,
    );
    await stopLab();
    process.exit(1);
  });
const token = daemon.firstAdminToken!;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await daemon.stop();
  await stopLab();
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
  return until(
    async () => {
      const now = (await api('GET', `/v1/jobs/${job.id}`)).job;
      return ['succeeded', 'failed', 'needs-attention'].includes(now.status) && now;
    },
    300_000,
    `${playbook} to end`,
  );
}

const site = 'shop.serein.test';
say('Registering a client "demo" who owns serein.test and may use the web server "main"...');
await api('POST', '/v1/tenants', { id: 'demo', name: 'Demo Ltd', language: 'en' });
await api('POST', '/v1/tenants/demo/resources', { kind: 'domain', name: 'serein.test' });
await api('POST', '/v1/tenants/demo/resources', { kind: 'server', name: 'main' });
const client = await api('POST', '/v1/tokens', { kind: 'client', tenantId: 'demo', label: 'demo client' });
say(`Creating its site ${site} on the lab's nginx (vhost.create)...`);
const vhost = await run('vhost.create', { webserver: 'main', domain: site, aliases: [] });
say(`  ${vhost.status}${vhost.error ? `: ${vhost.error.message}` : ''}`);
say(`Securing it with a certificate from Pebble (certificate.issue)...`);
const started = performance.now();
const cert = await run('certificate.issue', { domains: [site] });
say(
  `  ${cert.status} in ${((performance.now() - started) / 1000).toFixed(1)} s${cert.error ? `: ${cert.error.message}` : ''}`,
);

const n = lab.nginx!;
say(`
serein is running at ${daemon.url}, wired to the lab:
  CA       Pebble ${lab.pebble!.directoryUrl}
  DNS      challtestsrv 127.0.0.1:${lab.dns!.port} (every name points to 127.0.0.1)
  nginx    http://127.0.0.1:${n.port}  https://127.0.0.1:${n.tlsPort}  (web server "main")
  MariaDB  ${maria.host}:${maria.port}  (database server "maria")

The client page: ${daemon.url}/
  sign in with the client token of "demo": ${client.token}

In another terminal, in this folder, paste:
  export SEREIN_URL=${daemon.url} SEREIN_TOKEN=${token}
then follow the tour in README.md ("A short tour"), or try:
  serein doctor blog.serein.test
  serein run vhost.create -i webserver=main -i domain=blog.serein.test
  serein run certificate.issue -i domains=blog.serein.test
  curl -sk --resolve ${site}:${n.tlsPort}:127.0.0.1 https://${site}:${n.tlsPort}/.well-known/serein-probe -o /dev/null -w '%{http_code}\\n'
  ${labNginxArgv(lab).join(' ')} -t

As the client "demo" (sees only its own domains and jobs):
  SEREIN_TOKEN=${client.token} serein jobs
  SEREIN_TOKEN=${client.token} serein doctor ${site}

Ctrl-C stops the daemon and the lab and removes every temporary file.`);
