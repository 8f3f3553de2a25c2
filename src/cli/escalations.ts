import type { Command } from 'commander';
import { clientFrom } from './client.js';

/**
 * `serein escalations` and `serein escalation take|resolve|do ID`: the clients who are
 * stuck, from the terminal, with what was tried, the client's words and the operation to
 * run for them; "do" runs it on the tenant's behalf, as the page's button does.
 */
export function escalationCommands(program: Command): void {
  const api = (cmd: Command) => clientFrom(cmd.optsWithGlobals());

  program
    .command('escalations')
    .description('clients who are stuck (open and taken; --state resolved for the others)')
    .option('--state <state>', 'open, taken or resolved')
    .option('--json', 'machine-readable output')
    .action(async (o, cmd: Command) => {
      const q = o.state ? `?state=${encodeURIComponent(o.state)}` : '';
      const { escalations } = await api(cmd).request('GET', `/v1/escalations${q}`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(escalations, null, 2)}\n`);
        return;
      }
      if (!escalations.length) process.stdout.write('No client is stuck.\n');
      for (const e of escalations) {
        process.stdout.write(
          `${e.id}  ${e.state}${e.takenBy ? ` by ${e.takenBy}` : ''}  ${e.tenantId}: ${printable(e.summary)}\n`,
        );
        for (const s of e.signals)
          process.stdout.write(
            `  ${s.at}  ${printable(s.message)}${s.words ? `  "${printable(s.words.text)}"` : ''}\n`,
          );
        if (e.suggestion) process.stdout.write(`${suggestionLines(e)}\n`);
      }
    });

  const one = program.command('escalation').description('take, resolve, or do it for them');
  for (const verb of ['take', 'resolve'] as const) {
    one
      .command(`${verb} <id>`)
      .description(`${verb} the escalation`)
      .action(async (id: string, _o, cmd: Command) => {
        const { escalation: e } = await api(cmd).request('POST', `/v1/escalations/${encodeURIComponent(id)}/${verb}`);
        process.stdout.write(`${e.id}  ${e.state}${e.takenBy ? ` by ${e.takenBy}` : ''}\n`);
      });
  }
  one
    .command('do <id>')
    .description(
      "run the suggestion you reviewed with the tenant's rights (without --suggestion: show it, run nothing)",
    )
    .option('--suggestion <version>', 'the version the escalations list printed: a suggestion changed since is refused')
    .action(async (id: string, o: { suggestion?: string }, cmd: Command) => {
      const client = api(cmd);
      if (!o.suggestion) {
        // Nothing runs unseen: the suggestion is shown, with the exact command that runs it.
        const e = (await client.request('GET', '/v1/escalations')).escalations.find((x: { id: string }) => x.id === id);
        process.stdout.write(
          e?.suggestion ? `${suggestionLines(e)}\n` : `No open escalation ${id} with an operation to run.\n`,
        );
        process.exitCode = 2;
        return;
      }
      const answer = await client.request('POST', `/v1/escalations/${encodeURIComponent(id)}/do`, {
        suggestion: o.suggestion,
      });
      process.stdout.write(
        `started job ${answer.job.id} (${answer.job.playbook}) for ${answer.escalation.tenantId}, with their rights\n`,
      );
    });
}

/** A client's words on the admin's terminal: control characters (escape sequences, links, a cleared screen) shown as spaces. */
const printable = (text: string) => text.replace(/[\p{Cc}\u2028\u2029]/gu, ' ');

interface Shown {
  id: string;
  suggestion: { playbook: string; inputs: unknown; version: string; oneClick: boolean };
}

/** The suggestion as an admin reviews it, and how to run exactly it (or why it is not one click). */
function suggestionLines(e: Shown): string {
  const what = printable(`${e.suggestion.playbook} ${JSON.stringify(e.suggestion.inputs)}`);
  if (!e.suggestion.oneClick)
    return `  suggested: ${what}\n  it needs more than the client may do: if it is right, run it yourself, as yourself (serein run ${e.suggestion.playbook} -i ...)`;
  return `  do it for them, with their rights: serein escalation do ${e.id} --suggestion ${e.suggestion.version}   (${what})`;
}
