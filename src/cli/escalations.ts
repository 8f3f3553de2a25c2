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
        process.stdout.write(`${e.id}  ${e.state}${e.takenBy ? ` by ${e.takenBy}` : ''}  ${e.tenantId}: ${e.summary}\n`);
        for (const s of e.signals) process.stdout.write(`  ${s.at}  ${s.message}${s.words ? `  "${s.words.text}"` : ''}\n`);
        if (e.suggestion) process.stdout.write(`  do it for them: npx serein escalation do ${e.id}   (${e.suggestion.playbook} ${JSON.stringify(e.suggestion.inputs)})\n`);
      }
    });

  const one = program.command('escalation').description('take, resolve, or do it for them');
  for (const verb of ['take', 'resolve', 'do'] as const) {
    one
      .command(`${verb} <id>`)
      .description(verb === 'do' ? "run the suggested operation on the tenant's behalf" : `${verb} the escalation`)
      .action(async (id: string, _o, cmd: Command) => {
        const answer = await api(cmd).request('POST', `/v1/escalations/${encodeURIComponent(id)}/${verb}`);
        const e = answer.escalation;
        process.stdout.write(verb === 'do' ? `started job ${answer.job.id} (${answer.job.playbook}) for ${e.tenantId}\n` : `${e.id}  ${e.state}${e.takenBy ? ` by ${e.takenBy}` : ''}\n`);
      });
  }
}
