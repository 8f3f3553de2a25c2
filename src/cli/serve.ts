import type { Command } from 'commander';
import { ListenError, startDaemon } from '../daemon.js';
import { checkAtStart } from './check.js';
import { configOf, maskSecrets } from './config.js';

/**
 * Said on every start until an admin token has been used once: whoever lost the first
 * one (a busy terminal, a journal rotated away) learns how to make another.
 */
export function bootstrapHint(cmd: Command): string {
  const file: string | undefined =
    cmd.getOptionValueSourceWithGlobals('config') === 'default' ? undefined : cmd.optsWithGlobals().config;
  return (
    `No admin token has been used yet. If you do not have one, make one on this machine:\n\n` +
    `  serein token create --admin --local${file ? ` --config ${file}` : ''}\n\n`
  );
}

/** `serein serve`: the daemon itself; SIGTERM or Ctrl-C stops it cleanly. */
export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the daemon (HTTP API, job workers, schedules)')
    .action(async (_opts, cmd: Command) => {
      const config = configOf(cmd);
      const daemon = await startDaemon(config).catch((err: unknown) => {
        if (!(err instanceof ListenError)) throw err;
        process.stderr.write(`serein: ${err.message}\n`);
        process.exit(1);
      });
      if (daemon.firstAdminToken) {
        process.stdout.write(
          `\nFirst start: an admin token was created. It is shown only this once; store it now:\n\n  admin token: ${daemon.firstAdminToken}\n\n` +
            `Use it with: export SEREIN_URL=${daemon.url} SEREIN_TOKEN=<token>\n\n`,
        );
      } else if (daemon.adminNeverUsed) process.stdout.write(bootstrapHint(cmd));
      daemon.api.log.info({ url: daemon.url, playbooks: [...daemon.engine.playbooks.keys()] }, 'serein is ready');
      // The machine, not only the file: each problem is a warning with its fix, and the daemon runs on (a database server down is said, not fatal).
      const { services } = daemon.engine;
      void checkAtStart(services, services.logger).catch((err: unknown) =>
        services.logger.warn({ err }, 'the machine check could not run'),
      );
      // What it runs with, for whoever debugs a start; `serein config check` prints the same on demand.
      daemon.api.log.debug({ config: maskSecrets(config) }, 'effective configuration');
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
