import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layout the README's "How it is built" promises, kept true: libraries below the
 * engine do not reach up into it, and no two folders of src/ import each other, even
 * through others (a cycle makes a folder impossible to understand or test on its own).
 */

const SRC = resolve(import.meta.dirname, '../src');

/** Every module of src/ with the src/ modules it imports (type-only imports included: they couple too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(e.name) && !path.includes('self-service')) {
        const text = readFileSync(path, 'utf8');
        const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
        graph.set(
          relative(SRC, path),
          specs.map((s) => relative(SRC, resolve(dirname(path), s)).replace(/\.js$/, '.ts')),
        );
      }
    }
  };
  walk(SRC);
  return graph;
}

/** The folder a module belongs to; a file at the top of src/ stands on its own. */
const folder = (module: string) => (module.includes('/') ? module.split('/')[0] : module);

describe('architecture', () => {
  const graph = importGraph();

  it('nginx, db, dns, the ACME protocol client and the helpers import nothing from the engine', () => {
    const offenders = [...graph].filter(
      ([m, deps]) =>
        ['nginx', 'db', 'dns', 'acme', 'util'].includes(folder(m)) && deps.some((d) => folder(d) === 'engine'),
    );
    expect(offenders.map(([m]) => m)).toEqual([]);
  });

  it('the ACME protocol client knows nothing of serein (only its own folder and the helpers)', () => {
    const offenders = [...graph].filter(
      ([m, deps]) => folder(m) === 'acme' && deps.some((d) => !['acme', 'util'].includes(folder(d))),
    );
    expect(offenders.map(([m]) => m)).toEqual([]);
  });

  it('no two folders of src/ depend on each other, directly or through others', () => {
    const edges = new Map<string, Set<string>>();
    for (const [m, deps] of graph)
      for (const d of deps)
        if (folder(d) !== folder(m))
          (edges.get(folder(m)) ?? edges.set(folder(m), new Set()).get(folder(m))!).add(folder(d));
    const cycles: string[] = [];
    const reach = (from: string, to: string, seen = new Set<string>()): string[] | undefined => {
      for (const next of edges.get(from) ?? []) {
        if (next === to) return [from, to];
        if (seen.has(next)) continue;
        seen.add(next);
        const path = reach(next, to, seen);
        if (path) return [from, ...path];
      }
      return undefined;
    };
    for (const f of edges.keys()) {
      const path = reach(f, f);
      if (path) cycles.push(path.join(' → '));
    }
    expect(cycles).toEqual([]);
  });

  it('what the engine lends to actions is spelled out in one file, and web servers are asked of the nginx fleet', () => {
    // Services is declared member by member in src/composition.ts only, which builds it; a part added
    // elsewhere (a second `declare module`) would be one more place a newcomer must find.
    const text = (m: string) => readFileSync(join(SRC, m), 'utf8');
    const declaring = [...graph.keys()].filter((m) => /declare module ['"][./]*engine\/action\.js['"]/.test(text(m)));
    expect(declaring).toEqual(['composition.ts']);
    // The fleet answers for a web server (and says the same thing for an unknown one) wherever an operation asks.
    const reading = [...graph.keys()].filter(
      (m) => ['actions', 'certificates', 'watch'].includes(folder(m)) && /config\.webservers\[/.test(text(m)),
    );
    expect(reading).toEqual([]);
  });

  it('the daemon reads no environment variable but PATH and HOME for the programs it starts (test hooks are set in-process only)', () => {
    // The CLI's client reads SEREIN_URL and SEREIN_TOKEN; a variable read anywhere else is a way in for whoever can set one.
    const allowed: Record<string, string[]> = {
      'targets/common.ts': ['HOME', 'PATH'],
      'cli/client.ts': ['SEREIN_TOKEN', 'SEREIN_URL'],
    };
    const reads = [...graph.keys()].flatMap((m) => {
      const text = readFileSync(join(SRC, m), 'utf8');
      const names = [
        ...new Set(
          [...text.matchAll(/process\.env(?:\.(\w+)|\[\s*['"]?([^\]'"]*))?/g)].map((r) => r[1] ?? r[2] ?? '(all)'),
        ),
      ].sort();
      return names.filter((n) => !allowed[m]?.includes(n)).map((n) => `${m}: ${n}`);
    });
    expect(reads).toEqual([]);
  });
});
