// @ts-check
// The signed-in page as a whole, answering "is everything fine?" first: one sentence on
// top, then the sites with their state, the databases, what else can be done, the doctor
// and the history.

import { api } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { useRegistry } from '../kinds.js';
import { siteStates } from '../site-state.js';
import { state } from '../state.js';
import { renderJobs } from './jobs.js';
import { loadPlaybooks } from './operations.js';
import { problemBox } from './outcome.js';
import { renderDatabases, renderResources } from './resources.js';
import { renderEscalations } from './escalations.js';
import { renderNotices } from './notices.js';
import { renderSites } from './sites.js';

/** @typedef {import('../types.js').Job} Job */
/** @typedef {import('../types.js').Certificate} Certificate */

/** Reads and draws everything the signed-in page shows, at once (after signing in, switching language, or an operation). */
export async function loadAll() {
  await Promise.all([loadPlaybooks(), loadKinds()]);
  await loadHome();
}

/** The kinds' labels in the page's language, from the server's registry; if it cannot be read, lists show kind names. */
async function loadKinds() {
  try {
    useRegistry((await api('GET', '/v1/resource-kinds')).kinds);
  } catch {
    // The home still shows; a heading reads "domain" instead of "Domains" until the next load.
  }
}

/** Reads the resources, certificates and requests (every one on the tenant's things, whoever made it), then draws the home. */
export async function loadHome() {
  try {
    /** @type {[{ resources: import('../types.js').Resource[] }, { certificates: Certificate[] }, { jobs: Job[] }]} */
    const [{ resources }, { certificates }, { jobs }] = await Promise.all([api('GET', '/v1/resources'), api('GET', '/v1/certificates'), api('GET', '/v1/jobs?limit=100')]);
    state.resources = resources;
    const sites = siteStates(resources, certificates, jobs);
    renderSummary(sites);
    renderSites(sites, loadHome);
    renderDatabases();
    renderResources();
    renderJobs(jobs);
    // What serein told the client, and (admins) the clients who are stuck: each on its own, never failing the home.
    await Promise.all([renderNotices(), renderEscalations()]);
  } catch (err) {
    clear(byId('summary')).append(problemBox(err));
  }
}

/** The answer to "is everything fine?", in one sentence and a note. */
function renderSummary(/** @type {import('../site-state.js').SiteState[]} */ sites) {
  const box = clear(byId('summary'));
  const problems = sites.filter((s) => s.state === 'problem').length;
  const notSecure = sites.filter((s) => s.state === 'notSecure').length;
  const [tone, title, note] = !sites.length
    ? ['st-none', t('summaryEmpty'), '']
    : problems
      ? ['st-problem', t('summaryProblem'), t('summaryProblemNote')]
      : notSecure
        ? ['st-notSecure', t(notSecure > 1 ? 'summaryNotSecureMany' : 'summaryNotSecure', { count: notSecure }), t('summaryNotSecureNote')]
        : ['st-secure', t('summaryFine'), t('summaryFineNote')];
  box.className = `summary-box ${tone}`;
  box.append(h('p', { class: 'summary-title', text: title }));
  if (note) box.append(h('p', { text: note }));
}
