// @ts-check
// An operation's form: one field per typed input, and the values typed into it.

import { byId, capitalize, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { choicesFor, suggestedFor } from '../kinds.js';
import { state } from '../state.js';

/** @typedef {import('../types.js').InputSpec} InputSpec */

/**
 * One form field for one typed input: a checkbox, a list to choose from (an enum, or the
 * servers the tenant may use), a number, or text (with the owned names suggested).
 * @param {string} key
 * @param {InputSpec} spec
 * @param {unknown} value what was typed before (the form is redrawn on a language switch)
 */
export function field(key, spec, value) {
  const id = `in-${key}`;
  const helpId = `${id}-help`;
  const optional = spec.required === false || spec.default !== undefined;
  // The description in plain words, with the input's name (error messages name it).
  // The description in plain words; admins also see the input's name (API errors name it).
  const admin = state.me?.kind === 'admin';
  const label = h(
    'label',
    { for: id },
    spec.description
      ? [capitalize(spec.description), admin ? [' ', h('span', { class: 'key', text: key })] : null]
      : h('span', { class: 'mono', text: key }),
    optional && spec.type !== 'boolean' ? h('span', { class: 'muted', text: ` ${t('optional')}` }) : null,
  );
  const initial = value !== undefined ? value : spec.default;
  const common = {
    id,
    name: key,
    'data-type': spec.type,
    'aria-describedby': spec.type === 'domains' ? helpId : undefined,
  };
  if (spec.type === 'boolean') {
    return h(
      'div',
      { class: 'field check' },
      h('input', { ...common, type: 'checkbox', checked: initial === true }),
      label,
    );
  }
  /** @type {HTMLInputElement | HTMLSelectElement} */
  let input;
  const choices = choicesFor(spec.type, state.resources);
  if (spec.type === 'enum' || choices.length) {
    const values = spec.type === 'enum' ? (spec.values ?? []) : choices;
    input = h('select', { ...common, required: !optional });
    if (optional || values.length > 1) input.append(h('option', { value: '', text: t('choose') }));
    for (const v of values) input.append(h('option', { value: v, text: v }));
    input.value =
      initial !== undefined && values.includes(String(initial))
        ? String(initial)
        : values.length === 1 && !optional
          ? values[0]
          : '';
  } else if (spec.type === 'integer') {
    input = h('input', {
      ...common,
      type: 'number',
      inputmode: 'numeric',
      step: '1',
      min: spec.min,
      max: spec.max,
      required: !optional,
    });
    if (initial !== undefined) input.value = String(initial);
  } else {
    /** @type {Record<string, unknown>} */
    const attrs = {
      ...common,
      type: 'text',
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      required: !optional,
    };
    if (suggestedFor(spec.type)) attrs.list = 'owned-domains';
    if (spec.type === 'url') attrs.inputmode = 'url';
    if (spec.type === 'string' && spec.maxLength) attrs.maxlength = spec.maxLength;
    // A name to type: a valid example made from the account's name, never the pattern.
    const example = spec.type === 'identifier' ? exampleName(spec) : undefined;
    if (example) {
      attrs.placeholder = example;
      attrs['aria-describedby'] = helpId;
    }
    input = h('input', attrs);
    if (initial !== undefined) input.value = Array.isArray(initial) ? initial.join(' ') : String(initial);
    if (example)
      return h(
        'div',
        { class: 'field' },
        label,
        input,
        h('p', { id: helpId, class: 'help', text: t('exampleName', { name: example }) }),
      );
  }
  return h(
    'div',
    { class: 'field' },
    label,
    input,
    spec.type === 'domains' ? h('p', { id: helpId, class: 'help', text: t('domainsHint') }) : null,
  );
}

/**
 * A valid name the client could use, from their first site ("boutique" for
 * boutique.example.fr; the account's id is put in front by the server, so not from it),
 * checked against the input's pattern.
 */
function exampleName(/** @type {InputSpec & { pattern?: string }} */ spec) {
  const from =
    state.resources
      .find((r) => r.kind === 'vhost')
      ?.name.replace(/^www\./, '')
      .split('.')[0] ?? 'shop';
  const base = from
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  let re;
  try {
    re = new RegExp(spec.pattern ?? '^[a-z][a-z0-9_]*$');
  } catch {
    return undefined;
  }
  for (const candidate of [base, 'shop', 'site', 'data']) {
    for (let n = candidate.length; n > 0; n--) {
      const c = candidate.slice(0, n).replace(/_+$/, '');
      if (c && re.test(c)) return c;
    }
  }
  return undefined;
}

/**
 * The open form's values, typed as the playbook declares them; empty optional fields are left out.
 * @returns {{ playbook: string, values: Record<string, unknown> } | null} null when no form is open
 */
export function collectValues() {
  if (!state.current) return null;
  /** @type {Record<string, unknown>} */
  const values = {};
  for (const el of byId('run-fields').querySelectorAll('input[name], select[name]')) {
    const input = /** @type {HTMLInputElement | HTMLSelectElement} */ (el);
    const type = input.dataset.type;
    if (input instanceof HTMLInputElement && type === 'boolean') {
      values[input.name] = input.checked;
      continue;
    }
    const v = input.value.trim();
    if (v === '') continue;
    if (type === 'integer') values[input.name] = /^-?\d+$/.test(v) ? Number(v) : v;
    else if (type === 'domains') values[input.name] = v.split(/[\s,]+/).filter(Boolean);
    else values[input.name] = v;
  }
  return { playbook: state.current.name, values };
}
