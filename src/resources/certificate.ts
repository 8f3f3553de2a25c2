import { recordKind } from './kind.js';

/**
 * A certificate, recorded under its site's primary name by certificate.issue and kept
 * by the renewal schedule. A client calls it what it gives them: a secure connection.
 */
export const certificateKind = recordKind({
  kind: 'certificate',
  labels: {
    en: { one: 'secure connection (HTTPS)', many: 'secure connections (HTTPS)', a: 'a secure connection (HTTPS)' },
    fr: {
      one: 'connexion sécurisée (HTTPS)',
      many: 'connexions sécurisées (HTTPS)',
      a: 'une connexion sécurisée (HTTPS)',
    },
  },
  configSections: ['acme'],
});
