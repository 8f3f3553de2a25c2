// @ts-check
// "What do you need?": a request in the client's own words (POST /v1/requests). The
// answer is a sentence saying what will be done with one button to confirm, one question
// with its choices, or the word that a person takes over. Nothing runs before the click.

import { api } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { follow } from '../follow.js';
import { t } from '../i18n/index.js';
import { loadHome } from './home.js';
import { renderOutcome, renderProblem } from './outcome.js';

/** @typedef {{ playbook: string, inputs: Record<string, unknown>, sentence: string }} Proposal */
/** @typedef {{ label: string, proposal?: Proposal, intent?: string }} Choice */
/** @typedef {{ status: 'proposal' | 'question' | 'handoff', sentence: string, warning?: string, proposal?: Proposal, question?: { field: string, choices: Choice[] } }} Understood */

/**
 * Sends what was typed (and the operation picked, when one was asked) and shows the answer.
 * @param {SubmitEvent | null} event
 * @param {string} [intent]
 */
export async function ask(event, intent) {
  event?.preventDefault();
  const box = clear(byId('ask-result'));
  const input = /** @type {HTMLTextAreaElement} */ (byId('ask-text'));
  const text = input.value.trim();
  if (!text) {
    box.append(h('p', { class: 'problem', role: 'alert', text: t('askEmpty') }));
    input.focus();
    return;
  }
  box.append(h('p', { class: 'status-line', text: t('askThinking') }));
  try {
    /** @type {Understood} */
    const u = await api('POST', '/v1/requests', { text, ...(intent ? { intent } : {}) });
    show(box, u);
  } catch (err) {
    renderProblem(clear(box), err, null);
  }
}

/** The answer: a proposal to confirm, a question whose choices lead to one, or a handover. */
function show(/** @type {HTMLElement} */ box, /** @type {Understood} */ u) {
  clear(box);
  // A password or key was in the words (hidden before anyone read them): what to do now comes first.
  if (u.warning) box.append(h('p', { class: 'problem', role: 'alert', text: u.warning }));
  if (u.status === 'proposal' && u.proposal) return proposal(box, u.proposal);
  box.append(h('p', { class: 'ask-sentence', text: u.sentence }));
  // Handed to a person: the request stays on top of the page, with who takes it and their answer.
  if (u.status === 'handoff') {
    box.append(h('p', { class: 'help', text: t('askFollow') }));
    void loadHome();
  }
  if (u.status !== 'question' || !u.question) return;
  box.append(
    h('div', { class: 'actions ask-choices' }, u.question.choices.map((c) =>
      h('button', {
        type: 'button',
        class: 'secondary',
        text: c.label,
        onclick: () => (c.proposal ? proposal(clear(box), c.proposal) : void ask(null, c.intent)),
      }),
    )),
  );
}

/** What will be done, in one sentence, and the one button that does it. */
function proposal(/** @type {HTMLElement} */ box, /** @type {Proposal} */ p) {
  const outcome = h('div', { class: 'outcome', tabindex: '-1', hidden: true });
  const confirm = h('button', { type: 'button', class: 'primary', text: t('askConfirm') });
  confirm.addEventListener('click', () => void confirmed(confirm, outcome, p));
  box.append(h('p', { class: 'ask-sentence', text: p.sentence }), h('div', { class: 'actions' }, confirm), outcome);
  confirm.focus();
}

/** The client confirmed: the job is submitted as proposed, followed, and its outcome shown. */
async function confirmed(/** @type {HTMLButtonElement} */ button, /** @type {HTMLElement} */ outcome, /** @type {Proposal} */ p) {
  button.disabled = true;
  outcome.hidden = false;
  clear(outcome).append(h('p', { class: 'status-line', text: t('running') }));
  try {
    const { job } = await api('POST', '/v1/jobs', { playbook: p.playbook, inputs: p.inputs });
    renderOutcome(outcome, await follow(job.id), null);
  } catch (err) {
    renderProblem(outcome, err, null);
  } finally {
    outcome.focus();
    void loadHome();
  }
}
