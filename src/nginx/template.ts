import type { OperationError } from '../errors.js';
import { templateError } from './errors.js';

/**
 * A deliberately tiny template format for nginx configuration files, so an admin can
 * adapt the generated vhosts without touching code and without a template language
 * that could run anything:
 *
 *   {{ name }}                         inserts a value (a list becomes space-separated)
 *   {{#if name}} ... {{/if}}           kept when the value is true, a non-empty text or list
 *   {{#unless name}} ... {{/unless}}   kept when it is not
 *   {{#each list as item}} ... {{/each}}  repeated for each element, `item` inside
 *
 * A tag alone on its line removes that whole line, so blocks do not leave blank lines.
 * Every inserted value must be a plain nginx word: a value holding `; { } ' " \ $ #`,
 * a space or a line break is refused, because it could end a directive or open a block
 * and turn a request value into configuration. Unknown names are errors, not empty text.
 */

/** What a template variable may hold: words, numbers, flags and lists of words. */
export type TemplateValue = string | number | boolean | string[] | undefined | null;
/** The variables a template is rendered with. */
export type TemplateVars = Record<string, TemplateValue>;

/** Characters that could change the meaning of an nginx configuration when inserted. */
const UNSAFE = /[;{}'"\\$#\s`]/;

/** A template that cannot be rendered: its line, and why. Admins fix the template file. */
export class TemplateError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'TemplateError';
  }

  /** The client reads that the site template is broken on the provider's side; admins get file and line. */
  toOperationError(): OperationError {
    return templateError(this.message);
  }
}

/** Why a value cannot go into an nginx file, or undefined when it can. */
export function unsafeNginxValue(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  const m = UNSAFE.exec(value);
  if (!m) return undefined;
  const shown = /\s/.test(m[0]) ? 'a space or line break' : `"${m[0]}"`;
  return `contains ${shown}, which could change the nginx configuration`;
}

type Node =
  | { type: 'text'; text: string }
  | { type: 'var'; name: string; line: number }
  | { type: 'if' | 'unless'; name: string; line: number; body: Node[] }
  | { type: 'each'; name: string; as: string; line: number; body: Node[] };

const TAG = /\{\{\s*([#/]?)\s*([^}]*?)\s*\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses a template once; rendering is then a walk over the tree. */
export function parseTemplate(text: string, file = 'template'): Node[] {
  // Standalone block tags (only whitespace around them on their line) take their line with them.
  const source = text.replace(/^[ \t]*(\{\{\s*[#/][^}]*\}\})[ \t]*\r?\n/gm, '$1');
  const root: Node[] = [];
  const stack: { node: Extract<Node, { body: Node[] }> }[] = [];
  const current = () => (stack.length ? stack[stack.length - 1].node.body : root);
  let last = 0;
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;
  for (const m of source.matchAll(TAG)) {
    const index = m.index ?? 0;
    if (index > last) current().push({ type: 'text', text: source.slice(last, index) });
    last = index + m[0].length;
    const line = lineAt(index);
    const [, sigil, body] = m;
    if (sigil === '#') {
      const parts = body.split(/\s+/);
      const kind = parts[0];
      if (kind === 'if' || kind === 'unless') {
        if (parts.length !== 2 || !NAME.test(parts[1]))
          throw new TemplateError(file, line, `"{{#${body}}}" must be {{#${kind} name}}`);
        const node = { type: kind, name: parts[1], line, body: [] as Node[] } as const;
        current().push(node);
        stack.push({ node });
      } else if (kind === 'each') {
        if (parts.length !== 4 || parts[2] !== 'as' || !NAME.test(parts[1]) || !NAME.test(parts[3])) {
          throw new TemplateError(file, line, `"{{#${body}}}" must be {{#each list as item}}`);
        }
        const node = { type: 'each', name: parts[1], as: parts[3], line, body: [] as Node[] } as const;
        current().push(node);
        stack.push({ node });
      } else {
        throw new TemplateError(file, line, `unknown block "{{#${body}}}"; use #if, #unless or #each`);
      }
    } else if (sigil === '/') {
      const open = stack.pop();
      if (!open) throw new TemplateError(file, line, `"{{/${body}}}" closes nothing`);
      if (open.node.type !== body)
        throw new TemplateError(
          file,
          line,
          `"{{/${body}}}" closes the {{#${open.node.type}}} opened on line ${open.node.line}`,
        );
    } else {
      if (!NAME.test(body)) throw new TemplateError(file, line, `"{{ ${body} }}" is not a variable name`);
      current().push({ type: 'var', name: body, line });
    }
  }
  if (stack.length) {
    const open = stack[stack.length - 1].node;
    throw new TemplateError(file, open.line, `{{#${open.type} ${open.name}}} is never closed`);
  }
  if (last < source.length) current().push({ type: 'text', text: source.slice(last) });
  return root;
}

const truthy = (v: TemplateValue) =>
  Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== false && v !== '';

function insert(file: string, line: number, name: string, value: TemplateValue): string {
  if (value === undefined || value === null) throw new TemplateError(file, line, `unknown variable "${name}"`);
  const items = Array.isArray(value) ? value : [String(value)];
  for (const item of items) {
    const why = unsafeNginxValue(item);
    if (why)
      throw new TemplateError(file, line, `the value of "${name}" (${JSON.stringify(item).slice(0, 80)}) ${why}`);
  }
  return items.join(' ');
}

function walk(nodes: Node[], vars: TemplateVars, file: string): string {
  let out = '';
  for (const n of nodes) {
    switch (n.type) {
      case 'text':
        out += n.text;
        break;
      case 'var':
        out += insert(file, n.line, n.name, vars[n.name]);
        break;
      case 'if':
      case 'unless': {
        if (!(n.name in vars)) throw new TemplateError(file, n.line, `unknown variable "${n.name}"`);
        if (truthy(vars[n.name]) === (n.type === 'if')) out += walk(n.body, vars, file);
        break;
      }
      case 'each': {
        const list = vars[n.name];
        if (!Array.isArray(list)) throw new TemplateError(file, n.line, `"${n.name}" is not a list`);
        for (const item of list) out += walk(n.body, { ...vars, [n.as]: item }, file);
        break;
      }
    }
  }
  return out;
}

// The trees of the templates last rendered, by their text (a web server has one or two): every site rendered
// parsed its template again, a burst of 500 new sites 500 times. A template that does not parse is not kept.
const parsed = new Map<string, Node[]>();

/** Renders a template text with values; throws TemplateError naming the line on any problem. */
export function renderTemplate(text: string, vars: TemplateVars, file = 'template'): string {
  let nodes = parsed.get(text);
  if (!nodes) {
    nodes = parseTemplate(text, file);
    if (parsed.size >= 16) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, nodes);
  }
  return walk(nodes, vars, file);
}
