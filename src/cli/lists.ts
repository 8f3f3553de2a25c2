import { Option, type Command } from 'commander';
import { clientFrom } from './client.js';

/** Prints every item of a paged API list, following its pages (one JSON array with --json); `empty` when there is none. */
async function printAll(
  items: AsyncGenerator<any>,
  json: boolean,
  line: (item: any) => string,
  empty: string,
): Promise<void> {
  if (!json) {
    let shown = 0;
    for await (const item of items) {
      shown++;
      process.stdout.write(`${line(item)}\n`);
    }
    if (!shown) process.stdout.write(`${empty}\n`);
    return;
  }
  const all = [];
  for await (const item of items) all.push(item);
  process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
}

/** One paged list of the API as a command: what it asks, which filters it passes on, how an item reads on a line. */
interface PagedList {
  name: string;
  description: string;
  /** The list's address and the field of each page holding its items. */
  path: string;
  items: string;
  /** Options passed on as query parameters of the same name, when given: [flags, help]. */
  filters: [flags: string, help: string][];
  line: (item: any) => string;
  /** Said when the list is empty: without filters, and with some. */
  empty: { none: string; filtered: string };
}

/** Adds a command that reads a paged list to its end (or --limit), the filters given sent as query parameters. */
function pagedListCommand(program: Command, list: PagedList): void {
  const cmd = program.command(list.name).description(list.description);
  const filters = list.filters.map(([flags, help]) => new Option(flags, help));
  for (const f of filters) cmd.addOption(f);
  cmd
    .option('--limit <n>', 'show at most this many', (v: string) => Number.parseInt(v, 10))
    .option('--json', 'machine-readable output')
    .action(async (o, c: Command) => {
      const given = filters.map((f) => f.attributeName()).filter((k) => o[k]);
      const q = new URLSearchParams({ limit: '1000', ...Object.fromEntries(given.map((k) => [k, o[k]])) });
      await printAll(
        clientFrom(c.optsWithGlobals()).pages(`${list.path}?${q}`, list.items, o.limit ?? Infinity),
        !!o.json,
        list.line,
        given.length ? list.empty.filtered : list.empty.none,
      );
    });
}

/**
 * `serein certificates`, `serein audit`, `serein alerts`: the API's paged lists, read to
 * the end by following each page's `next` cursor, so a fleet of any size is listed whole.
 */
export function listCommands(program: Command): void {
  pagedListCommand(program, {
    name: 'certificates',
    description: 'certificates, newest first (every page; never keys)',
    path: '/v1/certificates',
    items: 'certificates',
    filters: [
      ['--status <status>', 'active (default), replaced, pending, abandoned, retired or all'],
      ['--name <name>', "one site's certificates"],
    ],
    empty: {
      none: 'No active certificates: serein run certificate.issue -i domains=NAME gets one (--status all lists the others).',
      filtered: 'No certificate matches.',
    },
    line: (c) => `${c.notAfter}  ${c.status.padEnd(9)} ${c.name.padEnd(32)} ${c.ca.padEnd(12)} ${c.id}`,
  });

  pagedListCommand(program, {
    name: 'audit',
    description: 'the audit trail, oldest first (every page)',
    path: '/v1/audit',
    items: 'entries',
    filters: [
      ['--action <action>', 'only this action'],
      ['--since <time>', 'only entries at or after this ISO time'],
    ],
    empty: { none: 'The audit trail is empty: nothing has been changed yet.', filtered: 'No audit entry matches.' },
    line: (e) => `${e.at}  ${e.result.padEnd(10)} ${e.action.padEnd(28)} ${e.subject ?? ''}`,
  });

  pagedListCommand(program, {
    name: 'alerts',
    description: 'the admin feed, oldest first (every page)',
    path: '/v1/alerts',
    items: 'alerts',
    filters: [['--kind <kind>', 'only this kind']],
    empty: { none: 'No alerts: nothing has needed an admin.', filtered: 'No alert of that kind.' },
    line: (a) => `${a.at}  ${a.kind.padEnd(28)} ${a.message}`,
  });
}
