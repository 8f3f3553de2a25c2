import { describe, expect, it } from 'vitest';
import { clientError, inlineParams, mariadbOptionValue, pgpassLine } from '../src/db/client.js';
import {
  checkIdentifier,
  mariadbGrantDatabase,
  quoteIdent,
  sqlLiteral,
  tenantDatabaseName,
} from '../src/db/identifiers.js';
import { creationChanges, removalStatements } from '../src/db/provision.js';
import { generatePassword, PASSWORD_ALPHABET } from '../src/secrets.js';
import { BAD_NAMES } from './helpers/db-names.js';

/**
 * The SQL serein writes, without a server: names and literals refused or quoted, passwords
 * that need no escaping, the statements per server version, and the clients' own syntax
 * and errors. test/database.test.ts runs them on the lab's MariaDB and PostgreSQL.
 */
describe('identifiers, literals and SQL', () => {
  it('accepts plain names only, and quotes them', () => {
    expect(tenantDatabaseName('acme', 'shop')).toBe('acme_shop');
    for (const bad of BAD_NAMES)
      expect(() => tenantDatabaseName('acme', bad), JSON.stringify(bad)).toThrow(/cannot be used as a database name/);
    // A tenant id never holds `_`, so `<tenant>_<name>` has one reading: `ac_e` + `shop` cannot become `ac` + `e_shop`.
    for (const bad of ['ac_e', 'a', 'Acme', 'a'.repeat(17), ''])
      expect(() => tenantDatabaseName(bad, 'shop'), bad).toThrow(/not set up for databases/);
    expect(mariadbGrantDatabase('ac_e_shop')).toBe('`ac\\_e\\_shop`');
    expect(() => mariadbGrantDatabase('a%b')).toThrow(/cannot be used as a database name/);
    expect(() => checkIdentifier('a'.repeat(33))).toThrow(/longer than 32/);
    expect(quoteIdent('mariadb', 'acme_shop')).toBe('`acme_shop`');
    expect(quoteIdent('postgres', 'acme_shop')).toBe('"acme_shop"');
    expect(() => quoteIdent('postgres', 'a"b')).toThrow();
    expect(sqlLiteral('127.0.0.1')).toBe("'127.0.0.1'");
    for (const bad of ["a'b", 'a\\b', 'a b', 'a;b', 'a"b', 'a\nb']) expect(() => sqlLiteral(bad)).toThrow();
    expect(inlineParams('SELECT ? + ?', ['a_b', '1'])).toBe("SELECT 'a_b' + '1'");
    expect(() => inlineParams('SELECT ?', ["x' OR '1"])).toThrow();
  });

  it('generates long passwords that need no escaping, and builds the version-specific SQL', () => {
    const pw = generatePassword();
    expect(pw).toHaveLength(32);
    expect([...pw].every((c) => PASSWORD_ALPHABET.includes(c))).toBe(true);
    const maria = creationChanges(
      { engine: 'mariadb', database: 'acme_shop', user: 'acme_shop', hosts: ['localhost', '127.0.0.1'] },
      { flavor: 'mariadb', major: 10, minor: 11, text: '' },
      pw,
      { adminIsSuperuser: true },
    );
    expect(maria.map((c) => c.sql)).toEqual([
      'CREATE DATABASE `acme_shop` CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci',
      `CREATE USER 'acme_shop'@'localhost' IDENTIFIED BY '${pw}'`,
      `CREATE USER 'acme_shop'@'127.0.0.1' IDENTIFIED BY '${pw}'`,
      "GRANT ALL PRIVILEGES ON `acme\\_shop`.* TO 'acme_shop'@'localhost'", // `_` is a wildcard in grants: escaped
      "GRANT ALL PRIVILEGES ON `acme\\_shop`.* TO 'acme_shop'@'127.0.0.1'",
    ]);
    const mysql8 = creationChanges(
      { engine: 'mariadb', database: 'a_b', user: 'a_b', hosts: ['%'] },
      { flavor: 'mysql', major: 8, minor: 0, text: '' },
      pw,
      { adminIsSuperuser: true },
    );
    expect(mysql8[0].sql).toContain('utf8mb4_0900_ai_ci');
    expect(mysql8.some((c) => /IDENTIFIED BY/.test(c.sql) && /GRANT/.test(c.sql))).toBe(false); // removed in MySQL 8
    const pg = creationChanges(
      { engine: 'postgres', database: 'acme_shop', user: 'acme_shop', hosts: [] },
      { flavor: 'postgres', major: 15, minor: 4, text: '' },
      pw,
      { adminIsSuperuser: false },
    );
    expect(pg.map((c) => c.sql)).toEqual([
      `CREATE ROLE "acme_shop" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '${pw}'`,
      'GRANT "acme_shop" TO CURRENT_USER',
      `CREATE DATABASE "acme_shop" OWNER "acme_shop" TEMPLATE template0 ENCODING 'UTF8'`,
      'REVOKE CONNECT, TEMPORARY ON DATABASE "acme_shop" FROM PUBLIC',
    ]);
    expect(
      removalStatements(
        { engine: 'postgres', database: 'acme_shop', user: 'acme_shop', hosts: [] },
        { flavor: 'postgres', major: 12, minor: 0, text: '' },
      ),
    ).toEqual(['DROP DATABASE IF EXISTS "acme_shop"', 'DROP ROLE IF EXISTS "acme_shop"']);
    expect(() =>
      creationChanges(
        { engine: 'postgres', database: 'a_b', user: 'a_b', hosts: [] },
        { flavor: 'postgres', major: 15, minor: 0, text: '' },
        "x'; DROP ROLE postgres; --xxxxxxxxxxxxxxx",
        { adminIsSuperuser: true },
      ),
    ).toThrow();
  });

  it('hands admin passwords to clients in their own syntax, and reads their errors', () => {
    expect(mariadbOptionValue('a"b\\c')).toBe('a\\"b\\\\c');
    expect(pgpassLine('a:b\\c')).toBe('*:*:*:*:a\\:b\\\\c');
    expect(() => pgpassLine('a\nb')).toThrow();
    expect(clientError("ERROR 1044 (42000) at line 1: Access denied for user 'x'@'localhost' to database 'y'")).toEqual(
      { code: '1044', message: "Access denied for user 'x'@'localhost' to database 'y'" },
    );
    expect(clientError('psql:<stdin>:1: ERROR:  permission denied to create database')).toEqual({
      message: 'permission denied to create database',
    });
  });
});
