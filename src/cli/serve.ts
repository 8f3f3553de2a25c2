import type { Command } from 'commander';
import { startDaemon } from '../daemon.js';
import { configOf } from './config.js';

/** `serein serve`: the daemon itself; SIGTERM or Ctrl-C stops it cleanly. */
export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the daemon (HTTP API, job workers, schedules)')
    .action(async (_opts, cmd: Command) => {
      const config = configOf(cmd);
      const daemon = await startDaemon(config);
      if (daemon.firstAdminToken) {
        process.stdout.write(
          `\nFirst start: an admin token was created. It is shown only this once; store it now:\n\n  admin token: ${daemon.firstAdminToken}\n\n` +
            `Use it with: export SEREIN_URL=${daemon.url} SEREIN_TOKEN=<token>\n\n`,
        );
      }
      daemon.api.log.info({ url: daemon.url, playbooks: [...daemon.engine.playbooks.keys()] }, 'serein is ready');
      const shutdown = (signal: string) => {
        daemon.api.log.info({ signal }, 'stopping');
        const force = setTimeout(() => process.exit(1), 1800).unref();
        void daemon.stop().then(() => {
          clearTimeout(force);
          process.exit(0);
        });
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
}
