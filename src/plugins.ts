import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Action } from './engine/action.js';
import { registerKind, type ResourceKind } from './resources/index.js';

/** What a plug-in module exports: kinds it adds, actions it adds, or both (named exports, or a default object with them). */
export interface PluginModule { kinds?: ResourceKind[]; actions?: Action[] }

/**
 * Loads the modules the config's `plugins` names (paths to .ts or .js ESM files): each
 * kind is registered with the resource registry, and the actions are returned for the
 * engine, beside the built-in ones. Playbooks using them go in the playbooks folder as
 * usual. A plug-in is a provider's own code, trusted like serein's.
 */
export async function loadPlugins(files: readonly string[], base = process.cwd()): Promise<Action[]> {
  const actions: Action[] = [];
  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(base, file);
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
