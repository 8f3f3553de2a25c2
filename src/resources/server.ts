import { z } from 'zod';
import type { Localized } from '../errors.js';
import { configuredName, conflict, type InputType, type ResourceKind } from './kind.js';

/** An input naming a server configured in one section of the config. */
const serverInput = (type: string, configSection: string, what: Localized): InputType => ({
  type,
  configSection,
  options: { default: z.string().optional() },
  validate: (value, _spec, ctx) => configuredName(value, ctx, configSection, what),
});

/**
 * Servers (SSH or container targets, nginx web servers, database servers) are the
 * provider's and shared: many tenants are given the same one, which lets them run
 * operations on it. They are named in the config (targets, webservers, databases).
 */
export const serverKind: ResourceKind = {
  kind: 'server',
  labels: {
    en: { one: 'server', many: 'servers', a: 'a server' },
    fr: { one: 'serveur', many: 'serveurs', a: 'un serveur' },
  },
  configSections: ['targets', 'webservers', 'databases'],
  inputTypes: [
    serverInput('target', 'targets', { en: 'server', fr: 'un serveur' }),
    serverInput('webserver', 'webservers', { en: 'web server', fr: 'un serveur web' }),
    serverInput('database-server', 'databases', { en: 'database server', fr: 'un serveur de bases de données' }),
  ],
  namedBy: [],
  pick: 'choose',
  shared: true,
  key: (value) => value || undefined,
  owns: (tenants, tenantId, key) => tenants.mayUseServer(tenantId, key),
  async give(tenants, tenantId, name) {
    if (!(await tenants.grantServer(tenantId, name))) throw conflict(`server ${name} for ${tenantId}`);
    return { kind: 'server', name, tenantId, data: {}, createdAt: new Date().toISOString() };
  },
  take: (tenants, tenantId, name) => tenants.revokeServer(tenantId, name),
  list: (tenants, tenantId) => tenants.servers(tenantId),
};
