import { Command, Option } from 'commander';
import { defaultConfigFile } from '../config/load.js';
import { serveCommand } from './serve.js';
import { jobCommands } from './jobs.js';
import { adminCommands } from './admin.js';
import { playbookCommands } from './playbooks.js';
import { doctorCommand } from './doctor.js';
import { configCommands } from './config.js';
import { listCommands } from './lists.js';
import { escalationCommands } from './escalations.js';

/** Command modules; a new concern adds its register function here. */
const commands = [serveCommand, jobCommands, adminCommands, playbookCommands, doctorCommand, configCommands, listCommands, escalationCommands];

// Named as it is typed (README, demo, hints): npm does not put `serein` on the PATH.
const program = new Command('npx serein')
  .description('Safe one-click hosting operations: certificates, vhosts, databases.')
  .showHelpAfterError()
  .addOption(new Option('-c, --config <file>', 'configuration file').default(defaultConfigFile, 'config.example.yaml'));
for (const register of commands) register(program);

// `serein jobs | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`serein: ${(err as Error).message}\n`);
  process.exit(1);
}
