import type { Command } from 'commander';
import { builtinActions } from '../actions/index.js';
import { loadPlaybooks, playbookJsonSchema } from '../engine/playbook.js';
import { loadPlugins } from '../plugins.js';
import { configOf } from './config.js';

/** `serein playbooks`: check a folder of playbooks, or print the JSON Schema editors use. */
export function playbookCommands(program: Command): void {
  const pb = program.command('playbooks').description('operations declared in playbook files');
  pb.command('check [dir]')
    .description('validate every playbook (default: the configured folder); errors name file, line and field')
    .action(async (dir: string | undefined, _o, cmd: Command) => {
      const config = configOf(cmd);
      const actions = [...builtinActions, ...(await loadPlugins(config.plugins))]; // a plug-in's playbooks check like built-in ones
      const loaded = loadPlaybooks(dir ?? config.playbooks, new Map(actions.map((a) => [a.name, a])));
      // A playbook without words still runs: say what it misses (playbooks/<name>.words.yaml).
      const bare = '  (no words file: named by its title, never asked for in words)';
      for (const p of loaded.values())
        process.stdout.write(`ok  ${p.name.padEnd(22)} ${p.title.en}${p.words ? '' : bare}\n`);
    });
  pb.command('schema')
    .description('print the JSON Schema of playbook files (kept as playbooks/playbook.schema.json)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(playbookJsonSchema(builtinActions.map((a) => a.name)), null, 2)}\n`);
    });
}
