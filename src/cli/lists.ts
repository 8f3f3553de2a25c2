import type { Command } from 'commander';
import { clientFrom } from './client.js';

/** Prints every item of a paged API list, following its pages (one JSON array with --json). */
async function printAll(items: AsyncGenerator<any>, json: boolean, line: (item: any) => string): Promise<void> {
  if (!json) {
    for await (const item of items) process.stdout.write(`${line(item)}\n`);
    return;
  }
  const all = [];
  for await (const item of items) all.push(item);
  process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
}

/**
 * `serein certificates`, `serein audit`, `serein alerts`: the API's paged lists, read to
 * the end by following each page's `next` cursor, so a fleet of any size is listed whole.
 */
export function listCommands(program: Command): void {
  const api = (cmd: Command) => clientFrom(cmd.optsWithGlobals());
  const limitOption = (v: string) => Number.parseInt(v, 10);

  program
    .command('certificates')
    .description('certificates, newest first (every page; never keys)')
    .option('--status <status>', 'active (default), replaced, pending, abandoned or all')
    .option('--name <name>', "one site's certificates")
    .option('--limit <n>', 'show at most this many', limitOption)
    .option('--json', 'machine-readable output')
    .action(async (o, cmd: Command) => {
      const q = new URLSearchParams({ limit: '1000', ...(o.status ? { status: o.status } : {}), ...(o.name ? { name: o.name } : {}) });
      await printAll(api(cmd).pages(`/v1/certificates?${q}`, 'certificates', o.limit ?? Infinity), !!o.json, (c) => `${c.notAfter}  ${c.status.padEnd(9)} ${c.name.padEnd(32)} ${c.ca.padEnd(12)} ${c.id}`);
    });

  program
    .command('audit')
    .description('the audit trail, oldest first (every page)')
    .option('--action <action>', 'only this action')
    .option('--since <time>', 'only entries at or after this ISO time')
    .option('--limit <n>', 'show at most this many', limitOption)
    .option('--json', 'machine-readable output')
    .action(async (o, cmd: Command) => {
      const q = new URLSearchParams({ limit: '1000', ...(o.action ? { action: o.action } : {}), ...(o.since ? { since: o.since } : {}) });
      await printAll(api(cmd).pages(`/v1/audit?${q}`, 'entries', o.limit ?? Infinity), !!o.json, (e) => `${e.at}  ${e.result.padEnd(10)} ${e.action.padEnd(28)} ${e.subject ?? ''}`);
    });

  program
    .command('alerts')
    .description('the admin feed, oldest first (every page)')
    .option('--kind <kind>', 'only this kind')
    .option('--limit <n>', 'show at most this many', limitOption)
    .option('--json', 'machine-readable output')
    .action(async (o, cmd: Command) => {
      const q = new URLSearchParams({ limit: '1000', ...(o.kind ? { kind: o.kind } : {}) });
      await printAll(api(cmd).pages(`/v1/alerts?${q}`, 'alerts', o.limit ?? Infinity), !!o.json, (a) => `${a.at}  ${a.kind.padEnd(28)} ${a.message}`);
    });
}
