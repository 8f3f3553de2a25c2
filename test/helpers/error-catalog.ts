import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The error catalogs read from the source, for the test that each code is defined once
 * (test/error-catalog.test.ts) and for docs/errors.md, which `npm run docs:errors` writes
 * from them. Read from the syntax, not by running it: a builder needs arguments to run.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/** Where the generated list of codes lives (checked current by the test). */
export const DOC = join(ROOT, 'docs/errors.md');

/** The naming rule of a catalog: a module's `errors.ts`, or `<concern>-errors.ts` beside the code it serves. */
export const isCatalog = (path: string): boolean => /(^|\/)([\w-]+-)?errors\.ts$/.test(path);

/** One `new OperationError(...)` of a catalog: the code it gives and the builder it is written in. */
export interface CatalogEntry {
  /** The literal code; null where the code is carried over (a target's own code, a copy's). */
  code: string | null;
  /** src/ path of the catalog. */
  file: string;
  /** The exported function or constant that builds it. */
  builder: string;
  status: number;
  /** What a client reads, in English, as written (`${...}` where a value goes in). */
  message: string;
  /** The first sentence of the builder's doc comment: when it is given. */
  when: string;
}

/** Every .ts file of src/, as paths relative to src/ (the page's browser modules are .js and throw none). */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts')) out.push(relative(SRC, path));
    }
  };
  walk(SRC);
  return out.sort();
}

/** Files outside the catalogs that construct an OperationError themselves, with the line of each. */
export function strayConstructions(): string[] {
  return sourceFiles()
    .filter((f) => !isCatalog(f))
    .flatMap((f) =>
      readFileSync(join(SRC, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/new\s+OperationError\s*\(/.test(line) ? [`src/${f}:${i + 1}`] : [])),
    );
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The English text of a Localized argument as written: the `en` of an object literal, else the expression itself. */
function english(arg: ts.Expression | undefined, sf: ts.SourceFile): string {
  if (!arg) return '';
  if (ts.isObjectLiteralExpression(arg)) {
    const en = arg.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'en');
    if (en && ts.isPropertyAssignment(en)) {
      const v = en.initializer;
      if (ts.isStringLiteral(v) || ts.isNoSubstitutionTemplateLiteral(v)) return v.text;
      if (ts.isTemplateExpression(v)) return oneLine(v.getText(sf).slice(1, -1));
      return oneLine(v.getText(sf));
    }
  }
  if (ts.isBinaryExpression(arg) && arg.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)
    return `${english(arg.right, sf)} (or the caller's own)`;
  if (ts.isConditionalExpression(arg)) return `${english(arg.whenTrue, sf)} / ${english(arg.whenFalse, sf)}`;
  // both(text) and L(en, fr) (src/dns/messages-words.ts) hold the English first.
  if (ts.isCallExpression(arg) && ['both', 'L'].includes(arg.expression.getText(sf))) {
    const v = arg.arguments[0];
    return v && (ts.isStringLiteral(v) || ts.isNoSubstitutionTemplateLiteral(v))
      ? v.text
      : oneLine(v?.getText(sf).replace(/^`|`$/g, '') ?? '');
  }
  if (ts.isCallExpression(arg)) return `(worded by ${arg.expression.getText(sf)}())`;
  return `(the caller's ${oneLine(arg.getText(sf))})`;
}

/** The builder around a node: the nearest named function, method or variable, and its doc comment's first sentence. */
function builderOf(node: ts.Node, sf: ts.SourceFile): { builder: string; when: string } {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    let name: string | undefined;
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name) name = n.name.getText(sf);
    // A constant counts only at the top of the file (`export const tooManyJobs = (max) => ...`), not a local `err`.
    else if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && ts.isSourceFile(n.parent.parent.parent))
      name = n.name.text;
    if (!name) continue;
    const holder = ts.isVariableDeclaration(n) ? n.parent.parent : n;
    const docs = ts.getJSDocCommentsAndTags(holder).filter(ts.isJSDoc);
    const comment = docs.length ? ts.getTextOfJSDocComment(docs[docs.length - 1].comment) : undefined;
    const when = comment ? oneLine(comment).split(/(?<=\.)\s/)[0] : '';
    return { builder: name, when };
  }
  return { builder: '(top level)', when: '' };
}

/** Every construction in every catalog of src/. */
export function readCatalogs(): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  for (const file of sourceFiles().filter(isCatalog)) {
    const text = readFileSync(join(SRC, file), 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && node.expression.getText(sf) === 'OperationError') {
        const [code, message, , , status] = node.arguments ?? [];
        entries.push({
          code: code && ts.isStringLiteral(code) ? code.text : null,
          file: `src/${file}`,
          ...builderOf(node, sf),
          status: status && ts.isNumericLiteral(status) ? Number(status.text) : status ? NaN : 422,
          message: english(message, sf),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return entries;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/**
 * The codes a target's failure carries (`new TargetError(message, fix, code)`): a client reads
 * "We could not reach or change the server." with that code (src/errors.ts, toOperationError),
 * the admin the message and its fix. Code, file and the fix as written.
 */
export function targetCodes(): { code: string; file: string; fix: string }[] {
  const out: { code: string; file: string; fix: string }[] = [];
  for (const file of sourceFiles().filter((f) => f.startsWith('targets/'))) {
    const sf = ts.createSourceFile(file, readFileSync(join(SRC, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && node.expression.getText(sf) === 'TargetError') {
        const [, fix, code] = node.arguments ?? [];
        const text = (e?: ts.Expression): string =>
          !e || ts.isIdentifier(e)
            ? '(depends on the failure)'
            : ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)
              ? e.text
              : ts.isTemplateExpression(e)
                ? oneLine(e.getText(sf).slice(1, -1))
                : oneLine(e.getText(sf));
        out.push({
          code: code && ts.isStringLiteral(code) ? code.text : 'target_error',
          file: `src/${file}`,
          fix: text(fix),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out.sort((a, b) => a.code.localeCompare(b.code) || a.file.localeCompare(b.file));
}

/** docs/errors.md as the catalogs make it today. */
export function errorsMarkdown(entries = readCatalogs()): string {
  const named = entries.filter((e) => e.code !== null).sort((a, b) => a.code!.localeCompare(b.code!));
  const lines = [
    '# Error codes',
    '',
    'Every failure serein reports carries one of these codes, with a message and a hint in English and French',
    '(`{code, message, hint, technical?, detail?}`; `detail` for admins only). Each code is built in one place:',
    "the catalog of the module it belongs to (a module's `errors.ts` or a `<concern>-errors.ts` beside its code;",
    'the codes several modules share, such as `not_found`, in `src/errors.ts`). To add one, write a named builder',
    'in that catalog with both languages, then run `npm run docs:errors`: `test/error-catalog.test.ts` fails while',
    'a code is defined twice, an `OperationError` is built outside a catalog, or this file is out of date.',
    '',
    'Messages are shown as written: `${...}` is where a value (a name, a number) goes in. Status is the HTTP status',
    'an API answer carries (422 unless said otherwise; a job that fails records the same code).',
    '',
    '| code | status | message (English) | built by |',
    '|---|---|---|---|',
    ...named.map(
      (e) =>
        `| \`${e.code}\` | ${Number.isNaN(e.status) ? 'varies' : e.status} | ${cell(e.message)} | \`${e.builder}\` in \`${e.file}\`${e.when ? `: ${cell(e.when)}` : ''} |`,
    ),
    '',
    '## Codes from the targets',
    '',
    'A failure on a server (a program that could not start, SSH refused, a file that could not be written)',
    'reaches the client as "We could not reach or change the server." with one of these codes; the admin reads',
    'the message and the fix below (`detail`). A full or read-only disk is told as `disk_full` or `disk_read_only`.',
    '',
    '| code | fix for the admin | thrown in |',
    '|---|---|---|',
    ...targetCodes().map((t) => `| \`${t.code}\` | ${cell(t.fix)} | \`${t.file}\` |`),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(DOC, errorsMarkdown());
  console.log(`wrote ${relative(ROOT, DOC)}`);
}
