#!/usr/bin/env node
// serein runs from its TypeScript sources, with no build step to remember. The first start
// after a change bundles src/ into one JavaScript file (esbuild, the compiler tsx uses:
// about 0.3 s) kept in node_modules/.cache/serein/, and later starts load that file
// natively: compiling every module through tsx's loader thread at each start cost twice
// the CPU of the whole start (issue 12, start under 2 s on 2 busy cores). `npm ci` makes
// it once (the `prepare` script), so a read-only install starts fast too. serein runs
// through tsx as it always did when the cache cannot be written (a read-only install),
// when the bundle fails to build, and when the configuration names plug-ins: they import
// serein's own modules (errors, kinds), which must be the very ones serein runs.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');
const cache = join(root, 'node_modules', '.cache', 'serein');
/** Changed when the way the bundle is made changes, so older bundles are not reused. */
const RECIPE = 4;

/** Names the bundle after what it is made of: every source file's path, size and change time, Node's version, the recipe. */
function sourcesKey() {
  const h = createHash('sha256').update(`${process.version} ${RECIPE}\n`);
  for (const f of readdirSync(src, { recursive: true }).sort()) {
    const s = statSync(join(src, f));
    if (s.isFile()) h.update(`${f} ${s.size} ${s.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Whether a configuration this command may read names plug-ins: the --config file (or the
 * default one) and any YAML file named on the command line. Unreadable means "maybe".
 */
function namesPlugins(argv) {
  const files = argv.filter((a) => /\.ya?ml$/.test(a));
  const i = argv.findIndex((a) => a === '-c' || a === '--config' || a.startsWith('--config=') || /^-c./.test(a));
  if (i < 0) files.push(join(root, 'config.example.yaml'));
  else
    files.push(
      argv[i].startsWith('--config=')
        ? argv[i].slice(9)
        : /^-c./.test(argv[i])
          ? argv[i].slice(2)
          : (argv[i + 1] ?? ''),
    );
  return files.some((f) => {
    try {
      return /^plugins[ \t]*:(?![ \t]*\[[ \t]*\][ \t]*(#.*)?$)/m.test(readFileSync(resolve(f), 'utf8'));
    } catch (err) {
      return err.code !== 'ENOENT';
    }
  });
}

/** Writes a file whole or not at all: several serein processes may build the same bundle at once. */
function writeAtomic(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/**
 * Packages bundled with serein's own code: pure ESM, reading no file beside them, and many
 * small modules each (kysely alone is 290 files). Every other package is left to Node
 * (native modules, files read from their folder, CommonJS).
 */
const INLINE = new Set(['kysely', 'zod']);

/**
 * Whether a package is one CommonJS file whether imported or required: the bundle then requires
 * it. Node imports CommonJS by reading it first for its export names (a lexer, 60 ms for
 * snowball-stemmers' 0.9 MB alone), about 0.2 s of every start for serein's packages (issue 25).
 * Packages with an ES module of their own (tldts, yaml, croner) are imported, as in the sources.
 */
function commonJs(spec) {
  try {
    const file = createRequire(join(root, 'package.json')).resolve(spec);
    if (fileURLToPath(import.meta.resolve(spec)) !== file) return false;
    if (file.endsWith('.cjs')) return true;
    if (!file.endsWith('.js')) return false;
    for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir))
      if (existsSync(join(dir, 'package.json')))
        return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type !== 'module';
    return true;
  } catch {
    return false; // not for require (an ES module only): imported
  }
}

/** Bundles src/cli/main.ts into `out`. */
async function build(out) {
  const esbuild = createRequire(join(root, 'node_modules', 'tsx', 'package.json'))('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(src, 'cli', 'main.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    keepNames: true,
    sourcemap: 'linked',
    // What the CommonJS packages are required with (see commonJs): from node_modules, as an import would find them.
    banner: {
      js: "import { createRequire as __sereinCreateRequire } from 'node:module';\nconst __sereinRequire = __sereinCreateRequire(import.meta.url);",
    },
    sourcesContent: false,
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'packages',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, ({ path, kind }) =>
            INLINE.has(path.split('/')[0])
              ? undefined
              : kind === 'import-statement' && commonJs(path)
                ? { path, namespace: 'required' }
                : { external: true },
          );
          b.onLoad({ filter: /.*/, namespace: 'required' }, ({ path }) => ({
            contents: `module.exports = __sereinRequire(${JSON.stringify(path)});`,
            loader: 'js',
          }));
        },
      },
      {
        // zod's messages in forty languages, 0.4 MB of the bundle compiled at every start: serein words its own
        // messages (src/util/issues.ts) and leaves zod in English, its default.
        name: 'zod-locales',
        setup(b) {
          b.onLoad({ filter: /[/\\]zod[/\\]v4[/\\]locales[/\\]index\.js$/ }, () => ({
            contents: 'export { default as en } from "./en.js";',
            loader: 'js',
          }));
        },
      },
      {
        // Modules that find files beside themselves (import.meta.url, .dirname) keep their own place, not the bundle's.
        name: 'import-meta',
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, ({ path }) => {
            let contents = readFileSync(path, 'utf8');
            if (contents.includes('import.meta.'))
              contents = contents
                .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href))
                .replaceAll('import.meta.dirname', JSON.stringify(dirname(path)));
            return { contents, loader: 'ts' };
          });
        },
      },
    ],
  });
  mkdirSync(cache, { recursive: true });
  // The map first: the bundle names it, and exists only once both are whole.
  for (const f of [...result.outputFiles].sort((a) => (a.path.endsWith('.map') ? -1 : 1)))
    writeAtomic(f.path, f.contents);
  // Bundles of older sources (kept a while: a start may be about to load one).
  const old = Date.now() - 3_600_000;
  for (const f of readdirSync(cache)) {
    const p = join(cache, f);
    try {
      if (f.endsWith('.mjs') || f.endsWith('.map') || f.endsWith('.tmp'))
        if (!f.startsWith(basename(out)) && statSync(p).mtimeMs < old) unlinkSync(p);
    } catch {
      // another start removed it first
    }
  }
  // Parsed YAML (src/yaml-file.ts) of files changed since: a week old at most, what is still read is kept again.
  const yaml = join(cache, 'yaml');
  for (const f of existsSync(yaml) ? readdirSync(yaml) : []) {
    try {
      if (statSync(join(yaml, f)).mtimeMs < Date.now() - 7 * 86_400_000) unlinkSync(join(yaml, f));
    } catch {
      // another start removed it first
    }
  }
}

/**
 * Stack traces name the TypeScript sources, not the bundle, and the bundle's 1.6 MB map is read
 * only when a stack is first written out: Node's own source maps (--enable-source-maps,
 * setSourceMapsEnabled) read and measure it as the bundle loads, 0.1 s of every start.
 * Frames are written as Node writes them with its source maps on.
 */
function mapStacks(file) {
  const url = pathToFileURL(file).href;
  let map;
  const original = (frame) => {
    if (frame.getFileName() !== url) return undefined;
    if (map === undefined) {
      try {
        const payload = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
        payload.sources = payload.sources.map((s) => fileURLToPath(new URL(s, pathToFileURL(`${file}.map`))));
        map = new SourceMap(payload);
      } catch {
        map = null; // no map: the bundle's own positions
      }
    }
    const entry = map?.findEntry(frame.getLineNumber() - 1, frame.getColumnNumber() - 1);
    return entry?.originalSource ? entry : undefined;
  };
  Error.prepareStackTrace = (error, frames) => {
    let header;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = '<error>';
    }
    const lines = frames.map((frame) => {
      try {
        const at = original(frame);
        if (!at) return `${frame}`;
        const type = frame.getTypeName();
        const fn = frame.getFunctionName() ?? frame.getMethodName();
        const name = `${type !== null && type !== 'global' ? `${type}.` : ''}${fn || '<anonymous>'}`;
        const how = frame.isAsync() ? 'async ' : frame.isConstructor() ? 'new ' : '';
        return `${how}${name} (${at.originalSource}:${at.originalLine + 1}:${at.originalColumn + 1})`;
      } catch {
        return `${frame}`;
      }
    });
    return [header, ...lines].join('\n    at ');
  };
}

let bundle;
try {
  if (namesPlugins(process.argv.slice(2))) throw new Error('plug-ins: from the sources');
  bundle = join(cache, `main-${sourcesKey()}.mjs`);
  if (!existsSync(bundle)) await build(bundle);
} catch {
  bundle = undefined;
}
if (bundle) {
  mapStacks(bundle);
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
