// @ts-check
// A site's file access (SFTP) in its card: "Get a file access" when there is none, the
// login, server, port and password once it is made (the password this once only, until
// the client says it is kept), "New password" and "Close the access" while it is open,
// and for a site made before sites had a user of their own, why not and what to ask.

import { clear, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { opWord } from '../op-words.js';
import { offered, runNow } from './oneclick.js';
import { copyRow, errorBlock } from './outcome.js';
import { proposalBlock } from './proposal.js';

/** @typedef {import('../site-state.js').SiteState} SiteState */
/** @typedef {{ login: string, server: string, port: string, password: string, renewed: boolean }} Access */

/**
 * The access just made or given a new password, by site, kept only until the client says
 * "I have kept it" (the page is drawn again meanwhile, after the operation): the password
 * lives nowhere else on the page, and the API gives it once.
 * @type {Map<string, Access>}
 */
const shownOnce = new Map();

/** Forgets every password still shown (signing out). */
export function forgetShownAccess() {
  shownOnce.clear();
}

/**
 * The card's file access part, or null when the site cannot have one (it forwards to an
 * application) or the client is not offered it.
 * @param {SiteState} s
 * @param {() => Promise<void>} reload draws the home again
 * @returns {HTMLElement | null}
 */
export function sftpPart(s, reload) {
  if (s.sftp === 'none' || !offered('sftp.create')) return null;
  const id = `sftp-${s.name}`;
  const part = h('section', { class: 'sftp', 'aria-labelledby': id }, h('h4', { id, text: t('sftpTitle') }));
  if (s.sftp === 'legacy') {
    part.append(h('p', { class: 'sftp-line', text: t('sftpLegacy', { name: s.name }) }));
    return part;
  }
  const status = h('p', { class: 'status-line', role: 'status' });
  const failure = h('div');
  /** Runs sftp.create or sftp.reset; a password it gives is kept to be shown, then the home is drawn again. */
  const press = async (/** @type {string} */ playbook, /** @type {Record<string, unknown>} */ more = {}) => {
    for (const b of part.querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = true;
    status.textContent = t('siteWorking');
    clear(failure);
    const job = await runNow(playbook, { domain: s.name, ...more });
    const r = job.result ?? {};
    if (job.status === 'succeeded' && typeof r.password === 'string' && r.password) {
      shownOnce.set(s.name, {
        login: String(r.username ?? ''),
        server: String(r.host ?? ''),
        port: String(r.port ?? ''),
        password: r.password,
        renewed: playbook === 'sftp.reset',
      });
      await reload();
      return;
    }
    status.textContent = '';
    if (job.status === 'succeeded') await reload();
    else failure.append(errorBlock(job.error ?? { code: job.status, message: t('failTitle') }, null));
    for (const b of part.querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = false;
  };
  const access = shownOnce.get(s.name);
  if (access) {
    part.append(accessShown(s, access, reload));
    return part;
  }
  if (s.sftp === 'closed') {
    part.append(
      h('p', { class: 'sftp-line', text: t('sftpNone') }),
      h(
        'div',
        { class: 'actions' },
        button(opWord('sftp.create', 'button'), 'secondary', () => press('sftp.create')),
      ),
      withKey(s, (publicKey) => press('sftp.create', { publicKey })),
      status,
      failure,
    );
    return part;
  }
  const r = s.sftpDone?.result ?? {};
  const login = String(r.username ?? '');
  part.append(h('p', { class: 'sftp-line', text: t('sftpIsOpen') }));
  // The login, server and port as the last access given said them (the password is never kept).
  if (login)
    part.append(
      h(
        'dl',
        { class: 'result' },
        [
          ['sftpLogin', login],
          ['sftpServer', String(r.host ?? '')],
          ['sftpPort', String(r.port ?? '')],
        ]
          .filter(([, v]) => v)
          .map(([k, v]) => [h('dt', { text: t(k) }), h('dd', { class: 'mono', text: v })]),
      ),
    );
  const closing = h('div', { class: 'sftp-close', hidden: true });
  /** "Close the access" asks for the site's name typed first, as other removals do; "Keep it open" takes it back. */
  const close = button(opWord('sftp.delete', 'button'), 'secondary', () => {
    close.hidden = true;
    closing.hidden = false;
    clear(closing).append(
      proposalBlock(
        {
          playbook: 'sftp.delete',
          inputs: { domain: s.name },
          sentence: t('sftpCloseSure'),
          typeToConfirm: { value: s.name },
        },
        { label: opWord('sftp.delete', 'button') },
      ),
      button(t('sftpKeepOpen'), 'secondary', () => {
        clear(closing).hidden = true;
        close.hidden = false;
      }),
    );
    closing.querySelector('input')?.focus();
  });
  part.append(
    h(
      'div',
      { class: 'actions' },
      offered('sftp.reset') ? button(opWord('sftp.reset', 'button'), 'secondary', () => press('sftp.reset')) : null,
      offered('sftp.delete') ? close : null,
    ),
    closing,
    status,
    failure,
  );
  return part;
}

/**
 * A public key instead of a password, folded: for those who use one, a line pasted from
 * their .pub file (the API refuses anything else, a private key included).
 * @param {SiteState} s @param {(publicKey: string) => unknown} use
 */
function withKey(s, use) {
  const id = `sftp-key-${s.name}`;
  const key = /** @type {HTMLTextAreaElement} */ (
    h('textarea', { id, class: 'mono', rows: 3, autocomplete: 'off', spellcheck: 'false' })
  );
  return h(
    'details',
    { class: 'sftp-key' },
    h('summary', { text: t('sftpKeyInstead') }),
    h('label', { for: id, text: t('sftpKeyLabel') }),
    key,
    h(
      'div',
      { class: 'actions' },
      button(t('sftpKeyUse'), 'secondary', () => (key.value.trim() ? use(key.value.trim()) : key.focus())),
    ),
  );
}

/**
 * The access as it was just given: login, server and port, and the password with its copy
 * button and the warning (shown this once; "New password" gives another). "I have kept it"
 * forgets it and draws the site again.
 * @param {SiteState} s @param {Access} a @param {() => Promise<void>} reload
 */
function accessShown(s, a, reload) {
  const row = (/** @type {string} */ key, /** @type {string} */ value) => {
    const labelId = `sftp-${key}-${s.name}`;
    return [h('p', { id: labelId, class: 'secret-label', text: t(key) }), copyRow(value, labelId)];
  };
  return h(
    'div',
    { class: 'secret sftp-access', role: 'alert' },
    h('p', { class: 'done-line', text: t(a.renewed ? 'sftpRenewed' : 'sftpReady', { name: s.name }) }),
    row('sftpLogin', a.login),
    row('sftpServer', a.server),
    h('p', { class: 'secret-label', text: t('sftpPort') }),
    h('p', { class: 'mono sftp-port', text: a.port }),
    h('h5', { class: 'secret-title', text: t('secretTitle') }),
    row('sftpPassword', a.password),
    h('p', { class: 'help', text: t('sftpOnce') }),
    h(
      'div',
      { class: 'actions' },
      button(t('sftpKept'), 'primary', async () => {
        shownOnce.delete(s.name);
        await reload();
      }),
    ),
  );
}

/**
 * A button of the file access part.
 * @param {string | undefined} text
 * @param {string} kind
 * @param {() => unknown} onPress
 */
function button(text, kind, onPress) {
  return h('button', { type: 'button', class: kind, text: text ?? '', onclick: () => void onPress() });
}
