import type { Language } from '../errors.js';
import { certificateKind } from './certificate.js';
import { databaseKind } from './database.js';
import { domainKind } from './domain.js';
import { GENERIC_INPUT_TYPES, type InputType, type KindLabels, type ResourceKind } from './kind.js';
import { serverKind } from './server.js';
import { siteKind } from './site.js';

export type { InputContext, InputType, KindLabels, ResourceKind } from './kind.js';

/**
 * The resource registry: every kind of thing a tenant can own or use, in the order lists
 * show them. Built-in kinds are here; a plug-in adds its own with registerKind (see
 * src/plugins.ts), and the engine, the admin API and the CLI then know it like the others.
 */
export const builtinKinds: readonly ResourceKind[] = [domainKind, siteKind, databaseKind, certificateKind, serverKind];

const kinds = new Map<string, ResourceKind>();
const inputTypes = new Map<string, { input: InputType; kind: ResourceKind }>();
let version = 0;

/**
 * Adds a kind. Registering the same module twice (two daemons in one process) is a no-op;
 * a different kind or input type under a name already taken is refused.
 */
export function registerKind(k: ResourceKind): void {
  const existing = kinds.get(k.kind);
  if (existing === k) return;
  if (existing) throw new Error(`resource kind "${k.kind}" is already registered`);
  if (!/^[a-z][a-z0-9-]*$/.test(k.kind))
    throw new Error(`resource kind "${k.kind}": a kind is lower-case letters, digits and dashes`);
  for (const t of k.inputTypes) {
    if (GENERIC_INPUT_TYPES.includes(t.type) || inputTypes.has(t.type))
      throw new Error(`resource kind "${k.kind}": the input type "${t.type}" is already declared`);
  }
  kinds.set(k.kind, k);
  for (const t of k.inputTypes) inputTypes.set(t.type, { input: t, kind: k });
  version++;
}

for (const k of builtinKinds) registerKind(k);

/** Every kind, built-in first, in registration order. */
export function resourceKinds(): ResourceKind[] {
  return [...kinds.values()];
}

/** A kind by the name the store and API use (`vhost`, `domain`...). */
export function kindOf(kind: string): ResourceKind | undefined {
  return kinds.get(kind);
}

/** The input type a playbook names (`webserver`, `domains`...) and the kind whose rules it follows. */
export function inputTypeOf(type: string): { input: InputType; kind: ResourceKind } | undefined {
  return inputTypes.get(type);
}

/** Every input type the kinds declare, in registration order. */
export function kindInputTypes(): InputType[] {
  return [...inputTypes.values()].map((e) => e.input);
}

/** Changes whenever a kind is registered, for what is built from the registry (the playbook input schema). */
export function registryVersion(): number {
  return version;
}

/** A kind as GET /v1/resource-kinds describes it, labels in one language. */
export interface KindDescription {
  kind: string;
  label: KindLabels;
  /** Input types whose values name one of this kind: its own, then those it is named by. */
  inputTypes: string[];
  pick?: 'choose' | 'suggest';
  shared: boolean;
  /** Admins only: where the config declares them. */
  configSections?: string[];
}

export function describeKind(k: ResourceKind, language: Language, admin: boolean): KindDescription {
  return {
    kind: k.kind,
    label: k.labels[language],
    inputTypes: [...new Set([...k.inputTypes.map((t) => t.type), ...k.namedBy])],
    ...(k.pick ? { pick: k.pick } : {}),
    shared: k.shared,
    ...(admin ? { configSections: [...k.configSections] } : {}),
  };
}
