import { TENANT_ID_PATTERN } from '../tenant-id.js';
import { invalidDatabaseName, invalidTenant } from './errors.js';

/**
 * SQL names and literals built from request values. Identifiers go through two locks: a
 * strict pattern (lower-case letters, digits, underscores, starting with a letter) and
 * quoting; literals that cannot be bound as parameters (CREATE USER passwords, MariaDB
 * host names, any value sent through a command-line client) must use a small alphabet
 * that needs no escaping at all. Anything else is refused, never escaped.
 */

export type Engine = 'mariadb' | 'postgres';

/** Longest database or user name: MySQL's user-name limit (32) is the smallest of the three engines. */
export const MAX_NAME = 32;
const IDENT = /^[a-z][a-z0-9_]*$/;
/** What may appear inside a quoted literal without any escaping in either SQL dialect or client. */
const LITERAL = /^[A-Za-z0-9_.%:-]*$/;

/** The short name a tenant asks for: the database is then `<tenant>_<name>`. */
export const SHORT_NAME_PATTERN = '^[a-z][a-z0-9_]{0,14}$';

const badName = (name: string, why: { en: string; fr: string }) => invalidDatabaseName(name, why, MAX_NAME);

/** Refuses any name that is not a plain SQL identifier, with a message a client understands. */
export function checkIdentifier(name: string): string {
  if (typeof name !== 'string' || name.length === 0)
    throw badName(String(name), { en: 'it is empty.', fr: 'il est vide.' });
  if (name.length > MAX_NAME)
    throw badName(name, { en: `it is longer than ${MAX_NAME} characters.`, fr: `il dépasse ${MAX_NAME} caractères.` });
  if (!IDENT.test(name)) {
    throw badName(name, {
      en: 'only lower-case letters, digits and underscores are allowed, starting with a letter.',
      fr: 'seuls les minuscules, chiffres et soulignés sont permis, en commençant par une lettre.',
    });
  }
  return name;
}

/**
 * The database (and user) name of a tenant's database: `<tenant>_<name>`, checked.
 * A tenant id never holds `_` (TENANT_ID_PATTERN), so the first `_` ends the tenant part
 * and no two (tenant, name) pairs give one name (`ac` + `e_shop`, `ac_e` + `shop`). Any
 * other id is refused, whatever let it into the store.
 */
export function tenantDatabaseName(tenantId: string, name: string): string {
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw invalidTenant(tenantId);
  }
  if (!new RegExp(SHORT_NAME_PATTERN).test(name)) {
    throw badName(name, {
      en: 'a name is at most 15 characters: lower-case letters, digits and underscores, starting with a letter.',
      fr: 'un nom fait 15 caractères au plus : minuscules, chiffres et soulignés, en commençant par une lettre.',
    });
  }
  return checkIdentifier(`${tenantId}_${name}`);
}

/** A checked identifier, quoted for the engine: `name` for MariaDB, "name" for PostgreSQL. */
export function quoteIdent(engine: Engine, name: string): string {
  checkIdentifier(name);
  return engine === 'mariadb' ? `\`${name}\`` : `"${name}"`;
}

/**
 * A database name as the object of a MariaDB/MySQL database-level GRANT. There `_` and
 * `%` are wildcards (`ac_e_shop` also matches `acme_shop`, another tenant's database),
 * so each is backslash-escaped and the grant covers this one database only. Use it for
 * every `GRANT/REVOKE ... ON db.*`; everywhere else the name is quoted as it is.
 */
export function mariadbGrantDatabase(name: string): string {
  checkIdentifier(name);
  return `\`${name.replace(/[_%]/g, (c) => `\\${c}`)}\``;
}

/**
 * A string literal for values that cannot be bound as parameters. The value must use
 * the letters, digits and `_ . % : -` only, so the quotes can never be closed from
 * inside and no escaping rule (backslashes differ between engines and settings) matters.
 */
export function sqlLiteral(value: string): string {
  if (!LITERAL.test(value))
    throw new TypeError(
      `refusing to inline ${JSON.stringify(value.slice(0, 3))}... as an SQL literal: characters outside [A-Za-z0-9_.%:-]`,
    );
  return `'${value}'`;
}

/** MariaDB account host patterns from the config: the same strict alphabet as literals, not empty. */
export function checkHost(host: string): string {
  if (!host || !LITERAL.test(host))
    throw new TypeError(`allowedHosts: ${JSON.stringify(host)} is not a host name, address or % pattern`);
  return host;
}

/** `'user'@'host'` for MariaDB account statements. */
export function mariadbAccount(user: string, host: string): string {
  return `${sqlLiteral(checkIdentifier(user))}@${sqlLiteral(checkHost(host))}`;
}
