import { Command, CommanderError, Option } from 'commander';
import { defaultConfigFile } from '../config/load.js';
import { version } from '../version.js';
import { YamlFileError } from '../yaml-file.js';
import { checkCommand } from './check.js';
import { ApiError, UnreachableError } from './client.js';
import { CliError, EXIT, EXIT_HELP, UsageError } from './exit.js';
import { serveCommand } from './serve.js';
import { jobCommands } from './jobs.js';
import { adminCommands } from './admin.js';
import { playbookCommands } from './playbooks.js';
import { doctorCommand } from './doctor.js';
import { configCommands } from './config.js';
import { listCommands } from './lists.js';
import { escalationCommands } from './escalations.js';

/** Command modules; a new concern adds its register function here. */
const commands = [
  serveCommand,
  jobCommands,
  adminCommands,
  playbookCommands,
  doctorCommand,
  configCommands,
  checkCommand,
  listCommands,
  escalationCommands,
];

// Named as it is typed (README, demo, hints): the install puts `serein` on the PATH (README, Install).
const program = new Command('serein')
  .description('Safe one-click hosting operations: certificates, vhosts, databases.')
  .version(version, '-V, --version', 'print the version')
  .addOption(new Option('-c, --config <file>', 'configuration file').default(defaultConfigFile, 'config.example.yaml'))
  .addHelpText('after', EXIT_HELP);
for (const register of commands) register(program);

/** The full name a command is typed with ("serein tenant give"), for pointers to its help. */
const typed = (cmd: Command): string => (cmd.parent ? `${typed(cmd.parent)} ${cmd.name()}` : cmd.name());

/** Every command, its subcommands included. */
const everyCommand = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(everyCommand)];

// A mistyped command gets its one-line error and where to read how, not the whole help.
for (const cmd of everyCommand(program))
  cmd.showHelpAfterError(`(${typed(cmd)} --help shows how to use it)`).exitOverride();

/** The command a usage error was made in (the deepest one named on the command line), for its --help pointer. */
function commandOf(args: string[]): Command {
  let cmd = program;
  for (const a of args) {
    const next = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (next) cmd = next;
  }
  return cmd;
}

// `serein jobs | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Commander has printed its own error (or the help, or the version) already.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  process.stderr.write(`serein: ${(err as Error).message}\n`);
  if (err instanceof UsageError)
    process.stderr.write(`(${typed(commandOf(process.argv.slice(2)))} --help shows how to use it)\n`);
  if (err instanceof YamlFileError) process.exit(EXIT.refused);
  if (err instanceof ApiError) process.exit(err.status >= 500 ? EXIT.usage : EXIT.refused);
  if (err instanceof UnreachableError) process.exit(EXIT.unreachable);
  process.exit(err instanceof CliError ? err.code : EXIT.usage);
}
