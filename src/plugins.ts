import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Action } from './engine/action.js';
import { registerKind, type ResourceKind } from './resources/index.js';

/** What a plug-in module exports: kinds it adds, actions it adds, or both (named exports, or a default object with them). */
export interface PluginModule {
  kinds?: ResourceKind[];
  actions?: Action[];
}

/**
 * Loads the modules the config's `plugins` names (paths to .ts or .js ESM files): each
 * kind is registered with the resource registry, and the actions are returned for the
 * engine, beside the built-in ones. Playbooks using them go in the playbooks folder as
 * usual. A plug-in is a provider's own code, trusted like serein's: one that anyone else
 * could change is refused (trustedFile), and the daemon does not start.
 */
export async function loadPlugins(files: readonly string[], base = process.cwd()): Promise<Action[]> {
  const actions: Action[] = [];
  for (const file of files) {
    const path = await trustedFile(isAbsolute(file) ? file : resolve(base, file));
    let mod: PluginModule & { default?: PluginModule };
    try {
      mod = await import(pathToFileURL(path).href);
    } catch (err) {
      throw new Error(`plug-in ${path} could not be loaded: ${(err as Error).message}`);
    }
    const exported = { ...mod.default, ...mod };
    if (!exported.kinds && !exported.actions) throw new Error(`plug-in ${path} exports neither "kinds" nor "actions"`);
    for (const k of exported.kinds ?? []) registerKind(k);
    actions.push(...(exported.actions ?? []));
  }
  return actions;
}

/**
 * The plug-in's real path (links followed), once it and every folder up to / are shown to
 * be changeable by root and serein's own user only, as sshd's StrictModes asks of keys:
 * serein runs a plug-in as root, so whoever could write it, or rename anything on its
 * path, could run code as root. A folder others may write is allowed when it is sticky
 * (/tmp): there only an entry's owner, checked here too, can rename it. What is loaded
 * is the path checked.
 */
export async function trustedFile(path: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    throw new Error(`plug-in ${path} could not be loaded: ${(err as Error).message}`);
  }
  const me = process.getuid?.() ?? 0;
  for (let p = real; ; p = dirname(p)) {
    const s = await stat(p);
    const what = p === real ? `plug-in ${real}` : `the folder ${p}, on the path of plug-in ${real},`;
    const why = 'serein runs plug-ins as root and loads none that another user could change';
    if (s.uid !== 0 && s.uid !== me)
      throw new Error(`${what} belongs to user ${s.uid}: ${why}. Fix: chown root ${shellWord(p)}`);
    if (s.mode & 0o022 && !(s.isDirectory() && s.mode & 0o1000)) {
      throw new Error(
        `${what} can be changed by other users (mode ${(s.mode & 0o7777).toString(8)}): ${why}. Fix: chmod go-w ${shellWord(p)}`,
      );
    }
    if (dirname(p) === p) return real;
  }
}

/** A path as a shell reads it back, for the fix an admin copies. */
const shellWord = (p: string) => (/^[\w./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);
