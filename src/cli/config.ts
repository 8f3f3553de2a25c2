import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load.js';
import { YamlFileError } from '../yaml-file.js';

/** Loads the config named by --config (or `file`), or exits 2 with file, line and key. */
export function configOf(cmd: Command, file: string = cmd.optsWithGlobals().config) {
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof YamlFileError) {
      process.stderr.write(`serein: the configuration is not valid:\n${err.message}\n`);
      process.exit(2);
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(
        `serein: configuration file not found: ${file}\n  → Copy config.example.yaml and pass it with --config.\n`,
      );
      process.exit(2);
    }
    throw err;
  }
}

/** Keys whose values are secrets; `...File` and `...Path` keys name where a secret is, which is not one. */
const SECRET_KEY = /(password|token|secret|hmackey|apikey|privatekey)$/i;

const MASK = '********';

/** A URL with its password masked; webhooks keep only their origin (their path is often the secret). */
function maskUrl(text: string, originOnly: boolean): string {
  try {
    const url = new URL(text);
    if (originOnly) return `${url.origin}/${MASK}`;
    if (url.password) url.password = MASK;
    return url.toString();
  } catch {
    return text;
  }
}

/** A copy of the configuration fit to print: every secret replaced, so `config check` output can be pasted in a ticket. */
export function maskSecrets(value: unknown, key = '', parent = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key, parent));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k, key)]));
  }
  if (typeof value !== 'string') return value;
  if (SECRET_KEY.test(key)) return MASK;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? maskUrl(value, parent === 'webhooks' || key === 'webhooks') : value;
}

/** `serein config check [FILE]`: validates a configuration and shows what the daemon would run with. */
export function configCommands(program: Command): void {
  program
    .command('config')
    .description('the configuration file')
    .command('check [file]')
    .description(
      'validate a configuration file (default: --config) and print the effective configuration, defaults filled in and secrets masked',
    )
    .action((file: string | undefined, _o, cmd: Command) => {
      const path: string = file ?? cmd.optsWithGlobals().config;
      const config = configOf(cmd, path);
      process.stdout.write(
        `# ${path} is valid. What the daemon runs with (defaults filled in, paths made absolute, secrets masked):\n`,
      );
      process.stdout.write(stringify(maskSecrets(config)));
      process.stdout.write(
        `# The file only: serein check ${path} looks at the machine (folders, nginx, database servers, DNS keys, CAs).\n`,
      );
    });
}
