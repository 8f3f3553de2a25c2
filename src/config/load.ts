import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadYamlFile } from '../yaml-file.js';
import { configSchema, type Config } from './schema.js';

/** The config `npm start` uses when none is given: safe to run on a laptop. */
export const defaultConfigFile = resolve(dirname(fileURLToPath(import.meta.url)), '../../config.example.yaml');

/**
 * Loads and validates a config file. Relative paths inside it are taken from the
 * file's folder, so a daemon started from anywhere finds the same files.
 */
export function loadConfig(file: string = defaultConfigFile): Config {
  const config = loadYamlFile(file, configSchema);
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  if (config.store.driver === 'sqlite' && config.store.path !== ':memory:') config.store.path = abs(config.store.path);
  config.stateDir = abs(config.stateDir);
  config.playbooks = abs(config.playbooks);
  config.plugins = config.plugins.map(abs);
  if (config.mail?.auth?.passwordFile) config.mail.auth.passwordFile = abs(config.mail.auth.passwordFile);
  // Files read at each use, not at load: taken from the file's folder too, so a check of them looks where the daemon will.
  for (const db of Object.values(config.databases)) if (db.passwordFile) db.passwordFile = abs(db.passwordFile);
  for (const ca of config.acme.cas) if (ca.caBundle) ca.caBundle = abs(ca.caBundle);
  return config;
}
