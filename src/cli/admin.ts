import type { Command } from 'commander';
import { Store } from '../store/store.js';
import { giveResource } from '../tenancy.js';
import { tenantIdProblem } from '../tenant-id.js';
import { configOf } from './config.js';

/** Opens the configured store directly: token and tenant commands work even when no admin token is left. */
async function withStore<T>(cmd: Command, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open(configOf(cmd).store);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `serein token ...` and `serein tenant ...`: bootstrap and recovery, run on the daemon's machine. */
export function adminCommands(program: Command): void {
  const token = program.command('token').description('API tokens (shown once, stored hashed)');
  token
    .command('create')
    .description('create an admin token, or a client token for one tenant')
    .option('--admin', 'an admin token')
    .option('--tenant <id>', 'a client token for this tenant')
    .option('--label <text>', 'what it is for', '')
    .action(async (o, cmd: Command) => {
      if (!!o.admin === !!o.tenant) throw new Error('give exactly one of --admin or --tenant ID');
      await withStore(cmd, async (store) => {
        if (o.tenant && !(await store.tenants.get(o.tenant))) throw new Error(`no tenant "${o.tenant}"; create it with: serein tenant create ${o.tenant} --name ...`);
        const t = await store.tokens.create(o.admin ? 'admin' : 'client', o.tenant ?? null, o.label);
        await store.audit.append({ tokenId: null, tenantId: o.tenant ?? null, action: 'token.create', subject: t.id, inputs: { kind: o.admin ? 'admin' : 'client', via: 'cli' }, plan: undefined, result: 'succeeded', detail: undefined });
        process.stdout.write(`token id: ${t.id}\ntoken:    ${t.token}\n(shown once: store it now)\n`);
      });
    });
  token
    .command('revoke <id>')
    .description('revoke a token')
    .action(async (id: string, _o, cmd: Command) => {
      await withStore(cmd, async (store) => {
        if (!(await store.tokens.revoke(id))) throw new Error(`no active token with id ${id}`);
        await store.audit.append({ tokenId: null, tenantId: null, action: 'token.revoke', subject: id, inputs: { via: 'cli' }, plan: undefined, result: 'succeeded', detail: undefined });
        process.stdout.write(`revoked ${id}\n`);
      });
    });
  token
    .command('list')
    .description('list tokens (never their values)')
    .action(async (_o, cmd: Command) => {
      await withStore(cmd, async (store) => {
        for (const t of await store.tokens.list()) process.stdout.write(`${t.id}  ${t.kind.padEnd(6)} ${(t.tenantId ?? '-').padEnd(16)} ${t.revokedAt ? 'revoked' : 'active '}  ${t.label}\n`);
      });
    });

  const tenant = program.command('tenant').description('tenants and what they own');
  tenant
    .command('create <id>')
    .requiredOption('--name <name>', 'display name')
    .option('--language <en|fr>', 'language of their messages', 'en')
    .action(async (id: string, o, cmd: Command) => {
      const problem = tenantIdProblem(id);
      if (problem) throw new Error(problem);
      if (!['en', 'fr'].includes(o.language)) throw new Error('--language is en or fr');
      await withStore(cmd, async (store) => {
        await store.tenants.create({ id, name: o.name, language: o.language });
        process.stdout.write(`tenant ${id} created\n`);
      });
    });
  tenant
    .command('give <id> <kind> <name>')
    .description('give a tenant a domain, server or other resource (kind: domain, server, vhost, database)')
    .action(async (id: string, kind: string, name: string, _o, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const r = await giveResource(store, id, { kind, name });
        await store.audit.append({ tokenId: null, tenantId: id, action: 'resource.add', subject: `${r.kind}:${r.name}`, inputs: { kind, name, via: 'cli' }, plan: undefined, result: 'succeeded', detail: undefined });
        process.stdout.write(r.kind === 'server' ? `${id} may now use server ${r.name}\n` : `${r.kind} ${r.name} now belongs to ${id}\n`);
      });
    });
  tenant
    .command('list')
    .action(async (_o, cmd: Command) => {
      await withStore(cmd, async (store) => {
        for (const t of await store.tenants.list()) process.stdout.write(`${t.id.padEnd(16)} ${t.language}  ${t.name}\n`);
      });
    });
}
