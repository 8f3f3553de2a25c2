// @ts-check
// "Your sites": each site's state in one sentence (secure until..., not secure yet, or the
// problem and its fix), its one-click buttons, its file access (views/sftp.js), what
// happened to it lately, and the technical details folded away (open for admins).

import { byId, clear, h } from '../dom.js';
import { formatDate, formatDay, t } from '../i18n/index.js';
import { shownName } from '../names.js';
import { opTitle, opWord } from '../op-words.js';
import { dnsRepairable } from '../site-state.js';
import { state } from '../state.js';
import { conversationInCard, needsClient } from './conversations.js';
import { offered, runNow } from './oneclick.js';
import { sftpPart } from './sftp.js';

/** @typedef {import('../site-state.js').SiteState} SiteState */
/** @typedef {import('../types.js').Job} Job */
/** @typedef {import('./conversations.js').Conversation} Conversation */

/** What a request did, in its operation's words ("Site secured"); one without words says its title. */
export function whatDone(/** @type {Job} */ job) {
  return opWord(job.playbook, 'done') ?? opTitle(job.playbook);
}

/** One happening in words: "Site secured on 3 March 2027." */
export function happening(/** @type {Job} */ job) {
  const date = formatDay(job.finishedAt ?? job.createdAt);
  const failed = job.status === 'failed' ? opWord(job.playbook, 'failed', { date }) : undefined;
  if (failed) return failed;
  return t(`ev_${job.status}`, { what: whatDone(job), date });
}

/**
 * Draws the sites. `reload` is called once a button's operation has ended, to show the new state.
 * @param {SiteState[]} sites
 * @param {() => Promise<void>} reload
 * @param {Map<string, Conversation>} [talks] each site's conversation, drawn in its card
 */
export function renderSites(sites, reload, talks = new Map()) {
  const box = clear(byId('sites'));
  if (!sites.length) {
    box.append(h('p', { class: 'empty', text: t('noSites') }));
    return;
  }
  box.append(
    h(
      'ul',
      { class: 'sites' },
      sites.map((s) => h('li', {}, siteCard(s, reload, talks.get(s.name)))),
    ),
  );
}

/** @param {SiteState} s @param {() => Promise<void>} reload @param {Conversation | undefined} talk */
function siteCard(s, reload, talk) {
  const secure = !!s.certificate;
  const status = h('p', { class: 'status-line', role: 'status' });
  const card = h('article', { class: `site st-${s.state}`, 'aria-labelledby': `site-${s.name}` });
  /** Runs one button's operation; on a repair, the operation that failed is run again. */
  const press = async (/** @type {string} */ playbook, /** @type {Record<string, unknown>} */ inputs) => {
    for (const b of card.querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = true;
    card.className = `site st-working`;
    status.textContent = t('siteWorking');
    const job = await runNow(playbook, inputs);
    if (playbook === 'dns.fix' && job.status === 'succeeded' && s.failed) {
      status.textContent = t('siteFixed');
      await runNow(s.failed.playbook, retryInputs(s));
    }
    await reload();
  };
  const buttons = [];
  if (s.state !== 'working') {
    if (!secure && offered('certificate.issue'))
      buttons.push(
        button(t(s.failed ? 'tryAgain' : 'secureSite'), 'primary', () =>
          press('certificate.issue', { domains: s.names }),
        ),
      );
    // A renewal that needs the client's change first would only fail again: no "Renew now" until it is made.
    if (secure && offered('certificate.renew') && !(talk && needsClient(talk)))
      buttons.push(
        button(t('renewNow'), 'secondary', () =>
          press('certificate.renew', { certificate: s.certificate?.id, site: s.name }),
        ),
      );
    const repairable = canRepair(s, talk);
    // With a repair offered, it is the one thing to press; trying again unchanged would fail the same way.
    if (repairable) {
      for (const b of buttons) b.className = 'secondary';
      buttons.unshift(button(t('fixForMe'), 'primary', () => press('dns.fix', { domain: s.name, confirm: true })));
    }
  }
  const actions = buttons.length ? h('div', { class: 'actions' }, buttons) : null;
  const problem = problemLines(s, actions, canRepair(s, talk));
  // Its conversation: what to do first when no failed request says it already, else after the problem (who is on it, the answers, the timeline).
  const conversation = talk ? conversationInCard(talk, !problem) : null;
  card.append(
    ...[
      h(
        'div',
        { class: 'site-head' },
        h(
          'h3',
          { id: `site-${s.name}` },
          h('a', {
            href: `${secure ? 'https' : 'http'}://${s.name}/`,
            target: '_blank',
            rel: 'noopener noreferrer',
            text: shownName(s.name),
          }),
        ),
        h('span', { class: `badge st-${s.state}`, text: t(`tag_${s.state}`) }),
      ),
      stateLines(s, talk),
      problem ? null : conversation,
      // A problem carries its buttons right under what to do (on a phone, in the first screen); otherwise they follow the state.
      problem ?? actions,
      problem ? conversation : null,
      status,
      s.state === 'working' ? null : sftpPart(s, reload),
      s.history.length
        ? h(
            'div',
            { class: 'recent' },
            h('h4', { text: t('recently') }),
            h(
              'ul',
              { class: 'plain' },
              recent(s.history).map((line) => h('li', { text: line })),
            ),
          )
        : null,
      details(s),
    ]
      .flat()
      .filter((x) => x !== null),
  );
  return card;
}

/** The last three different happenings: the same one again is said once, with how many times ("3 times"). */
function recent(/** @type {Job[]} */ history) {
  /** @type {{ text: string, count: number }[]} */
  const lines = [];
  for (const j of history) {
    const text = happening(j);
    const same = lines.find((l) => l.text === text);
    if (same) same.count++;
    else if (lines.length < 3) lines.push({ text, count: 1 });
  }
  return lines.map((l) => (l.count > 1 ? `${l.text} ${t('escTimes', { count: l.count })}` : l.text));
}

/** The sentence of the state; a renewal that needs the client first is not "renews by itself". */
function stateLines(/** @type {SiteState} */ s, /** @type {Conversation | undefined} */ talk) {
  const c = s.certificate;
  const lines = [];
  if (s.state === 'working') lines.push(h('p', { class: 'state', text: t('siteWorking') }));
  if (c && !s.renewalFailing) {
    const renews =
      talk && needsClient(talk)
        ? t('convSeeBelow')
        : c.renewAfter && new Date(c.renewAfter) > new Date()
          ? t('siteRenews', { date: formatDay(c.renewAfter) })
          : t('siteRenewsSoon');
    lines.push(h('p', { class: 'state' }, t('siteSecure', { date: formatDay(c.notAfter) }), ' ', renews));
  } else if (c) {
    // Blocked by a change only the client can make: not "we try again by ourselves" (its conversation says until when it stays secure).
    lines.push(
      h('p', {
        class: 'state',
        text:
          talk && needsClient(talk) ? t('siteRenewBlocked') : t('siteRenewProblem', { date: formatDay(c.notAfter) }),
      }),
    );
  } else if (s.state !== 'working') {
    lines.push(h('p', { class: 'state', text: s.failed ? t('siteProblem') : t('siteNotSecure') }));
  }
  return lines;
}

/**
 * A problem as a shop owner acts on it: what to do first (and the button that does it
 * for them, when there is one), then why in a sentence or two; the codes and addresses
 * behind it are in the technical details. Null when the site has no problem to show.
 * @param {SiteState} s
 * @param {HTMLElement | null} actions
 * @param {boolean} repairable
 */
function problemLines(s, actions, repairable) {
  const e = s.failed?.error;
  if (!e || s.state === 'working') return null;
  return h(
    'div',
    { class: 'site-problem', role: 'note' },
    // Where serein can do it, that offer and its button come first; the change to make by hand follows.
    repairable ? [h('p', { class: 'can-fix', text: t('weCanFix') }), actions] : null,
    e.hint
      ? h('p', { class: 'fix-line' }, h('strong', { text: `${t(repairable ? 'orYourself' : 'whatToDo')} ` }), e.hint)
      : null,
    repairable ? null : actions,
    e.message ? h('p', { class: 'why' }, h('strong', { text: `${t('whyLabel')} ` }), e.message) : null,
  );
}

/**
 * Whether "Fix it for me" can work: a DNS failure, the repair offered to the client, and,
 * once the site has a conversation, serein connected to a DNS host that serves its domain
 * (elsewhere the repair would fail at once: the change to make by hand is shown instead).
 * @param {SiteState} s
 * @param {Conversation | undefined} talk
 */
function canRepair(s, talk) {
  return !!s.failed && dnsRepairable(s.failed) && offered('dns.fix') && (!talk || !!talk.fixForYou);
}

/** The technical side, folded for clients and open for admins: worth forwarding to a technician. */
function details(/** @type {SiteState} */ s) {
  const c = s.certificate;
  /** @type {[string, string][]} */
  const rows = [];
  if (c) {
    rows.push(
      ['tech_names', c.domains.join(', ')],
      ['tech_ca', c.ca],
      ['tech_challenge', c.challenge],
      ['tech_keyType', c.keyType],
      ['tech_serial', c.serial],
      ['tech_issued', formatDate(c.notBefore)],
    );
    if (c.webserver) rows.push(['tech_webserver', c.webserver]);
  }
  if (s.failed) {
    rows.push(['tech_request', s.failed.id], ['tech_code', s.failed.error?.code ?? s.failed.status]);
    if (s.failed.error?.detail) rows.push(['tech_code', s.failed.error.detail]);
  }
  if (!rows.length) return null;
  const forTechnician = s.failed?.error?.technical;
  return h(
    'details',
    { class: 'tech', open: state.me?.kind === 'admin' },
    h('summary', { text: t('technicalDetails') }),
    // What a technician needs, in words the client may forward as it is.
    forTechnician ? h('p', { class: 'for-technician', text: forTechnician }) : null,
    h(
      'dl',
      { class: 'result' },
      rows.map(([k, v]) => [h('dt', { text: t(k) }), h('dd', { class: 'mono', text: v })]),
    ),
  );
}

/** The inputs to run a failed operation again with, after a repair. */
function retryInputs(/** @type {SiteState} */ s) {
  if (s.failed?.playbook === 'certificate.renew' && s.certificate)
    return { certificate: s.certificate.id, site: s.name };
  return { domains: s.names };
}

/**
 * A button that runs its operation (every button of the card is disabled meanwhile).
 * @param {string} text
 * @param {string} kind
 * @param {() => Promise<void>} onPress
 */
function button(text, kind, onPress) {
  return h('button', { type: 'button', class: kind, text, onclick: () => void onPress() });
}
