/**
 * `{{ path }}` substitution in playbook values. A value that is exactly one expression
 * keeps its type (a list stays a list); anything else becomes text inside the same
 * string, so a request value can land inside one argv element but never split it.
 * There is no code in expressions: only dotted paths, and `a || b` for a fallback.
 */
const EXPR = /\{\{\s*([^}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^}]+?)\s*\}\}$/;

/** Returned for a value that will only be known when the job runs (dry-run plans). */
export const unknownValue = (path: string) => `‹${path}›`;

export interface RenderScope {
  [key: string]: unknown;
}

export function render<T>(value: T, scope: RenderScope, opts: { lenient?: boolean } = {}): T {
  return renderAny(value, scope, opts.lenient ?? false) as T;
}

function renderAny(value: unknown, scope: RenderScope, lenient: boolean): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return evaluate(whole[1], scope, lenient);
    return value.replace(EXPR, (_, expr: string) => {
      const v = evaluate(expr, scope, lenient);
      if (v === undefined || v === null) return '';
      return Array.isArray(v) ? v.join(' ') : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => renderAny(v, scope, lenient));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderAny(v, scope, lenient)]));
  }
  return value;
}

function evaluate(expr: string, scope: RenderScope, lenient: boolean): unknown {
  for (const alternative of expr.split('||').map((s) => s.trim())) {
    if (/^'[^']*'$/.test(alternative)) return alternative.slice(1, -1);
    const value = lookup(alternative, scope);
    if (value !== undefined && value !== null && value !== '') return value;
    if (value === undefined && lenient && alternative.startsWith('steps.')) return unknownValue(alternative);
  }
  return undefined;
}

function lookup(path: string, scope: RenderScope): unknown {
  if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(path)) throw new Error(`template expression "${path}" is not a dotted path`);
  let cur: unknown = scope;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
