import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { LocalTarget } from './local.js';
import type { Target } from './target.js';

/** Where trash copies live on every target that keeps them: `trash.dir`, else `<stateDir>/trash` made absolute. */
export function trashDir(config: Config): string {
  return config.trash.dir ?? resolve(config.stateDir, 'trash');
}

/** The name a copy records for the daemon's own machine (a database reached through a driver connection). */
export const DAEMON_MACHINE = '';
let daemonTarget: Target | undefined;

/** The target that holds a copy: a configured one, or the daemon's own machine. */
export function trashTarget(target: (name: string) => Target, name: string): Target {
  if (name !== DAEMON_MACHINE) return target(name);
  daemonTarget ??= new LocalTarget('daemon');
  return daemonTarget;
}
