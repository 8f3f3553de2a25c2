// @ts-check
// Running the open operation: "Check first" or "Do it", its steps live, then its outcome.

import { api } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { follow } from '../follow.js';
import { language, t } from '../i18n/index.js';
import { state } from '../state.js';
import { collectValues } from './form.js';
import { loadHome } from './home.js';
import { renderOutcome, renderProblem } from './outcome.js';

/** Runs the open operation (a dry run shows the plan only), follows it live and shows how it ended. */
export async function run(/** @type {boolean} */ dryRun) {
  const form = collectValues();
  if (state.busy || !state.current || !form) return;
  const title = state.current.title;
  setBusy(true);
  const outcome = byId('outcome');
  outcome.hidden = true;
  clear(outcome);
  const steps = clear(byId('progress-steps'));
  const status = byId('progress-status');
  byId('progress').hidden = false;
  status.textContent = t('queued');
  /** @type {Map<string, HTMLLIElement>} */
  const lines = new Map();
  try {
    /** @type {{ job: import('../types.js').Job }} */
    const { job } = await api('POST', '/v1/jobs', { playbook: form.playbook, inputs: form.values, dryRun });
    const final = await follow(job.id, {
      onStatus: (s) => (status.textContent = t(s === 'running' ? 'running' : 'queued')),
      onStep: (s) => {
        const key = `${s.phase ?? ''}:${s.step}`;
        let li = lines.get(key);
        if (!li) {
          li = h('li');
          lines.set(key, li);
          steps.append(li);
        }
        li.className = `step st-${s.status}`;
        const stepTitle = s.title?.[language()];
        li.replaceChildren(
          stepTitle ? h('span', { text: stepTitle }) : h('span', { class: 'mono', text: s.step }),
          ` — ${t(`step_${s.status}`)}`,
        );
      },
    });
    renderOutcome(outcome, final, title);
  } catch (err) {
    renderProblem(outcome, err, state.current?.title);
  } finally {
    byId('progress').hidden = !steps.childElementCount;
    status.textContent = '';
    outcome.hidden = false;
    outcome.focus();
    setBusy(false);
    if (!dryRun) void loadHome();
  }
}

/** Disables the form's buttons while the operation runs: one click, one request. */
function setBusy(/** @type {boolean} */ busy) {
  state.busy = busy;
  const form = byId('run-form');
  for (const b of form.querySelectorAll('button[type=submit]')) /** @type {HTMLButtonElement} */ (b).disabled = busy;
  form.setAttribute('aria-busy', String(busy));
}
