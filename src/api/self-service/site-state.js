// @ts-check
// What the home says of each site, worked out from what the API lists: its certificate,
// the requests on it (whoever made them: an admin's count too), and what can be done.
// Pure: no DOM, no fetch, so the rules read in one place.

/** @typedef {import('./types.js').Resource} Resource */
/** @typedef {import('./types.js').Certificate} Certificate */
/** @typedef {import('./types.js').Job} Job */

/** The operations that are buttons on a site rather than forms of their own. */
export const SITE_OPERATIONS = Object.freeze(['certificate.issue', 'certificate.renew', 'dns.fix']);

/**
 * @typedef {object} SiteState One site, as the home shows it.
 * @property {string} name
 * @property {string[]} names Its main name first, then its other names (what "Secure my site" asks for).
 * @property {'secure' | 'notSecure' | 'problem' | 'working'} state
 * @property {Certificate | undefined} certificate The one served now.
 * @property {Job | undefined} failed The request that failed last, when nothing has worked since.
 * @property {boolean} renewalFailing The certificate is still good but its renewal failed.
 * @property {Job[]} history Its requests, newest first, checks left out.
 */

/** The site a request worked on: its lock names it ("vhost:<name>", "dns:<name>"), or its inputs do. */
export function siteOf(/** @type {Job} */ job) {
  const m = /^(?:vhost|dns):(.+)$/.exec(job.resource ?? '');
  if (m) return m[1];
  const inputs = job.inputs ?? {};
  const first = Array.isArray(inputs.domains) ? inputs.domains[0] : (inputs.site ?? inputs.domain);
  return typeof first === 'string' ? first : undefined;
}

/**
 * Each site's state. Checks (dry runs) are not history and never a failure; a failure
 * counts only until something on the site worked after it.
 * @param {Resource[]} resources
 * @param {Certificate[]} certificates active ones
 * @param {Job[]} jobs newest first
 * @returns {SiteState[]}
 */
export function siteStates(resources, certificates, jobs) {
  const real = jobs.filter((j) => !j.dryRun);
  return resources
    .filter((r) => r.kind === 'vhost')
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((site) => {
      const d = site.data ?? {};
      const aliases = Array.isArray(d.aliases) ? d.aliases.map(String) : [];
      const history = real.filter((j) => siteOf(j) === site.name);
      const certificate = certificates.find((c) => c.name === site.name && c.status === 'active');
      const busy = history.some((j) => j.status === 'queued' || j.status === 'running');
      const latest = history.find(
        (j) => j.status !== 'queued' && j.status !== 'running' && j.playbook !== 'vhost.create',
      );
      const failed = latest && latest.status !== 'succeeded' ? latest : undefined;
      const renewalFailing =
        !!certificate && (certificate.renewalFailures > 0 || failed?.playbook === 'certificate.renew');
      /** @type {SiteState['state']} */
      let state = certificate ? 'secure' : 'notSecure';
      if (failed || renewalFailing) state = 'problem';
      if (busy) state = 'working';
      return { name: site.name, names: [site.name, ...aliases], state, certificate, failed, renewalFailing, history };
    });
}

/** Whether a failure is one the DNS repair may end (what the checks found before asking anything). */
export function dnsRepairable(/** @type {Job | undefined} */ job) {
  return job?.error?.code === 'preflight_failed';
}
