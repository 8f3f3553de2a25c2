// @ts-check
// For admins signed in on the same page: the clients who are stuck (GET /v1/escalations),
// each with what was tried and when, each diagnosis, the client's own words and the
// operation to run for them; Take, "Do it for them" and Resolve are one click each.

import { api, explain } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { formatDate, t } from '../i18n/index.js';
import { state } from '../state.js';

/**
 * @typedef {object} Escalation An escalation, as GET /v1/escalations lists it.
 * @property {string} id
 * @property {string} tenantId
 * @property {'open' | 'taken' | 'resolved'} state
 * @property {string | null} takenBy
 * @property {string} openedAt
 * @property {string} summary
 * @property {{ at: string, kind: string, message: string, diagnosis?: { hint?: string }, words?: { text: string } }[]} signals
 * @property {{ playbook: string, inputs: Record<string, unknown>, version: string, oneClick: boolean } | null} suggestion
 * @property {{ jobId: string, status?: string } | null} done
 */

/** Draws the open and taken escalations; hidden unless the token is an admin's. */
export async function renderEscalations() {
  const card = byId('escalations-card');
  card.hidden = state.me?.kind !== 'admin';
  if (card.hidden) return;
  const list = byId('escalations');
  try {
    /** @type {Escalation[]} */
    const escalations = (await api('GET', '/v1/escalations')).escalations;
    clear(list);
    if (!escalations.length) list.append(h('p', { class: 'muted', text: t('escalationsNone') }));
    for (const e of escalations) list.append(item(e));
  } catch (err) {
    clear(list).append(h('p', { class: 'problem', text: explain(err).message }));
  }
}

/** One escalation: the tenant and the problem, the signals in order, the suggestion, the buttons. */
function item(/** @type {Escalation} */ e) {
  const act = (/** @type {'take' | 'do' | 'resolve'} */ verb) => async () => {
    try {
      // "Do it for them" names the suggestion shown here: one changed since is refused, not run.
      await api('POST', `/v1/escalations/${encodeURIComponent(e.id)}/${verb}`, verb === 'do' ? { suggestion: e.suggestion?.version } : undefined);
      await renderEscalations();
    } catch (err) {
      const { code, message, hint } = explain(err);
      if (code === 'suggestion_changed') await renderEscalations();
      byId('escalations').prepend(h('p', { class: 'problem', role: 'alert', text: hint ? `${message} ${hint}` : message }));
    }
  };
  const stateLine = e.state === 'taken' ? t('escalationTakenBy', { who: e.takenBy ?? '' }) : t('escalationOpen', { date: formatDate(e.openedAt) });
  return h(
    'article',
    { class: 'escalation', 'data-id': e.id },
    h('p', { class: 'escalation-title' }, h('strong', { text: e.tenantId }), ` — ${e.summary}`),
    h('p', { class: 'muted', text: stateLine }),
    h(
      'ul',
      null,
      e.signals.map((s) => h('li', null, h('time', { class: 'muted', datetime: s.at, text: `${formatDate(s.at)} ` }), s.message, s.diagnosis?.hint ? h('span', { class: 'muted', text: ` (${s.diagnosis.hint})` }) : null, s.words ? h('q', { text: s.words.text }) : null)),
    ),
    e.suggestion ? h('p', null, t('escalationSuggested'), ' ', h('code', { text: `${e.suggestion.playbook} ${JSON.stringify(e.suggestion.inputs)}` })) : null,
    e.suggestion && !e.suggestion.oneClick ? h('p', { class: 'muted', text: t('escalationNotOneClick') }) : null,
    e.done ? h('p', { class: 'muted', text: t('escalationStarted', { status: e.done.status ?? '…' }) }) : null,
    h(
      'div',
      { class: 'actions' },
      e.state === 'open' ? h('button', { type: 'button', class: 'secondary', text: t('escalationTake'), onclick: act('take') }) : null,
      e.suggestion?.oneClick ? h('button', { type: 'button', class: 'primary', text: t('escalationDo'), onclick: act('do') }) : null,
      h('button', { type: 'button', class: 'quiet', text: t('escalationResolve'), onclick: act('resolve') }),
    ),
  );
}
