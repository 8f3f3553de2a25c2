/**
 * A hostile client's words cost time linear in their length: every regular expression of
 * src/requests (where a request's text is read) is proved free of super-linear
 * backtracking by recheck's automaton checker, not timed. The former host-name pattern
 * (labels within labels, a lookahead to the end of the run at every label) and the
 * e-mail stripper (`\S+@\S+`) took seconds on 50 kB: the API's 1,000-character cap only
 * hid them. And host names are still found as before: the same names and words as the
 * former patterns (kept here as the reference, on short texts only).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { checkSync } from 'recheck';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { fold, hostNames, words } from '../../src/requests/text.js';

const folder = resolve(import.meta.dirname, '../../src/requests');

/** Every regular expression written in the folder's modules, and every one built at run time (which cannot be checked). */
function patternsOf(dir: string): { file: string; source: string; flags: string }[] {
  const found: { file: string; source: string; flags: string }[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const file = join(dir, name);
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText();
        const end = text.lastIndexOf('/');
        found.push({ file: name, source: text.slice(1, end), flags: text.slice(end + 1) });
      } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && node.expression.getText() === 'RegExp') {
        found.push({ file: name, source: `(built at run time: ${node.getText()})`, flags: '' });
      }
      ts.forEachChild(node, visit);
    };
    visit(ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true));
  }
  return found;
}

describe("reading a client's request", () => {
  it('uses only regular expressions proved linear (recheck, automaton checker)', () => {
    const patterns = patternsOf(folder);
    expect(patterns.length).toBeGreaterThan(3);
    for (const p of patterns) {
      const r = checkSync(p.source, p.flags, { checker: 'automaton' });
      const attack = r.status === 'vulnerable' ? ` (attack: ${r.attack.pattern})` : '';
      expect(
        { pattern: `${p.file}: /${p.source}/${p.flags}`, status: r.status, checker: r.checker },
        `${r.status}${attack}`,
      ).toEqual({ pattern: `${p.file}: /${p.source}/${p.flags}`, status: 'safe', checker: 'automaton' });
    }
  });

  it('finds host names as it did: examples', () => {
    expect(hostNames('Mettre le HTTPS sur www.Boutique.fr et blog.boutique.fr.')).toEqual([
      'www.boutique.fr',
      'blog.boutique.fr',
    ]);
    expect(hostNames('https://shop.example.com/panier, écrivez à contact@shop.example.com')).toEqual([
      'shop.example.com',
    ]);
    expect(hostNames('version 8.3, fichier index.php1 et a_b.fr, x.fr-y, @pseudo.fr et rien.fr@')).toEqual([]);
    expect(hostNames('le site a.bc.de-x puis ma-boutique.co.uk')).toEqual(['a.bc', 'ma-boutique.co.uk']);
    expect(words('Sécuriser boutique.fr svp, merci: contact@boutique.fr')).toEqual(['securiser', 'svp', 'merci']);
  });

  it('finds the same host names and words as the former pattern, on random requests', () => {
    // The former code, kept as the reference: quadratic, so only ever run on short texts here.
    const HOST =
      /(?<![\w@.-])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}(?![\w.-]*@)(?![\w-])/g;
    const stripped = (t: string) => fold(t).replace(/\S+@\S+/g, ' ');
    const before = (t: string) => ({
      names: [...new Set(stripped(t).match(HOST) ?? [])],
      words: stripped(t)
        .replace(HOST, ' ')
        .split(/[^a-z0-9]+/)
        .filter(Boolean)
        .slice(0, 40),
    });
    const piece = fc.constantFrom(
      'a',
      'b',
      'z',
      '1',
      '.',
      '-',
      '_',
      '@',
      ' ',
      '\n',
      'É',
      'é',
      'œ',
      '/',
      ':',
      ',',
      'fr',
      'com',
      'www.',
      'shop',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
        (text) => {
          expect({ names: hostNames(text), words: words(text) }).toEqual(before(text));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
