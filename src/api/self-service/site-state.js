// @ts-check
// What the home says of each site, worked out from what the API lists: its certificate,
// the requests on it (whoever made them: an admin's count too), and what can be done.
// Pure: no DOM, no fetch, so the rules read in one place.

/** @typedef {import('./types.js').Resource} Resource */
/** @typedef {import('./types.js').Certificate} Certificate */
/** @typedef {import('./types.js').Job} Job */

/** The file access (SFTP) operations: buttons in a site's card, each in its own words. */
export const SFTP_OPERATIONS = Object.freeze(['sftp.create', 'sftp.reset', 'sftp.delete']);

/** The operations that are buttons on a site rather than forms of their own. */
export const SITE_OPERATIONS = Object.freeze(['certificate.issue', 'certificate.renew', 'dns.fix', ...SFTP_OPERATIONS]);

/**
 * @typedef {object} SiteState One site, as the home shows it.
 * @property {string} name
 * @property {string[]} names Its main name first, then its other names (what "Secure my site" asks for).
 * @property {'secure' | 'notSecure' | 'problem' | 'working'} state
 * @property {Certificate | undefined} certificate The one served now.
 * @property {Job | undefined} failed The request that failed last, when nothing has worked since.
 * @property {boolean} renewalFailing The certificate is still good but its renewal failed.
 * @property {Job[]} history Its requests, newest first, checks left out.
 * @property {'open' | 'closed' | 'legacy' | 'none'} sftp Its file access (SFTP): open, not open, not possible
 *   because the site was made before sites had a user of their own, or none to have (it forwards to an application).
 * @property {Job | undefined} sftpDone The last file access request that worked (its result names the server and port).
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
      // File access is the card's own part: its failure is said there, not as a problem of the site.
      const latest = history.find(
        (j) =>
          j.status !== 'queued' &&
          j.status !== 'running' &&
          j.playbook !== 'vhost.create' &&
          !SFTP_OPERATIONS.includes(j.playbook),
      );
      const failed = latest && latest.status !== 'succeeded' ? latest : undefined;
      const renewalFailing =
        !!certificate && (certificate.renewalFailures > 0 || failed?.playbook === 'certificate.renew');
      /** @type {SiteState['state']} */
      let state = certificate ? 'secure' : 'notSecure';
      if (failed || renewalFailing) state = 'problem';
      if (busy) state = 'working';
      const sftpDone = history.find(
        (j) => (j.playbook === 'sftp.create' || j.playbook === 'sftp.reset') && j.status === 'succeeded',
      );
      return {
        name: site.name,
        names: [site.name, ...aliases],
        state,
        certificate,
        failed,
        renewalFailing,
        history,
        sftp: sftpState(site, resources),
        sftpDone,
      };
    });
}

/**
 * A site's file access: a site forwarding to an application has no folder to reach; one
 * made before sites had their own system user ("legacy") cannot have it until it is moved.
 * @param {Resource} site
 * @param {Resource[]} resources
 * @returns {SiteState['sftp']}
 */
function sftpState(site, resources) {
  const d = site.data ?? {};
  if (!d.root || d.upstream) return 'none';
  if (typeof d.user !== 'string' || !d.user) return 'legacy';
  return resources.some((r) => r.kind === 'sftp' && r.name === site.name) ? 'open' : 'closed';
}

/** Whether a failure is one the DNS repair may end (what the checks found before asking anything). */
export function dnsRepairable(/** @type {Job | undefined} */ job) {
  return job?.error?.code === 'preflight_failed';
}
