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
import { bySite, isOpen, loadConversations, needsClient, renderConversations } from './conversations.js';
import { renderEscalations } from './escalations.js';
import { renderSites } from './sites.js';
import { renderTrashAndUsage } from './trash.js';

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
    /** @type {[{ resources: import('../types.js').Resource[] }, { certificates: Certificate[] }, { jobs: Job[] }, import('./conversations.js').Conversation[]]} */
    const [{ resources }, { certificates }, { jobs }, conversations] = await Promise.all([
      api('GET', '/v1/resources'),
      api('GET', '/v1/certificates'),
      api('GET', '/v1/jobs?limit=100'),
      loadConversations(),
    ]);
    state.resources = resources;
    const sites = siteStates(resources, certificates, jobs);
    const talks = bySite(
      conversations,
      sites.map((s) => s.name),
    );
    // A site whose renewal needs a change from the client is not "secure, nothing to do".
    for (const s of sites) {
      const talk = talks.get(s.name);
      if (s.state === 'secure' && talk && needsClient(talk)) s.state = 'problem';
    }
    renderSummary(sites, conversations.filter(isOpen));
    renderSites(sites, loadHome, talks);
    renderConversations(conversations, new Set([...talks.values()].map((c) => c.id)));
    renderDatabases();
    renderResources();
    await renderTrashAndUsage();
    renderJobs(jobs);
    // (Admins) the clients who are stuck: on its own, never failing the home.
    await renderEscalations();
  } catch (err) {
    clear(byId('summary')).append(problemBox(err));
  }
}

/**
 * The answer to "is everything fine?", in one sentence and a note: "nothing to do" only
 * when no conversation is open; one the team handles says so.
 * @param {import('../site-state.js').SiteState[]} sites
 * @param {import('./conversations.js').Conversation[]} open
 */
function renderSummary(sites, open) {
  const box = clear(byId('summary'));
  const problems =
    sites.filter((s) => s.state === 'problem').length +
    open.filter((c) => needsClient(c) && !sites.some((s) => s.name === c.name)).length;
  const notSecure = sites.filter((s) => s.state === 'notSecure').length;
  const [tone, title, note] =
    !sites.length && !open.length
      ? ['st-none', t('summaryEmpty'), '']
      : problems
        ? ['st-problem', t('summaryProblem'), t('summaryProblemNote')]
        : notSecure
          ? [
              'st-notSecure',
              t(notSecure > 1 ? 'summaryNotSecureMany' : 'summaryNotSecure', { count: notSecure }),
              t('summaryNotSecureNote'),
            ]
          : open.length
            ? ['st-working', t('summaryTeam'), t('summaryTeamNote')]
            : ['st-secure', t('summaryFine'), t('summaryFineNote')];
  box.className = `summary-box ${tone}`;
  box.append(h('p', { class: 'summary-title', text: title }));
  if (note) box.append(h('p', { text: note }));
}
