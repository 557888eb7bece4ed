/**
 * Bundles promptfoo (as installed and patched in node_modules) with its dependencies into
 * dist/engine/ with esbuild, so the CLI loads the engine from a few files instead of ≈ 1,500 modules.
 * Measured on 2 CPUs: `import()` of the bundle ≈ 0.7 s, of the installed package ≈ 1.6 s — about
 * half of the harness's start-up (docs/performance.md). The code is promptfoo's own, unchanged:
 *
 * - every file's `import.meta.url` becomes that file's original URL, and a CommonJS file's
 *   `__dirname`/`__filename` its original location, so promptfoo finds its assets (Python wrappers,
 *   HTML templates) and its dependencies theirs exactly as when loaded from node_modules;
 * - a `require()` left for run time (optional dependencies) resolves from promptfoo's own folder;
 * - native addons and packages that load files of their own at run time stay external, imported
 *   from where they are installed.
 *
 * `npm install` runs this (prepare). The CLI uses the bundle only when dist/engine/meta.json names
 * the promptfoo version that is installed, and imports `promptfoo` itself otherwise, or when
 * AGENT_EVALS_ENGINE=promptfoo is set.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
const keepLocations = {
  name: 'keep-install-locations',
  setup(build) {
    build.onLoad({ filter: /\.(c|m)?js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
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
};

/** Builds dist/engine/promptfoo.mjs (+ chunks) and meta.json; ≈ 8 s. */
export async function buildEngine() {
  const { build } = await import('esbuild');
  const promptfoo = await installedPromptfoo();
  const tmp = `${outDir}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
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
    plugins: [externalsInPlace(promptfoo.entry), keepLocations],
    banner: {
      js: `import { createRequire as __engineRequire } from 'node:module'; const require = __engineRequire(${JSON.stringify(pathToFileURL(promptfoo.entry).href)});`,
    },
    logLevel: 'error',
    legalComments: 'none',
  });
  await writeFile(path.join(tmp, 'meta.json'), `${JSON.stringify({ promptfoo: promptfoo.version, entry: promptfoo.entry }, null, 2)}\n`);
  await mkdir(path.dirname(outDir), { recursive: true });
  await rm(outDir, { recursive: true, force: true });
  await rename(tmp, outDir);
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  await buildEngine();
  process.stdout.write(`built ${path.relative(root, outDir)}/ (promptfoo bundled) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
