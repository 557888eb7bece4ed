/**
 * Bundles promptfoo (as installed in node_modules, with patches/ applied) with its dependencies into
 * one folder with esbuild, so the CLI loads the engine from a few files instead of ≈ 1,500 modules.
 * Measured on 2 CPUs: `import()` of the bundle ≈ 0.7 s, of the installed package ≈ 1.6 s — about
 * half of the harness's start-up (docs/performance.md). The code is promptfoo's own, unchanged but for
 * patches/:
 *
 * - every file's `import.meta.url` becomes that file's original URL, and a CommonJS file's
 *   `__dirname`/`__filename` its original location, so promptfoo finds its assets (Python wrappers,
 *   HTML templates) and its dependencies theirs exactly as when loaded from node_modules;
 * - a `require()` left for run time (optional dependencies) resolves from promptfoo's own folder;
 * - native addons and packages that load files of their own at run time stay external, imported
 *   from where they are installed;
 * - patches/ is applied to each file as it is bundled, unless patch-package already did (postinstall):
 *   npm may install without running install scripts (--ignore-scripts, or scripts not approved), and the
 *   bundle is then still the patched engine.
 *
 * Where the bundle goes: dist/engine/ in this repository (`npm install` runs this: prepare) and in a
 * package install (postinstall); when npm ran no install script, bin/agent-evals.js builds it on first
 * use into `node_modules/.cache/agent-evals/engine-<agent-evals version>-promptfoo-<version>/` next to
 * the promptfoo it bundles, and says so in one line. The CLI uses a bundle only when its meta.json names
 * the promptfoo installed now (version and place), and imports `promptfoo` itself otherwise, or when
 * AGENT_EVALS_ENGINE=promptfoo is set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'engine');
const require = createRequire(import.meta.url);

/** Not bundled: native addons, and packages that read or spawn files of their own at run time. */
const EXTERNAL = [
  'better-sqlite3',
  'sharp',
  'fsevents',
  'canvas',
  'esbuild',
  '@swc/*',
  'playwright',
  'playwright-core',
  'onnxruntime-node',
  '@huggingface/*',
  'node-gyp',
  'pdf-parse',
  'natural',
  'python-shell',
  'open',
];

/** The installed promptfoo: its entry file and version. */
export async function installedPromptfoo() {
  const entry = require.resolve('promptfoo', { paths: [root] });
  let dir = path.dirname(entry);
  for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => '{}'));
    if (pkg.name === 'promptfoo') return { entry: path.join(dir, 'dist', 'src', 'index.js'), dir, version: pkg.version };
  }
  throw new Error('promptfoo is not installed (run npm install)');
}

const externalName = new RegExp(`^(${EXTERNAL.map((e) => e.replace('/*', '/[^/]+').replace(/[.]/g, '\\.')).join('|')})(/.*)?$`);

/** External packages are imported by absolute path, resolved from the importing file as Node would. */
const externalsInPlace = (promptfooEntry) => ({
  name: 'externals-in-place',
  setup(build) {
    build.onResolve({ filter: externalName }, (args) => {
      try {
        return { path: createRequire(args.importer || promptfooEntry).resolve(args.path), external: true };
      } catch {
        return { path: args.path, external: true }; // not installed (an optional dependency): fails at run time as it would unbundled
      }
    });
  },
});

/** Per-file rewrites that keep module-relative paths pointing where the file is installed. */
const keepLocations = (patch) => ({
  name: 'keep-install-locations',
  setup(build) {
    build.onLoad({ filter: /\.(c|m)?js$/ }, async (args) => {
      let text = patch(args.path, await readFile(args.path, 'utf8'));
      if (text.includes('import.meta.url')) {
        // An identifier, not a string literal: the text may also occur inside strings and comments.
        text = `var __originalModuleUrl = ${JSON.stringify(pathToFileURL(args.path).href)};\n${text.replaceAll('import.meta.url', '__originalModuleUrl')}`;
      }
      const usesDirname = /\b__(dirname|filename)\b/.test(text);
      const declares = /\b(const|let)\s+__(dirname|filename)\b/.test(text);
      if (usesDirname && !declares && !/^\s*(import|export)\s/m.test(text)) {
        // CommonJS: these are the module wrapper's arguments in Node; here, plain variables.
        text = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};\n${text}`;
      }
      return { contents: text, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
});

/** This package's version (meta.json records it: a cached bundle is keyed by it). */
export function agentEvalsVersion() {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
}

/**
 * The two places a bundle may be: dist/engine/ in this package, and the first-use cache next to the
 * promptfoo it bundles (src/execute/engine.ts looks in the same two places).
 */
export function engineDirs(promptfoo, version = agentEvalsVersion()) {
  return {
    packaged: outDir,
    cache: path.join(path.dirname(promptfoo.dir), '.cache', 'agent-evals', `engine-${version}-promptfoo-${promptfoo.version}`),
  };
}

/** The bundle in `dir` was built from this very promptfoo install (same version, same place) by this agent-evals. */
export function isCurrent(dir, promptfoo, version = agentEvalsVersion()) {
  try {
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    return (
      meta.promptfoo === promptfoo.version &&
      meta.entry === promptfoo.entry &&
      (meta.agentEvals === undefined || meta.agentEvals === version) &&
      existsSync(path.join(dir, 'promptfoo.mjs'))
    );
  } catch {
    return false;
  }
}

/**
 * patches/ as esbuild loads files: each patched file of promptfoo gets its hunks applied (with the `diff`
 * package) unless its text already holds them (patch-package ran). Records what it did in `applied`.
 */
async function patchesWhileBundling(promptfoo, applied) {
  const { applyPatch, parsePatch } = await import('diff');
  const byFile = new Map();
  const patchesDir = path.join(root, 'patches');
  const names = await readdir(patchesDir).catch(() => []);
  for (const name of names.filter((n) => n.startsWith('promptfoo+') && n.endsWith('.patch'))) {
    for (const filePatch of parsePatch(await readFile(path.join(patchesDir, name), 'utf8'))) {
      // patch-package's paths: a/node_modules/promptfoo/<file in the package>
      const rel = (filePatch.newFileName ?? '').replace(/^b\/node_modules\/promptfoo\//, '');
      byFile.set(path.join(promptfoo.dir, rel), filePatch);
    }
  }
  return {
    files: byFile,
    /** The text esbuild bundles for `file`: patched when patches/ has hunks for it that are not there yet. */
    patch(file, text) {
      const filePatch = byFile.get(file);
      if (!filePatch) return text;
      const added = filePatch.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)));
      if (added.every((line) => text.includes(line))) {
        applied.already.push(file);
        return text;
      }
      const patched = applyPatch(text, filePatch);
      if (patched === false)
        throw new Error(`patches/ does not apply to ${file}: is promptfoo ${promptfoo.version} the version patches/ was made for?`);
      applied.now.push(file);
      return patched;
    },
  };
}

/**
 * Builds `<outDir>/promptfoo.mjs` (+ chunks) and meta.json; ≈ 8 s. Written to a temporary folder and
 * renamed; when another process finished the same bundle first, its bundle is kept.
 */
export async function buildEngine(target = outDir) {
  const { build } = await import('esbuild');
  const promptfoo = await installedPromptfoo();
  const applied = { now: [], already: [] };
  const patches = await patchesWhileBundling(promptfoo, applied);
  const tmp = `${target}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  // Made first: a folder that cannot be written fails now, not after ≈ 10 s of bundling.
  await mkdir(tmp, { recursive: true });
  await build({
    entryPoints: { promptfoo: promptfoo.entry },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [externalsInPlace(promptfoo.entry), keepLocations(patches.patch)],
    banner: {
      js: `import { createRequire as __engineRequire } from 'node:module'; const require = __engineRequire(${JSON.stringify(pathToFileURL(promptfoo.entry).href)});`,
    },
    logLevel: 'error',
    legalComments: 'none',
  });
  const bundledPatches = applied.now.length > 0 ? 'applied while bundling' : applied.already.length > 0 ? 'in node_modules' : 'none';
  const meta = { promptfoo: promptfoo.version, entry: promptfoo.entry, agentEvals: agentEvalsVersion(), patches: bundledPatches };
  await writeFile(path.join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  if (target !== outDir && isCurrent(target, promptfoo)) {
    await rm(tmp, { recursive: true, force: true }); // another process built it meanwhile
    return target;
  }
  await rm(target, { recursive: true, force: true });
  await rename(tmp, target);
  return target;
}

/**
 * Before a command runs (bin/agent-evals.js): makes sure a current bundle exists, building it into the
 * cache when neither place has one (npm ran none of our install scripts), with one line through `say`.
 * A failed build is one line too, and the command goes on with promptfoo from node_modules.
 */
export async function ensureEngineBundle(say, env = process.env) {
  if (env.AGENT_EVALS_ENGINE === 'promptfoo') return undefined;
  let promptfoo;
  try {
    promptfoo = await installedPromptfoo();
  } catch {
    return undefined; // the command says it when it needs promptfoo
  }
  const dirs = engineDirs(promptfoo);
  if (isCurrent(dirs.packaged, promptfoo)) return dirs.packaged;
  if (isCurrent(dirs.cache, promptfoo)) return dirs.cache;
  const shown = path.relative(process.cwd(), dirs.cache) || dirs.cache;
  const why = existsSync(path.join(dirs.packaged, 'meta.json'))
    ? 'dist/engine/ was built from another promptfoo install'
    : 'npm ran no install script of agent-evals, so dist/engine/ was not built';
  say(`agent-evals: bundling promptfoo ${promptfoo.version} into ${shown}/ once (${why}); later commands load it in about half the time`);
  try {
    return await buildEngine(dirs.cache);
  } catch (err) {
    say(
      `agent-evals: could not bundle promptfoo (${err instanceof Error ? err.message.split('\n')[0] : err}): promptfoo loads from node_modules, ≈ 2× slower to start (≈ 1.6 s instead of ≈ 0.8 s)`,
    );
    return undefined;
  }
}

const asDependency = root.split(path.sep).includes('node_modules');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // --postinstall: only in a package install (in this repository, prepare builds it), and never failing the install.
  if (process.argv.includes('--postinstall') && !asDependency) process.exit(0);
  const t0 = Date.now();
  try {
    await buildEngine();
    process.stdout.write(`built ${path.relative(root, outDir)}/ (promptfoo bundled) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    if (!process.argv.includes('--postinstall')) throw err;
    process.stderr.write(
      `agent-evals: promptfoo not bundled at install (${err instanceof Error ? err.message.split('\n')[0] : err}); the first command tries again\n`,
    );
  }
}
