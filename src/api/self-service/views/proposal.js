// @ts-check
// One proposal of a request in words, with its own button: a removal asks for the name
// typed first; a repair shows what would change (a dry run) before the real run. Nothing
// runs before the client's click, and every word from the API is set as text.

import { api } from '../api.js';
import { clear, h } from '../dom.js';
import { follow } from '../follow.js';
import { t } from '../i18n/index.js';
import { opWord } from '../op-words.js';
import { loadHome } from './home.js';
import { renderOutcome, renderProblem, technical } from './outcome.js';

/**
 * @typedef {object} Proposal An operation the request was understood as, ready to confirm.
 * @property {string} playbook
 * @property {Record<string, unknown>} inputs
 * @property {string} sentence What will be done, in the client's language.
 * @property {boolean} [dryRunFirst] Shown as a check first (what would change), run on a second click.
 * @property {{ value: string, input?: string }} [typeToConfirm] A removal: the client types value, sent as that input.
 */

/** The name as typed, in the form the API reads it: spaces around dropped, letters in lower case. */
const typedForm = (/** @type {string} */ s) => s.trim().toLowerCase();

/**
 * What will be done (unless `sentence` is false, where the words above already say it),
 * then the one button that does it.
 * @param {Proposal} p
 * @param {{ label?: string, sentence?: boolean, done?: () => void }} [o] the button's words ("Fix it for me"); the sentence shown or not; called once it is done
 */
export function proposalBlock(p, o = {}) {
  const outcome = h('div', { class: 'outcome', tabindex: '-1', hidden: true });
  const remove = !!p.typeToConfirm;
  const button = h('button', {
    type: 'button',
    class: remove ? 'danger' : 'primary',
    text: o.label ?? t(remove ? 'askRemove' : 'askConfirm'),
  });
  const block = h(
    'div',
    { class: 'proposal' },
    o.sentence === false ? null : h('p', { class: 'ask-sentence', text: p.sentence }),
  );
  /** @type {HTMLInputElement | null} */
  let typed = null;
  if (p.typeToConfirm) {
    const want = p.typeToConfirm.value;
    const id = `type-${Math.random().toString(36).slice(2, 8)}`;
    typed = h('input', {
      id,
      type: 'text',
      class: 'type-name',
      autocomplete: 'off',
      autocapitalize: 'none',
      spellcheck: 'false',
      'aria-describedby': `${id}-help`,
    });
    const field = typed;
    const sync = () => (button.disabled = typedForm(field.value) !== typedForm(want));
    typed.addEventListener('input', sync);
    sync();
    block.append(
      h('label', { for: id, class: 'type-label', text: t('askTypeName', { name: want }) }),
      h('p', { id: `${id}-help`, class: 'help', text: t('askTypeHelp') }),
      typed,
    );
  }
  button.addEventListener(
    'click',
    () =>
      void (p.dryRunFirst ? check(button, outcome, p, o.done) : confirmed(button, outcome, p, typed?.value, o.done)),
  );
  block.append(h('div', { class: 'actions' }, button), outcome);
  return block;
}

/** A repair: what it would change first (nothing is changed), then the button that makes the changes. */
async function check(
  /** @type {HTMLButtonElement} */ button,
  /** @type {HTMLElement} */ outcome,
  /** @type {Proposal} */ p,
  /** @type {(() => void) | undefined} */ done,
) {
  button.disabled = true;
  outcome.hidden = false;
  outcome.className = 'outcome';
  clear(outcome).append(h('p', { class: 'status-line', text: t('askChecking') }));
  try {
    const { job } = await api('POST', '/v1/jobs', { playbook: p.playbook, inputs: p.inputs, dryRun: true });
    const dry = await follow(job.id);
    if (dry.status !== 'succeeded') {
      renderOutcome(outcome, dry, null);
      button.disabled = false;
      return;
    }
    const plan = dry.plan ?? dry.result?.plan ?? [];
    clear(outcome);
    if (!plan.length) {
      outcome.append(h('p', { text: t('dryEmpty') }));
      return;
    }
    const go = h('button', { type: 'button', class: 'primary', text: t('askMakeChanges') });
    const made = h('div', { class: 'outcome', tabindex: '-1', hidden: true });
    // Once made, the plan ("nothing has changed yet") gives way to what was done.
    const planGone = () => {
      [...outcome.children].filter((el) => el !== made).forEach((el) => el.remove());
      done?.();
    };
    go.addEventListener(
      'click',
      () => void confirmed(go, made, { ...p, inputs: { ...p.inputs, confirm: true } }, undefined, planGone),
    );
    // The changes themselves (records, addresses) are for a technician: folded under the plain count.
    outcome.append(
      h('h3', { text: t('askPlanTitle') }),
      h('p', { text: plan.length === 1 ? t('askPlanOne') : t('askPlanMany', { count: plan.length }) }),
    );
    outcome.append(
      technical(
        h(
          'ul',
          {},
          plan.map((item) => h('li', { text: item.summary })),
        ),
      ),
    );
    outcome.append(h('div', { class: 'actions' }, go), made);
    button.hidden = true;
    go.focus();
  } catch (err) {
    renderProblem(outcome, err, null);
    button.disabled = false;
  }
}

/**
 * The client confirmed: the job is submitted as proposed (with the name typed, for a removal),
 * followed, and its outcome shown, with what it means in words where the result alone says little.
 * @param {HTMLButtonElement} button @param {HTMLElement} outcome @param {Proposal} p
 * @param {string | undefined} typed @param {() => void} [succeeded] called once it is done
 */
async function confirmed(button, outcome, p, typed, succeeded) {
  button.disabled = true;
  outcome.hidden = false;
  clear(outcome).append(h('p', { class: 'status-line', text: t('running') }));
  const input = p.typeToConfirm?.input;
  const inputs = input && typed !== undefined ? { ...p.inputs, [input]: typedForm(typed) } : p.inputs;
  try {
    const { job } = await api('POST', '/v1/jobs', { playbook: p.playbook, inputs });
    const final = await follow(job.id);
    renderOutcome(outcome, final, null);
    if (final.status === 'succeeded') {
      // The name it worked on; a provider's operation (a mailbox's address): its first input written as text.
      const name =
        p.typeToConfirm?.value ??
        p.inputs.domain ??
        p.inputs.name ??
        Object.values(p.inputs).find((v) => typeof v === 'string');
      const said = opWord(p.playbook, 'result', { name });
      if (said) outcome.querySelector('h3')?.after(h('p', { class: 'done-line', text: said }));
      succeeded?.();
    }
  } catch (err) {
    renderProblem(outcome, err, null);
    button.disabled = false;
  } finally {
    outcome.focus();
    void loadHome();
  }
}
