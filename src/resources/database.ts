import { recordKind } from './kind.js';

/**
 * A database and its own user, recorded by database.create as `<server>:<tenant>_<name>`.
 * Playbooks name it by its server (a `database-server` input, the server kind's rule)
 * and the name the client gave; the tenant part is always the caller's own.
 */
export const databaseKind = recordKind({
  kind: 'database',
  labels: {
    en: { one: 'database', many: 'databases', a: 'a database' },
    fr: { one: 'base de données', many: 'bases de données', a: 'une base de données' },
  },
  configSections: ['databases'],
});
