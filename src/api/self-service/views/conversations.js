// @ts-check
// Every problem told to the client, one conversation each (GET /v1/conversations), from
// the first warning to « c'est réglé »: what to do first when it is theirs to do, why, who
// of the provider's team is on it, the team's answers (as text, never markup), and a
// timeline in words ("Sent to the team at 2:02 pm — taken by Marie at 2:10 pm — sorted
// at 2:30 pm"). A site's conversation is drawn in its card (views/sites.js); the others
// (requests, operations, a site since removed) on top, under the one-sentence summary.

import { api } from '../api.js';
import { byId, capitalize, clear, h } from '../dom.js';
import { formatDay, formatWhen, t } from '../i18n/index.js';
import { shownName } from '../names.js';
import { state } from '../state.js';

/**
 * @typedef {object} Conversation One problem, as GET /v1/conversations tells it in the page's language.
 * @property {string} id
 * @property {string} name The site, or what the client asked.
 * @property {'drift' | 'renewal-blocked' | 'renewal-late' | 'failures' | 'request' | 'needs-attention'} kind
 * @property {'noticed' | 'told' | 'handling' | 'resolved'} stage
 * @property {string | null} handledBy
 * @property {string} openedAt
 * @property {string | null} resolvedAt
 * @property {boolean} cameBack
 * @property {string[]} found
 * @property {string[]} fix
 * @property {string} [renewAt]
 * @property {string} [until]
 * @property {string} [words]
 * @property {{ at: string, kind: string, by?: string, text?: string }[]} steps
 * @property {{ at: string, by: 'client' | 'team' | 'serein', what: string, byName?: string } | null} resolution
 * @property {{ subject: string, lead: string, steps: string[] } | null} allClear
 * @property {boolean} [fixForYou] serein can make the DNS change itself (a DNS host it is connected to serves the domain)
 */

/** The client's conversations, newest first; none for an admin, or when they cannot be read (the rest of the page still shows). */
export async function loadConversations() {
  if (state.me?.kind !== 'client') return /** @type {Conversation[]} */ ([]);
  try {
    return /** @type {Conversation[]} */ ((await api('GET', '/v1/conversations')).conversations);
  } catch {
    return [];
  }
}

/** Whether it is still going on. */
export const isOpen = (/** @type {Conversation} */ c) => c.stage !== 'resolved';

/** The team's last act in it: doing the fix for them, or sending them the change to make. */
const lastAct = (/** @type {Conversation} */ c) =>
  [...c.steps].reverse().find((s) => s.kind === 'doing' || s.kind === 'fix-sent');

/** Whether the next move is the client's (a change where their domain is managed), rather than the team's. */
export function needsClient(/** @type {Conversation} */ c) {
  if (!isOpen(c)) return false;
  if (c.kind === 'drift' || c.kind === 'renewal-blocked') return true;
  return c.kind === 'failures' && c.fix.length > 0 && lastAct(c)?.kind !== 'doing';
}

/** Each site's conversation to show in its card: the open one, else the one that ended last. */
export function bySite(/** @type {Conversation[]} */ list, /** @type {string[]} */ sites) {
  /** @type {Map<string, Conversation>} */
  const map = new Map();
  for (const name of sites) {
    const mine = list.filter((c) => c.kind !== 'request' && c.name.toLowerCase() === name.toLowerCase());
    const c = mine.find(isOpen) ?? mine[0];
    if (c) map.set(name, c);
  }
  return map;
}

/** Draws, on top, the conversations no site card shows: open ones first. */
export function renderConversations(/** @type {Conversation[]} */ list, /** @type {Set<string>} */ shownInSites) {
  const box = clear(byId('notices'));
  const rest = list.filter((c) => !shownInSites.has(c.id));
  for (const c of [...rest.filter(isOpen), ...rest.filter((c) => !isOpen(c))]) {
    const kind = isOpen(c) ? c.kind : c.resolution?.by === 'team' && c.resolution.what === 'done' ? 'done' : 'sorted';
    box.append(
      h(
        'article',
        { class: `notice notice-${kind} conversation`, role: 'status', 'data-id': c.id },
        h('p', { class: 'notice-title', text: title(c, true) }),
        body(c, true),
      ),
    );
  }
}

/**
 * A conversation inside its site's card. `withFix`: the card shows no failed request that
 * already says what to do, so this says it (first), with why.
 * @param {Conversation} c
 * @param {boolean} withFix
 */
export function conversationInCard(c, withFix) {
  const open = isOpen(c);
  return h(
    'div',
    {
      class: `conversation ${open ? (needsClient(c) ? 'conv-client' : 'conv-team') : 'conv-sorted'}`,
      role: 'status',
      'data-id': c.id,
    },
    // Ended, the all-clear's own first words say it (« C'est réglé : … »): no title above them.
    open && withFix ? h('p', { class: 'conv-title', text: title(c, false) }) : null,
    body(c, withFix),
  );
}

/** What it is about in a few words: what to do, or « c'est réglé ». */
function title(/** @type {Conversation} */ c, /** @type {boolean} */ named) {
  if (!isOpen(c)) return c.kind === 'request' ? t('conv_requestSorted') : (c.allClear?.subject ?? '');
  const key = c.kind === 'failures' ? (needsClient(c) ? 'conv_failuresFix' : 'conv_failures') : `conv_${c.kind}`;
  const words = t(key, { date: formatDay(c.renewAt ?? c.until) });
  return named && c.kind !== 'request' ? `${shownName(c.name)}${t('nameSep')}${words}` : words;
}

/** What to do first (when it is the client's), why, what it means, who is on it, the answers, then the timeline. */
function body(/** @type {Conversation} */ c, /** @type {boolean} */ withFix) {
  const open = isOpen(c);
  const lead = c.kind === 'failures' ? (needsClient(c) ? 'lead_failuresFix' : 'lead_failures') : `lead_${c.kind}`;
  const mine = open && withFix && c.kind !== 'request' && c.fix.length > 0;
  return [
    c.words ? h('p', { class: 'asked' }, h('strong', { text: `${t('convAsked')} ` }), h('q', { text: c.words })) : null,
    mine ? c.fix.map((f) => h('p', { class: 'fix-line' }, h('strong', { text: `${t('whatToDo')} ` }), f)) : null,
    mine ? c.found.map((f) => h('p', { class: 'why' }, h('strong', { text: `${t('whyLabel')} ` }), f)) : null,
    open && !(c.handledBy && (c.kind === 'request' || c.kind === 'failures'))
      ? h('p', {
          class: 'conv-lead',
          text: t(lead, { until: formatDay(c.until), renewAt: formatDay(c.renewAt ?? c.until) }),
        })
      : null,
    open && c.handledBy
      ? h('p', {
          class: 'conv-who',
          text: t(lastAct(c)?.kind === 'fix-sent' ? 'convFixSent' : 'convHandledBy', { who: c.handledBy }),
        })
      : null,
    !open && c.allClear
      ? [h('p', { class: 'conv-lead', text: c.allClear.lead }), c.allClear.steps.map((s) => h('p', { text: s }))]
      : null,
    c.steps
      .filter((s) => s.kind === 'answered' && s.text)
      .map((s) => [
        h('p', { class: 'answer-by', text: t('convAnswer', { who: s.by ?? '' }) }),
        h('blockquote', { class: 'answer', text: s.text }),
      ]),
    h('p', { class: 'timeline', text: timeline(c) }),
  ];
}

/** The steps in words, in order: "Sent to the team at 2:02 pm — taken by Marie at 2:10 pm — sorted at 2:30 pm". */
export function timeline(/** @type {Conversation} */ c) {
  const told = c.steps.some((s) => s.kind === 'told' || s.kind === 'handed-over');
  const shown = c.steps.filter(
    (s) => s.kind !== 'reminded' && !(s.kind === 'noticed' && (told || c.kind === 'request')),
  );
  // One act said once: a repair then the issuance it unblocked are one "started the fix" (answers stay, each their own).
  const said = shown
    .filter(
      (s, i) =>
        i === 0 ||
        s.kind === 'answered' ||
        s.kind === 'fix-sent' ||
        s.kind !== shown[i - 1].kind ||
        s.by !== shown[i - 1].by,
    )
    .map((s) => t(`tl_${s.kind}`, { by: s.by ?? '', when: formatWhen(s.at) }));
  return capitalize(said.join(' — '));
}
