// @ts-check
// "Recent operations": the tenant's last requests, each with its status and, on demand, its outcome.

import { byId, clear, h } from '../dom.js';
import { readFinished } from '../follow.js';
import { formatDate, t } from '../i18n/index.js';
import { siteOf } from '../site-state.js';
import { state, TERMINAL } from '../state.js';
import { whatDone } from './sites.js';
import { problemBox, renderOutcome } from './outcome.js';

/** @typedef {import('../types.js').Job} Job */

/** Lists the tenant's requests, newest first: what was done, not what was only checked. */
export function renderJobs(/** @type {Job[]} */ all) {
  const box = clear(byId('jobs'));
  const jobs = all.filter((j) => !j.dryRun).slice(0, 20);
  if (!jobs.length) {
    box.append(h('p', { class: 'empty', text: t('noJobs') }));
    return;
  }
  box.append(
    h(
      'ul',
      { class: 'jobs' },
      jobs.map((job) => jobItem(job, whatFor(job))),
    ),
  );
}

/** The operation's title and the site it was for ("Get a certificate — for shop.example.com"). */
function whatFor(/** @type {Job} */ job) {
  const title = state.playbooks.find((p) => p.name === job.playbook)?.title ?? whatDone(job);
  const site = siteOf(job);
  return site ? `${title} — ${t('forSite', { name: site })}` : title;
}

/** One request: title, status in words, "check only", when; Details reads its outcome once opened. */
function jobItem(/** @type {Job} */ job, /** @type {string} */ title) {
  const detail = h('div', { class: 'job-detail', id: `job-${job.id}`, hidden: true });
  const toggle = h('button', {
    type: 'button',
    class: 'quiet',
    'aria-expanded': 'false',
    'aria-controls': `job-${job.id}`,
    text: t('show'),
  });
  toggle.addEventListener('click', async () => {
    const open = toggle.getAttribute('aria-expanded') === 'true';
    toggle.setAttribute('aria-expanded', String(!open));
    toggle.textContent = open ? t('show') : t('hide');
    detail.hidden = open;
    if (open) return;
    try {
      const full = TERMINAL.includes(job.status) ? await readFinished(job.id) : job;
      renderOutcome(detail, full, null);
    } catch (err) {
      clear(detail).append(problemBox(err));
    }
  });
  return h(
    'li',
    { class: `job st-${job.status}` },
    h(
      'div',
      { class: 'job-row' },
      h('span', { class: 'job-title', text: title }),
      h('span', { class: `badge st-${job.status}`, text: t(`status_${job.status}`) }),
      h('time', { class: 'muted', datetime: job.createdAt, text: formatDate(job.createdAt) }),
      toggle,
    ),
    detail,
  );
}
