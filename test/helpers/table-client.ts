/**
 * The client the blind tables' writers were given (two sites, two domains, three databases on
 * MariaDB and PostgreSQL), and reading a text for it with the engine alone, no daemon: the
 * tests of phrasing families read their own sentences as the tables' rows are read.
 */
import { requestClassifier } from '../../src/requests/classifier.js';
import { understand, type ClientThings } from '../../src/requests/understand.js';

/** The tables' client (bench/requests-eval.ts reads a table without its own client for this one). */
export const tableClient: ClientThings = {
  sites: ['boutique.fr', 'blog.exemple.fr'],
  domains: ['boutique.fr', 'exemple.fr'],
  webservers: ['main'],
  databaseServers: ['maria', 'pg'],
  databaseEngines: { maria: 'mariadb', pg: 'postgres' },
  databases: [
    { name: 'boutique_wp', server: 'maria' },
    { name: 'clients', server: 'pg' },
    { name: 'test_old', server: 'maria' },
  ],
};

/** What the engine understands of `text` from the tables' client. */
export const readForTableClient = (text: string, language: 'en' | 'fr' = 'en') =>
  understand(requestClassifier(), text, tableClient, { language });
