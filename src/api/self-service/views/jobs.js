// @ts-check
// "Recent operations": the tenant's last requests, each with its status and, on demand, its outcome.

import { api } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { readFinished } from '../follow.js';
import { formatDate, t } from '../i18n/index.js';
import { state, TERMINAL } from '../state.js';
import { problemBox, renderOutcome } from './outcome.js';

/** @typedef {import('../types.js').Job} Job */

/** Reads the tenant's 20 last requests and lists them, newest first. */
export async function loadJobs() {
  const box = byId('jobs');
  /** @type {Job[]} */
  let jobs;
  try {
    ({ jobs } = await api('GET', '/v1/jobs?limit=20'));
  } catch (err) {
    clear(box).append(problemBox(err));
    return;
  }
  clear(box);
  if (!jobs.length) {
    box.append(h('p', { class: 'empty', text: t('noJobs') }));
    return;
  }
  const titles = new Map(state.playbooks.map((p) => [p.name, p.title]));
  box.append(h('ul', { class: 'jobs' }, jobs.map((job) => jobItem(job, titles.get(job.playbook) ?? job.playbook))));
}

/** One request: title, status in words, "check only", when; Details reads its outcome once opened. */
function jobItem(/** @type {Job} */ job, /** @type {string} */ title) {
  const detail = h('div', { class: 'job-detail', id: `job-${job.id}`, hidden: true });
  const toggle = h('button', { type: 'button', class: 'quiet', 'aria-expanded': 'false', 'aria-controls': `job-${job.id}`, text: t('show') });
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
      job.dryRun ? h('span', { class: 'tag', text: t('dryRunTag') }) : null,
      h('time', { class: 'muted', datetime: job.createdAt, text: formatDate(job.createdAt) }),
      toggle,
    ),
    detail,
  );
}
