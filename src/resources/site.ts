import { domainKey } from './domain.js';
import { recordKind } from './kind.js';

/**
 * A site (an nginx vhost), named by its primary domain and recorded by vhost.create on
 * the web server named in its data. Playbooks name a site with a `domain` input, whose
 * ownership is the domain's; the record is its tenant's.
 */
export const siteKind = recordKind({
  kind: 'vhost',
  labels: { en: { one: 'site', many: 'sites', a: 'a site' }, fr: { one: 'site', many: 'sites', a: 'un site' } },
  configSections: ['webservers'],
  namedBy: ['domain'],
  pick: 'suggest',
  key: domainKey,
});
