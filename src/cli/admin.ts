import type { Command } from 'commander';
import { Store } from '../store/store.js';
import { AdminService } from '../tenancy.js';
import { clientFrom } from './client.js';
import { configOf } from './config.js';
import { UsageError } from './exit.js';

/** The daemon named by --url / SEREIN_URL, with --token / SEREIN_TOKEN: admin commands go through its API like every other command. */
const api = (cmd: Command) => clientFrom(cmd.optsWithGlobals());

const enc = encodeURIComponent;

/**
 * Bootstrap only: makes an admin token on this machine's own store (the config file's),
 * without a daemon or a token, audited as `local`. Everything else goes through the API.
 */
async function localAdminToken(cmd: Command, label: string): Promise<{ id: string; token: string; where: string }> {
  const config = configOf(cmd);
  const store = await Store.open(config.store);
  try {
    const created = await new AdminService(store).createToken(
      { kind: 'admin', tenantId: null, tokenId: null, via: 'local' },
      { kind: 'admin', label: label || 'local bootstrap' },
    );
    return {
      ...created,
      where: config.store.driver === 'sqlite' ? config.store.path : 'the configured PostgreSQL store',
    };
  } finally {
    await store.close();
  }
}

const showToken = (t: { id: string; token: string }) =>
  process.stdout.write(`token id: ${t.id}\ntoken:    ${t.token}\n(shown once: store it now)\n`);

/** `serein token ...` and `serein tenant ...`: admin changes, through the daemon's API (audited there). */
export function adminCommands(program: Command): void {
  const token = program.command('token').description('API tokens (shown once, stored hashed)');
  token
    .command('create')
    .description('create an admin token, or a client token for one tenant')
    .option('--admin', 'an admin token')
    .option('--tenant <id>', 'a client token for this tenant')
    .option('--label <text>', 'what it is for', '')
    .option(
      '--local',
      "bootstrap: make an admin token on this machine's own store (the config file's), without a daemon",
    )
    .action(async (o, cmd: Command) => {
      if (!!o.admin === !!o.tenant) throw new UsageError('give exactly one of --admin or --tenant ID');
      if (o.local) {
        if (!o.admin)
          throw new UsageError(
            '--local only makes admin tokens, to bootstrap or recover; create client tokens through the daemon (SEREIN_URL, SEREIN_TOKEN)',
          );
        const t = await localAdminToken(cmd, o.label);
        showToken(t);
        process.stdout.write(`(made on the local store ${t.where}, not through a daemon)\n`);
        return;
      }
      const client = api(cmd);
      showToken(
        await client.request(
          'POST',
          '/v1/tokens',
          o.admin ? { kind: 'admin', label: o.label } : { kind: 'client', tenantId: o.tenant, label: o.label },
        ),
      );
    });
  token
    .command('revoke <id>')
    .description('revoke a token')
    .action(async (id: string, _o, cmd: Command) => {
      await api(cmd).request('DELETE', `/v1/tokens/${enc(id)}`);
      process.stdout.write(`revoked ${id}\n`);
    });
  token
    .command('list')
    .description('list tokens (never their values)')
    .action(async (_o, cmd: Command) => {
      const { tokens } = await api(cmd).request('GET', '/v1/tokens');
      if (!tokens.length)
        process.stdout.write('No tokens yet: serein token create --admin, or --tenant ID for a client.\n');
      for (const t of tokens)
        process.stdout.write(
          `${t.id}  ${t.kind.padEnd(6)} ${(t.tenantId ?? '-').padEnd(16)} ${t.revokedAt ? 'revoked' : 'active '}  ${t.label}\n`,
        );
    });

  const tenant = program.command('tenant').description('tenants and what they own');
  tenant
    .command('create <id>')
    .description('register a tenant on the daemon')
    .requiredOption('--name <name>', 'display name')
    .option('--language <en|fr>', 'language of their messages', 'en')
    .option('--email <address>', 'where they are emailed when something needs them (config mail)')
    .action(async (id: string, o, cmd: Command) => {
      const client = api(cmd);
      await client.request('POST', '/v1/tenants', {
        id,
        name: o.name,
        language: o.language,
        ...(o.email ? { email: o.email } : {}),
      });
      process.stdout.write(`tenant ${id} created on ${client.base}\n`);
    });
  tenant
    .command('give <id> <kind> <name>')
    .description('give a tenant a domain, server or other resource (GET /v1/resource-kinds lists the kinds)')
    .action(async (id: string, kind: string, name: string, _o, cmd: Command) => {
      const { resource: r } = await api(cmd).request('POST', `/v1/tenants/${enc(id)}/resources`, { kind, name });
      process.stdout.write(
        r.kind === 'server' ? `${id} may now use server ${r.name}\n` : `${r.kind} ${r.name} now belongs to ${id}\n`,
      );
    });
  tenant
    .command('take <id> <kind> <name>')
    .description('take a resource away from a tenant (changes nothing on servers)')
    .action(async (id: string, kind: string, name: string, _o, cmd: Command) => {
      await api(cmd).request('DELETE', `/v1/tenants/${enc(id)}/resources/${enc(kind)}/${enc(name)}`);
      process.stdout.write(`${kind} ${name} taken from ${id}\n`);
    });
  tenant.command('list').action(async (_o, cmd: Command) => {
    const { tenants } = await api(cmd).request('GET', '/v1/tenants');
    if (!tenants.length) process.stdout.write('No tenants yet: serein tenant create ID --name NAME adds one.\n');
    for (const t of tenants)
      process.stdout.write(`${t.id.padEnd(16)} ${t.language}  ${t.name}${t.email ? `  <${t.email}>` : ''}\n`);
  });
}
