// serein self-service: one page, no framework. Every value from the API reaches the DOM
// through textContent or attributes set one by one, never parsed as markup (the page's
// Content-Security-Policy enforces it with Trusted Types).
'use strict';

const STRINGS = {
  en: {
    skip: 'Skip to content',
    tagline: 'Your hosting, self-service',
    language: 'Language',
    signOut: 'Sign out',
    signInTitle: 'Sign in',
    signInIntro: 'Paste the access token your provider gave you.',
    tokenLabel: 'Access token',
    tokenHelp: 'It is kept in this browser tab only, and forgotten when you close the tab or sign out.',
    signIn: 'Sign in',
    appTitle: 'Your hosting',
    resourcesTitle: 'Your domains and sites',
    opsTitle: 'What you can do',
    checkFirstHelp: '“Check first” shows what would change, without changing anything.',
    checkFirst: 'Check first',
    doIt: 'Do it',
    close: 'Close',
    doctorTitle: 'Check my domain',
    doctorIntro: 'Finds why a certificate cannot be issued or a site cannot be reached (DNS, old IPv6 records, CAA...), and says how to fix it.',
    doctorLabel: 'Domain names',
    doctorHelp: 'One or more names, separated by spaces, e.g. example.com www.example.com',
    doctorRun: 'Check',
    jobsTitle: 'Recent operations',
    refresh: 'Refresh',
    signedInAs: 'Signed in: {name}',
    signedInAdmin: 'Signed in as an administrator',
    tokenEmpty: 'Paste your access token first.',
    tokenMalformed: 'This does not look like an access token: a token is one piece of text, without spaces or line breaks. Copy it again from your provider’s message, all of it.',
    tokenRejected: 'This access token was not accepted. It may be incomplete, mistyped, or no longer valid. Copy it again from your provider’s message, all of it, or ask them for a new one.',
    tokenPrefix: 'A serein token starts with “srn_”.',
    sessionEnded: 'Your access token is no longer accepted, so you were signed out. Paste it again, or ask your provider for a new one.',
    unreachable: 'The service could not be reached. Check your connection, then try again.',
    unexpected: 'Something unexpected happened ({status}). Try again in a moment; if it goes on, tell your provider.',
    loading: 'Loading…',
    noResources: 'Nothing here yet.',
    kind_domain: 'Domains',
    kind_vhost: 'Sites',
    kind_database: 'Databases',
    kind_certificate: 'Certificates',
    kind_server: 'Servers you may use',
    https: 'HTTPS',
    httpOnly: 'HTTP only',
    noOps: 'There is no operation you can run yourself yet.',
    open: 'Start',
    optional: '(optional)',
    yes: 'yes',
    no: 'no',
    choose: '— choose —',
    domainsHint: 'Separate names with spaces.',
    queued: 'Waiting for its turn…',
    running: 'Working on it…',
    step_running: 'started',
    step_done: 'done',
    step_compensated: 'undone',
    'step_compensation-failed': 'could not be undone',
    dryTitle: 'Checked: nothing was changed',
    dryIntro: 'This is what “Do it” would do:',
    dryEmpty: 'Nothing would change.',
    dryNext: 'If this looks right, press “Do it”.',
    showChange: 'Show the change',
    doneTitle: 'Done',
    failTitle: 'It did not work',
    fixTitle: 'How to fix it',
    needsAttention: 'Part of it could not be undone. Your provider has been alerted and will finish it; you have nothing to do.',
    secretTitle: 'Copy it now: it will not be shown again',
    secretHelp: 'Keep it somewhere safe, such as a password manager. Nobody, not even your provider, can show it to you later.',
    copy: 'Copy',
    copied: 'Copied.',
    copyFailed: 'Your browser did not allow copying: select the text and copy it with your keyboard.',
    status_queued: 'waiting',
    status_running: 'in progress',
    status_succeeded: 'done',
    status_failed: 'failed',
    'status_needs-attention': 'with your provider',
    dryRunTag: 'check only',
    noJobs: 'Nothing yet.',
    show: 'Details',
    hide: 'Hide',
    doctorEmpty: 'Type a domain name first.',
    doctorChecking: 'Checking… this can take up to a minute.',
    doctorOk: 'Everything looks right: a certificate can be issued.',
    doctorNotOk: 'Something needs fixing before a certificate can be issued.',
    check_ok: 'OK',
    check_warning: 'Warning',
    check_failure: 'Problem',
    fix: 'Fix:',
    key_password: 'Password',
    key_user: 'User',
    key_database: 'Database',
    key_host: 'Host',
    key_port: 'Port',
    key_url: 'Address',
    key_names: 'Names',
    key_path: 'File',
    key_expires: 'Expires',
    key_renewAfter: 'Renewed after',
    key_root: 'Folder',
    key_echoed: 'Message',
  },
  fr: {
    skip: 'Aller au contenu',
    tagline: 'Votre hébergement, en libre-service',
    language: 'Langue',
    signOut: 'Se déconnecter',
    signInTitle: 'Connexion',
    signInIntro: 'Collez le jeton d’accès que votre hébergeur vous a donné.',
    tokenLabel: 'Jeton d’accès',
    tokenHelp: 'Il est gardé dans cet onglet seulement, et oublié quand vous fermez l’onglet ou vous déconnectez.',
    signIn: 'Se connecter',
    appTitle: 'Votre hébergement',
    resourcesTitle: 'Vos domaines et sites',
    opsTitle: 'Ce que vous pouvez faire',
    checkFirstHelp: '« Vérifier d’abord » montre ce qui changerait, sans rien changer.',
    checkFirst: 'Vérifier d’abord',
    doIt: 'Le faire',
    close: 'Fermer',
    doctorTitle: 'Vérifier mon domaine',
    doctorIntro: 'Trouve pourquoi un certificat ne peut pas être émis ou un site n’est pas joignable (DNS, anciens enregistrements IPv6, CAA...), et dit comment corriger.',
    doctorLabel: 'Noms de domaine',
    doctorHelp: 'Un ou plusieurs noms, séparés par des espaces, par ex. exemple.fr www.exemple.fr',
    doctorRun: 'Vérifier',
    jobsTitle: 'Opérations récentes',
    refresh: 'Actualiser',
    signedInAs: 'Connecté : {name}',
    signedInAdmin: 'Connecté en administrateur',
    tokenEmpty: 'Collez d’abord votre jeton d’accès.',
    tokenMalformed: 'Ceci ne ressemble pas à un jeton d’accès : un jeton est un seul morceau de texte, sans espace ni retour à la ligne. Copiez-le de nouveau depuis le message de votre hébergeur, en entier.',
    tokenRejected: 'Ce jeton d’accès n’a pas été accepté. Il est peut-être incomplet, mal recopié, ou plus valable. Copiez-le de nouveau depuis le message de votre hébergeur, en entier, ou demandez-lui un nouveau jeton.',
    tokenPrefix: 'Un jeton serein commence par « srn_ ».',
    sessionEnded: 'Votre jeton d’accès n’est plus accepté : vous avez été déconnecté. Collez-le de nouveau, ou demandez un nouveau jeton à votre hébergeur.',
    unreachable: 'Le service est injoignable. Vérifiez votre connexion, puis réessayez.',
    unexpected: 'Un problème inattendu est survenu ({status}). Réessayez dans un instant ; si cela continue, prévenez votre hébergeur.',
    loading: 'Chargement…',
    noResources: 'Rien pour l’instant.',
    kind_domain: 'Domaines',
    kind_vhost: 'Sites',
    kind_database: 'Bases de données',
    kind_certificate: 'Certificats',
    kind_server: 'Serveurs que vous pouvez utiliser',
    https: 'HTTPS',
    httpOnly: 'HTTP seulement',
    noOps: 'Aucune opération ne vous est encore ouverte.',
    open: 'Commencer',
    optional: '(facultatif)',
    yes: 'oui',
    no: 'non',
    choose: '— choisir —',
    domainsHint: 'Séparez les noms par des espaces.',
    queued: 'En attente de son tour…',
    running: 'En cours…',
    step_running: 'commencé',
    step_done: 'fait',
    step_compensated: 'annulé',
    'step_compensation-failed': 'n’a pas pu être annulé',
    dryTitle: 'Vérifié : rien n’a été changé',
    dryIntro: 'Voici ce que « Le faire » ferait :',
    dryEmpty: 'Rien ne changerait.',
    dryNext: 'Si cela vous convient, appuyez sur « Le faire ».',
    showChange: 'Voir la modification',
    doneTitle: 'C’est fait',
    failTitle: 'Cela n’a pas marché',
    fixTitle: 'Comment corriger',
    needsAttention: 'Une partie n’a pas pu être annulée. Votre hébergeur a été prévenu et va terminer ; vous n’avez rien à faire.',
    secretTitle: 'Copiez-le maintenant : il ne sera plus montré',
    secretHelp: 'Gardez-le en lieu sûr, par exemple dans un gestionnaire de mots de passe. Personne, pas même votre hébergeur, ne pourra vous le remontrer.',
    copy: 'Copier',
    copied: 'Copié.',
    copyFailed: 'Votre navigateur n’a pas permis la copie : sélectionnez le texte et copiez-le au clavier.',
    status_queued: 'en attente',
    status_running: 'en cours',
    status_succeeded: 'fait',
    status_failed: 'échoué',
    'status_needs-attention': 'chez votre hébergeur',
    dryRunTag: 'vérification seule',
    noJobs: 'Rien pour l’instant.',
    show: 'Détails',
    hide: 'Masquer',
    doctorEmpty: 'Tapez d’abord un nom de domaine.',
    doctorChecking: 'Vérification… cela peut prendre jusqu’à une minute.',
    doctorOk: 'Tout est en ordre : un certificat peut être émis.',
    doctorNotOk: 'Quelque chose doit être corrigé avant qu’un certificat puisse être émis.',
    check_ok: 'OK',
    check_warning: 'Attention',
    check_failure: 'Problème',
    fix: 'Correction :',
    key_password: 'Mot de passe',
    key_user: 'Utilisateur',
    key_database: 'Base de données',
    key_host: 'Hôte',
    key_port: 'Port',
    key_url: 'Adresse',
    key_names: 'Noms',
    key_path: 'Fichier',
    key_expires: 'Expire le',
    key_renewAfter: 'Renouvelé après',
    key_root: 'Dossier',
    key_echoed: 'Message',
  },
};

const TERMINAL = ['succeeded', 'failed', 'needs-attention'];
const TOKEN_KEY = 'serein.token';
const LANG_KEY = 'serein.language';

const state = {
  token: null,
  me: null,
  /** The language the person chose with the switch; null: the tenant's, else the browser's. */
  choice: null,
  lang: 'en',
  playbooks: [],
  resources: [],
  current: null,
  busy: false,
};

// ---------- small helpers ----------

const $ = (id) => document.getElementById(id);

function t(key, vars) {
  const text = STRINGS[state.lang][key] ?? STRINGS.en[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? '')) : text;
}

/** Creates an element; children are nodes or strings (as text, never HTML). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

function clear(el) {
  el.replaceChildren();
  return el;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function browserLanguage() {
  for (const l of navigator.languages ?? [navigator.language]) {
    const tag = String(l).slice(0, 2).toLowerCase();
    if (tag === 'fr' || tag === 'en') return tag;
  }
  return 'en';
}

function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(state.lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

function capitalize(s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

// ---------- the API ----------

class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.error = error;
  }
}

function headers(extra) {
  return { authorization: `Bearer ${state.token}`, 'accept-language': state.lang, ...extra };
}

/** Calls the API with the token; a 401 signs out. Throws ApiError with {code, message, hint}. */
async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, { code: 'unreachable', message: t('unreachable') });
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status === 401 && state.token) {
    signOut(t('sessionEnded'));
    throw new ApiError(401, { code: 'unauthorized', message: t('sessionEnded') });
  }
  if (!res.ok) throw new ApiError(res.status, data?.error ?? { code: 'unexpected', message: t('unexpected', { status: res.status }) });
  return data;
}

// ---------- language ----------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
  renderWho();
}

function pickLanguage() {
  state.lang = state.choice ?? state.me?.tenant?.language ?? browserLanguage();
  applyLanguage();
}

async function switchLanguage(lang) {
  state.choice = lang;
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    /* private mode: the choice lasts for this page */
  }
  pickLanguage();
  if (!state.token) return;
  const open = state.current && collectValues();
  await loadAll();
  if (open && state.playbooks.some((p) => p.name === open.playbook)) openPlaybook(open.playbook, open.values, false);
}

// ---------- signing in and out ----------

function showSignIn(message) {
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  const problem = $('sign-in-problem');
  problem.hidden = !message;
  problem.textContent = message ?? '';
  renderWho();
}

function signOut(message) {
  state.token = null;
  state.me = null;
  state.current = null;
  sessionStorage.removeItem(TOKEN_KEY);
  for (const id of ['resources', 'ops', 'jobs', 'doctor-result', 'run-fields', 'outcome', 'progress-steps']) clear($(id));
  $('run').hidden = true;
  $('token').value = '';
  pickLanguage();
  showSignIn(message);
  $('token').focus();
}

/** A token is one run of visible ASCII characters: anything else cannot be sent, and is a copy mistake. */
function tokenProblem(token) {
  if (!token) return t('tokenEmpty');
  if (!/^[\x21-\x7e]+$/.test(token)) return `${t('tokenMalformed')}${token.startsWith('srn_') ? '' : ` ${t('tokenPrefix')}`}`;
  return null;
}

async function signIn(token, { remember }) {
  state.token = token;
  try {
    const res = await fetch('/self-service/me', { headers: headers(), cache: 'no-store', credentials: 'omit' });
    if (res.status === 401) {
      state.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      const message = remember ? t('tokenRejected') + (token.startsWith('srn_') ? '' : ` ${t('tokenPrefix')}`) : t('sessionEnded');
      showSignIn(message);
      $('token').focus();
      return;
    }
    if (!res.ok) throw new ApiError(res.status, { message: t('unexpected', { status: res.status }) });
    state.me = await res.json();
  } catch (err) {
    state.token = null;
    showSignIn(err instanceof ApiError ? err.error.message : t('unreachable'));
    return;
  }
  if (remember) sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  pickLanguage();
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  await loadAll();
  if (remember) $('app-title').focus();
}

function renderWho() {
  const who = $('who');
  if (!state.me) {
    who.hidden = true;
    return;
  }
  who.hidden = false;
  who.textContent = state.me.tenant ? t('signedInAs', { name: state.me.tenant.name }) : t('signedInAdmin');
}

// ---------- what the tenant owns ----------

async function loadAll() {
  await Promise.all([loadResources(), loadPlaybooks(), loadJobs()]);
}

async function loadResources() {
  const box = $('resources');
  try {
    const { resources } = await api('GET', '/v1/resources');
    state.resources = resources;
    renderResources();
  } catch (err) {
    clear(box).append(problemBox(err));
  }
}

function renderResources() {
  const box = clear($('resources'));
  const groups = new Map();
  for (const r of state.resources) {
    if (!groups.has(r.kind)) groups.set(r.kind, new Map());
    groups.get(r.kind).set(r.name, r);
  }
  const order = ['domain', 'vhost', 'database', 'certificate', 'server'];
  const kinds = [...groups.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  if (!kinds.length) box.append(h('p', { class: 'empty', text: t('noResources') }));
  const grid = h('div', { class: 'groups' });
  for (const kind of kinds) {
    const items = [...groups.get(kind).values()].sort((a, b) => a.name.localeCompare(b.name));
    grid.append(
      h('div', { class: 'group' }, h('h3', { text: t(`kind_${kind}`) }), h('ul', { class: 'plain' }, items.map((r) => h('li', {}, resourceLine(r))))),
    );
  }
  box.append(grid);
  const list = clear($('owned-domains'));
  for (const r of state.resources) if (r.kind === 'domain' || r.kind === 'vhost') list.append(h('option', { value: r.name }));
}

function resourceLine(r) {
  const d = r.data ?? {};
  const out = [h('span', { class: 'mono', text: r.name })];
  if (r.kind === 'vhost') {
    out.push(' ', h('span', { class: `tag ${d.tls ? 'st-ok' : ''}`, text: d.tls ? t('https') : t('httpOnly') }));
    if (Array.isArray(d.aliases) && d.aliases.length) out.push(h('span', { class: 'muted block', text: d.aliases.join(', ') }));
  }
  if (r.kind === 'database' && d.database) out.splice(0, 1, h('span', { class: 'mono', text: String(d.database) }), h('span', { class: 'muted block', text: [d.engine, d.server].filter(Boolean).join(' · ') }));
  return out;
}

function serverNames() {
  return [...new Set(state.resources.filter((r) => r.kind === 'server').map((r) => r.name))].sort();
}

// ---------- operations ----------

async function loadPlaybooks() {
  const list = $('ops');
  try {
    const { playbooks } = await api('GET', '/v1/playbooks');
    state.playbooks = playbooks;
  } catch (err) {
    clear(list).append(h('li', {}, problemBox(err)));
    return;
  }
  clear(list);
  if (!state.playbooks.length) list.append(h('li', { class: 'empty', text: t('noOps') }));
  for (const p of state.playbooks) {
    const titleId = `op-${p.name}`;
    list.append(
      h(
        'li',
        { class: 'op' },
        h('h3', { id: titleId, text: p.title }),
        h('p', { class: 'description', text: p.description }),
        h('button', { type: 'button', class: 'secondary', 'aria-describedby': titleId, text: t('open'), onclick: () => openPlaybook(p.name) }),
      ),
    );
  }
}

function openPlaybook(name, values, focus = true) {
  const p = state.playbooks.find((x) => x.name === name);
  if (!p) return;
  state.current = p;
  $('run').hidden = false;
  $('run-title').textContent = p.title;
  $('run-description').textContent = p.description;
  const fields = clear($('run-fields'));
  for (const [key, spec] of Object.entries(p.inputs)) fields.append(field(key, spec, values?.[key]));
  if (!values) {
    $('progress').hidden = true;
    clear($('progress-steps'));
    $('outcome').hidden = true;
    clear($('outcome'));
  }
  if (focus) {
    $('run').scrollIntoView({ block: 'start' });
    $('run-title').focus();
  }
}

/** One form field for one typed input. */
function field(key, spec, value) {
  const id = `in-${key}`;
  const helpId = `${id}-help`;
  const optional = spec.required === false || spec.default !== undefined;
  // The description in plain words, with the input's name (error messages name it).
  const label = h(
    'label',
    { for: id },
    spec.description ? [capitalize(spec.description), ' ', h('span', { class: 'key', text: key })] : h('span', { class: 'mono', text: key }),
    optional && spec.type !== 'boolean' ? h('span', { class: 'muted', text: ` ${t('optional')}` }) : null,
  );
  const initial = value !== undefined ? value : spec.default;
  const common = { id, name: key, 'data-type': spec.type, 'aria-describedby': spec.type === 'domains' ? helpId : undefined };
  if (spec.type === 'boolean') {
    return h('div', { class: 'field check' }, h('input', { ...common, type: 'checkbox', checked: initial === true }), label);
  }
  let input;
  const servers = serverNames();
  if (spec.type === 'enum' || (['target', 'webserver', 'database-server'].includes(spec.type) && servers.length)) {
    const values = spec.type === 'enum' ? spec.values : servers;
    input = h('select', { ...common, required: !optional });
    if (optional || values.length > 1) input.append(h('option', { value: '', text: t('choose') }));
    for (const v of values) input.append(h('option', { value: v, text: v }));
    input.value = initial !== undefined && values.includes(String(initial)) ? String(initial) : values.length === 1 && !optional ? values[0] : '';
  } else if (spec.type === 'integer') {
    input = h('input', { ...common, type: 'number', inputmode: 'numeric', step: '1', min: spec.min, max: spec.max, required: !optional });
    if (initial !== undefined) input.value = String(initial);
  } else {
    const attrs = { ...common, type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', required: !optional };
    if (spec.type === 'domain') attrs.list = 'owned-domains';
    if (spec.type === 'url') attrs.inputmode = 'url';
    if (spec.type === 'string' && spec.maxLength) attrs.maxlength = spec.maxLength;
    input = h('input', attrs);
    if (initial !== undefined) input.value = Array.isArray(initial) ? initial.join(' ') : String(initial);
  }
  return h('div', { class: 'field' }, label, input, spec.type === 'domains' ? h('p', { id: helpId, class: 'help', text: t('domainsHint') }) : null);
}

/** The form's values, typed as the playbook declares them; empty optional fields are left out. */
function collectValues() {
  const values = {};
  for (const el of $('run-fields').querySelectorAll('[name]')) {
    const type = el.dataset.type;
    if (type === 'boolean') {
      values[el.name] = el.checked;
      continue;
    }
    const v = el.value.trim();
    if (v === '') continue;
    if (type === 'integer') values[el.name] = /^-?\d+$/.test(v) ? Number(v) : v;
    else if (type === 'domains') values[el.name] = v.split(/[\s,]+/).filter(Boolean);
    else values[el.name] = v;
  }
  return { playbook: state.current.name, values };
}

async function run(dryRun) {
  if (state.busy || !state.current) return;
  const { playbook, values } = collectValues();
  const title = state.current.title;
  setBusy(true);
  const outcome = $('outcome');
  outcome.hidden = true;
  clear(outcome);
  const steps = clear($('progress-steps'));
  $('progress').hidden = false;
  $('progress-status').textContent = t('queued');
  try {
    const { job } = await api('POST', '/v1/jobs', { playbook, inputs: values, dryRun });
    const final = await follow(job.id, steps);
    renderOutcome(outcome, final, title);
    if (!dryRun && final.status === 'succeeded') void loadResources();
  } catch (err) {
    renderProblem(outcome, err);
  } finally {
    $('progress').hidden = !steps.childElementCount;
    $('progress-status').textContent = '';
    outcome.hidden = false;
    outcome.focus();
    setBusy(false);
    void loadJobs();
  }
}

function setBusy(busy) {
  state.busy = busy;
  for (const b of $('run-form').querySelectorAll('button[type=submit]')) b.disabled = busy;
  $('run-form').setAttribute('aria-busy', String(busy));
}

/** Follows a job live (the event stream, read with fetch to send the token), then reads its outcome once. */
async function follow(id, stepsList) {
  const lines = new Map();
  const onEvent = (ev) => {
    let data = {};
    try {
      data = JSON.parse(ev.data || '{}');
    } catch {
      return;
    }
    if (ev.event === 'status' && data.message === 'running') $('progress-status').textContent = t('running');
    if (ev.event === 'step' && data.data?.step) {
      const s = data.data;
      const key = `${s.phase ?? ''}:${s.step}`;
      let li = lines.get(key);
      if (!li) {
        li = h('li');
        lines.set(key, li);
        stepsList.append(li);
      }
      li.className = `step st-${s.status}`;
      li.replaceChildren(s.title?.[state.lang] ? h('span', { text: s.title[state.lang] }) : h('span', { class: 'mono', text: s.step }), ` — ${t(`step_${s.status}`)}`);
    }
  };
  try {
    await stream(id, onEvent);
  } catch {
    /* no stream (a proxy may buffer it): ask now and then instead */
  }
  return poll(id);
}

async function stream(id, onEvent) {
  const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, { headers: headers(), cache: 'no-store', credentials: 'omit' });
  if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, '\n');
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const ev = { event: 'message', data: '' };
      for (const line of block.split('\n')) {
        const m = /^(event|data|id):\s?(.*)$/.exec(line);
        if (m && m[1] === 'data') ev.data += (ev.data ? '\n' : '') + m[2];
        else if (m) ev[m[1]] = m[2];
      }
      if (ev.event === 'end') {
        await reader.cancel().catch(() => undefined);
        return;
      }
      onEvent(ev);
    }
  }
}

/**
 * Reads the job until it is finished. A secret result is given once: the first read of a
 * finished job has it, a second read tells which values were the secret ones.
 */
async function poll(id) {
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const { job } = await api('GET', `/v1/jobs/${encodeURIComponent(id)}`);
    if (TERMINAL.includes(job.status)) {
      if (!job.secretShownOnce) return job;
      const again = await api('GET', `/v1/jobs/${encodeURIComponent(id)}`).catch(() => null);
      const shown = again?.job.result ?? {};
      job.secretKeys = Object.keys(job.result ?? {}).filter((k) => shown[k] !== job.result[k]);
      return job;
    }
    $('progress-status').textContent = t(job.status === 'running' ? 'running' : 'queued');
    await sleep(delay);
  }
}

// ---------- outcomes ----------

function renderOutcome(box, job, title) {
  clear(box);
  box.className = `outcome st-${job.status}`;
  if (job.status !== 'succeeded') {
    box.append(errorBlock(job.error ?? { message: t('failTitle') }, title));
    if (job.status === 'needs-attention') box.append(h('p', { class: 'note', text: t('needsAttention') }));
    return;
  }
  if (job.dryRun) {
    const plan = job.plan ?? job.result?.plan ?? [];
    box.append(h('h3', { text: `${t('dryTitle')}${title ? ` — ${title}` : ''}` }));
    if (!plan.length) box.append(h('p', { text: t('dryEmpty') }));
    else {
      box.append(h('p', { text: t('dryIntro') }));
      box.append(
        h(
          'ol',
          { class: 'plan' },
          plan.map((item) =>
            h(
              'li',
              {},
              h('span', { text: item.summary }),
              item.target ? h('span', { class: 'muted', text: ` (${item.target})` }) : null,
              item.diff ? h('details', {}, h('summary', { text: t('showChange') }), h('pre', { text: item.diff })) : null,
            ),
          ),
        ),
      );
    }
    box.append(h('p', { class: 'next', text: t('dryNext') }));
    return;
  }
  box.append(h('h3', { text: `${t('doneTitle')}${title ? ` — ${title}` : ''}` }));
  const result = job.result ?? {};
  const secretKeys = job.secretKeys ?? [];
  for (const key of secretKeys) box.append(secretBlock(key, String(result[key])));
  const rows = Object.entries(result).filter(([k, v]) => !secretKeys.includes(k) && v !== '' && v !== null && v !== undefined);
  if (rows.length) {
    box.append(
      h(
        'dl',
        { class: 'result' },
        rows.map(([k, v]) => [h('dt', { text: t(`key_${k}`) === `key_${k}` ? k : t(`key_${k}`) }), h('dd', { class: 'mono', text: typeof v === 'object' ? (Array.isArray(v) ? v.join(', ') : JSON.stringify(v)) : String(v) })]),
      ),
    );
  }
}

/** A secret result: shown in full (it wraps on a phone), with a copy button and the warning. */
function secretBlock(key, value) {
  const labelId = `secret-${key}-label`;
  const status = h('p', { class: 'copy-status', role: 'status' });
  const shown = h('code', { class: 'secret-value', tabindex: '0', 'aria-labelledby': labelId, text: value });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      status.textContent = t('copied');
    } catch {
      shown.focus();
      window.getSelection()?.selectAllChildren(shown);
      status.textContent = t('copyFailed');
    }
  };
  return h(
    'div',
    { class: 'secret', role: 'alert' },
    h('h4', { text: t('secretTitle') }),
    h('p', { id: labelId, class: 'secret-label', text: t(`key_${key}`) === `key_${key}` ? key : t(`key_${key}`) }),
    h('div', { class: 'secret-row' }, shown, h('button', { type: 'button', class: 'primary', text: t('copy'), onclick: copy })),
    status,
    h('p', { class: 'help', text: t('secretHelp') }),
  );
}

/** An error as the API gives it: the message, and the fix (its hint) where the eye goes. */
function errorBlock(error, title) {
  return h(
    'div',
    { class: 'failure', role: 'alert' },
    h('h3', { text: `${t('failTitle')}${title ? ` — ${title}` : ''}` }),
    h('p', { class: 'message', text: error.message }),
    error.hint ? h('div', { class: 'fix' }, h('h4', { text: t('fixTitle') }), h('p', { text: error.hint })) : null,
  );
}

function renderProblem(box, err) {
  clear(box);
  box.className = 'outcome st-failed';
  box.append(errorBlock(err instanceof ApiError ? err.error : { message: t('unreachable') }, state.current?.title));
}

function problemBox(err) {
  const e = err instanceof ApiError ? err.error : { message: t('unreachable') };
  return h('div', { class: 'problem', role: 'alert' }, h('p', { text: e.message }), e.hint ? h('p', { text: e.hint }) : null);
}

// ---------- check my domain ----------

async function doctor(event) {
  event.preventDefault();
  const box = clear($('doctor-result'));
  const domains = $('doctor-domains').value.split(/[\s,]+/).filter(Boolean);
  if (!domains.length) {
    box.append(h('p', { class: 'problem', role: 'alert', text: t('doctorEmpty') }));
    $('doctor-domains').focus();
    return;
  }
  const button = $('doctor-form').querySelector('button');
  button.disabled = true;
  box.append(h('p', { class: 'status-line', text: t('doctorChecking') }));
  try {
    const d = await api('POST', '/v1/doctor', { domains });
    clear(box);
    box.append(h('p', { class: `summary ${d.ok ? 'st-ok' : 'st-failure'}`, text: d.ok ? t('doctorOk') : t('doctorNotOk') }));
    const rank = { failure: 0, warning: 1, ok: 2 };
    const checks = [...d.checks].sort((a, b) => (rank[a.status] ?? 3) - (rank[b.status] ?? 3));
    box.append(
      h(
        'ul',
        { class: 'checks' },
        checks.map((c) =>
          h(
            'li',
            { class: `check-item st-${c.status}` },
            h('p', { class: 'check-head' }, h('span', { class: `badge st-${c.status}`, text: t(`check_${c.status}`) }), ' ', h('strong', { text: c.title }), ' ', h('span', { class: 'muted mono', text: c.domain })),
            c.message ? h('p', { text: c.message }) : null,
            c.fix && c.status !== 'ok' ? h('p', { class: 'fix-line' }, h('strong', { text: `${t('fix')} ` }), c.fix) : null,
          ),
        ),
      ),
    );
  } catch (err) {
    clear(box).append(problemBox(err));
  } finally {
    button.disabled = false;
  }
}

// ---------- recent jobs ----------

async function loadJobs() {
  const box = $('jobs');
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
  box.append(
    h(
      'ul',
      { class: 'jobs' },
      jobs.map((job) => {
        const detail = h('div', { class: 'job-detail', id: `job-${job.id}`, hidden: true });
        const toggle = h('button', { type: 'button', class: 'quiet', 'aria-expanded': 'false', 'aria-controls': `job-${job.id}`, text: t('show') });
        toggle.addEventListener('click', async () => {
          const open = toggle.getAttribute('aria-expanded') === 'true';
          toggle.setAttribute('aria-expanded', String(!open));
          toggle.textContent = open ? t('show') : t('hide');
          detail.hidden = open;
          if (open) return;
          try {
            const full = TERMINAL.includes(job.status) ? await poll(job.id) : job;
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
            h('span', { class: 'job-title', text: titles.get(job.playbook) ?? job.playbook }),
            h('span', { class: `badge st-${job.status}`, text: t(`status_${job.status}`) }),
            job.dryRun ? h('span', { class: 'tag', text: t('dryRunTag') }) : null,
            h('time', { class: 'muted', datetime: job.createdAt, text: formatDate(job.createdAt) }),
            toggle,
          ),
          detail,
        );
      }),
    ),
  );
}

// ---------- start ----------

function start() {
  try {
    state.choice = ['en', 'fr'].includes(localStorage.getItem(LANG_KEY)) ? localStorage.getItem(LANG_KEY) : null;
  } catch {
    state.choice = null;
  }
  pickLanguage();
  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => void switchLanguage(b.dataset.lang));
  $('sign-out').addEventListener('click', () => signOut());
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    const problem = tokenProblem(token);
    if (problem) {
      showSignIn(problem);
      $('token').focus();
      return;
    }
    void signIn(token, { remember: true });
  });
  $('run-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void run(event.submitter?.value !== 'run');
  });
  $('run-close').addEventListener('click', () => {
    $('run').hidden = true;
    state.current = null;
  });
  $('doctor-form').addEventListener('submit', (event) => void doctor(event));
  $('jobs-refresh').addEventListener('click', () => void loadJobs());
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) void signIn(saved, { remember: false });
  else showSignIn();
}

start();
