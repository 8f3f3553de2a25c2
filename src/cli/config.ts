import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { YamlFileError } from '../yaml-file.js';

/** Loads the config named by --config, or exits 2 with file, line and key. */
export function configOf(cmd: Command) {
  const file: string = cmd.optsWithGlobals().config;
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof YamlFileError) {
      process.stderr.write(`serein: the configuration is not valid:\n${err.message}\n`);
      process.exit(2);
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`serein: configuration file not found: ${file}\n  → Copy config.example.yaml and pass it with --config.\n`);
      process.exit(2);
    }
    throw err;
  }
}

