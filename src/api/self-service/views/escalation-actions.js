// @ts-check
// What an admin does with an escalation, in the admin's language: where it stands (the
// stage the client reads too, who has it, the struggle priority), the rescue that removes
// the cause (an operation done for them, or the DNS change to send the client), and the
// actions: take it, do it for them, send the change, answer in words, resolve with a reason.

import { api, explain } from '../api.js';
import { byId, h } from '../dom.js';
import { formatDate, t } from '../i18n/index.js';

/**
 * @typedef {object} EscalationView What the actions need of an escalation (GET /v1/escalations/:id).
 * @property {string} id
 * @property {'open' | 'taken' | 'resolved'} state
 * @property {string | null} takenBy
 * @property {string} openedAt
 * @property {'noticed' | 'told' | 'handling' | 'resolved'} [stage]
 * @property {{ score: number, priority: 'normal' | 'high' | 'urgent' }} [struggle]
 * @property {{ at: string, kind: string, by?: string }[]} [steps]
 * @property {{ playbook: string, inputs: Record<string, unknown>, version: string, oneClick: boolean } | null} suggestion
 * @property {{ changes: { en: string, fr: string }[] }} [fixToSend]
 */

/** Who has it, as a person is named (the token's label, without its id). */
function holder(/** @type {EscalationView} */ e) {
  const taken = [...(e.steps ?? [])].reverse().find((s) => s.kind === 'taken' && s.by);
  return taken?.by ?? (e.takenBy ?? '').replace(/ \([^)]*\)$/, '');
}

/** Where it stands: the stage (or who has it), since when, and the priority the struggle score sets. */
export function standing(/** @type {EscalationView} */ e) {
  const stage = e.state === 'taken' ? 'handling' : (e.stage ?? 'noticed');
  const words =
    stage === 'handling'
      ? t('escalationTakenBy', { who: holder(e) })
      : `${t(`stage_${stage}`)} ${t('escalationOpen', { date: formatDate(e.openedAt) })}`;
  const p = e.struggle?.priority;
  return h(
    'p',
    { class: 'muted standing' },
    words,
    p
      ? h('span', { class: `badge prio prio-${p}`, title: String(e.struggle?.score ?? ''), text: t(`prio_${p}`) })
      : null,
  );
}

/** The DNS change to send the client, in the page's language, when no DNS host serein can change serves their domain. */
export function changesToSend(/** @type {EscalationView} */ e, /** @type {string} */ lang) {
  const changes = e.fixToSend?.changes ?? [];
  if (!changes.length) return null;
  return h(
    'div',
    { class: 'changes' },
    h('p', null, h('strong', { text: `${t('escalationSuggested')} ` }), t('escalationFixToSend')),
    changes.map((c) => h('p', { class: 'fix-line', text: lang === 'fr' ? c.fr : c.en })),
  );
}

/**
 * Runs one action on the escalation, then redraws; a refusal is said on top, in words.
 * @param {EscalationView} e
 * @param {string} verb take, do, send-fix, answer, resolve
 * @param {unknown} body
 * @param {() => Promise<void>} redraw
 */
async function act(e, verb, body, redraw) {
  try {
    await api('POST', `/v1/escalations/${encodeURIComponent(e.id)}/${verb}`, body);
    await redraw();
  } catch (err) {
    const { code, message, hint } = explain(err);
    if (code === 'suggestion_changed' || code === 'cause_gone' || code === 'not_found') await redraw();
    byId('escalations').prepend(
      h('p', { class: 'problem', role: 'alert', text: hint ? `${message} ${hint}` : message }),
    );
  }
}

/** The one-click actions, right under where it stands (on a phone, in the first screen): take, do it for them, send the change. */
export function mainActions(/** @type {EscalationView} */ e, /** @type {() => Promise<void>} */ redraw) {
  const button = (/** @type {string} */ text, /** @type {string} */ kind, /** @type {() => Promise<void>} */ run) =>
    h('button', {
      type: 'button',
      class: kind,
      text,
      onclick: (/** @type {Event} */ ev) => {
        const button = /** @type {HTMLButtonElement} */ (ev.currentTarget);
        button.disabled = true;
        void run();
      },
    });
  const buttons = [
    // "Do it for them" names the suggestion shown here: one changed since is refused, not run. Never offered once the cause is gone (the escalation is then resolved).
    e.suggestion?.oneClick && e.state !== 'resolved'
      ? button(t('escalationDo'), 'primary', () => act(e, 'do', { suggestion: e.suggestion?.version }, redraw))
      : null,
    e.fixToSend?.changes.length
      ? button(t('escalationSendFix'), e.suggestion?.oneClick ? 'secondary' : 'primary', () =>
          act(e, 'send-fix', undefined, redraw),
        )
      : null,
    e.state === 'open' ? button(t('escalationTake'), 'secondary', () => act(e, 'take', undefined, redraw)) : null,
  ].filter((b) => b !== null);
  return buttons.length ? h('div', { class: 'actions' }, buttons) : null;
}

/** Answer in words (the client reads it on their page and by email, as text), and resolve with a reason. */
export function wordsForms(/** @type {EscalationView} */ e, /** @type {() => Promise<void>} */ redraw) {
  const id = (/** @type {string} */ what) => `esc-${e.id}-${what}`;
  const text = h('textarea', { id: id('answer'), rows: 3, maxlength: 4000, 'aria-describedby': id('answer-help') });
  const resolves = h('input', { type: 'checkbox', id: id('resolves'), checked: true });
  const reason = h('input', { type: 'text', id: id('reason'), maxlength: 500, 'aria-describedby': id('reason-help') });
  /** Sends a form's words, or says what is missing. */
  const submit =
    (
      /** @type {HTMLInputElement | HTMLTextAreaElement} */ field,
      /** @type {string} */ empty,
      /** @type {() => Promise<void>} */ send,
    ) =>
    (/** @type {Event} */ ev) => {
      ev.preventDefault();
      if (!field.value.trim()) {
        field.setAttribute('aria-invalid', 'true');
        field.insertAdjacentElement('afterend', h('p', { class: 'problem', role: 'alert', text: t(empty) }));
        field.focus();
        return;
      }
      void send();
    };
  return [
    h(
      'form',
      {
        class: 'answer-form',
        novalidate: true,
        onsubmit: submit(text, 'escalationAnswerEmpty', () =>
          act(e, 'answer', { text: text.value.trim(), resolve: resolves.checked }, redraw),
        ),
      },
      h('label', { for: id('answer'), text: t('escalationAnswerLabel') }),
      text,
      h('p', { id: id('answer-help'), class: 'help', text: t('escalationAnswerHelp') }),
      h(
        'div',
        { class: 'check-row' },
        resolves,
        h('label', { for: id('resolves'), text: t('escalationAnswerResolves') }),
      ),
      h('button', { type: 'submit', class: 'secondary', text: t('escalationAnswerSend') }),
    ),
    h(
      'form',
      {
        class: 'resolve-form',
        novalidate: true,
        onsubmit: submit(reason, 'escalationReasonEmpty', () =>
          act(e, 'resolve', { reason: reason.value.trim() }, redraw),
        ),
      },
      h('label', { for: id('reason'), text: t('escalationReasonLabel') }),
      reason,
      h('p', { id: id('reason-help'), class: 'help', text: t('escalationReasonHelp') }),
      h('button', { type: 'submit', class: 'quiet', text: t('escalationResolve') }),
    ),
  ];
}
