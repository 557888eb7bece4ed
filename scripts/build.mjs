/**
 * Bundles the TypeScript CLI into dist/cli.mjs with esbuild (≈ 50 ms). Users never run this by hand:
 * `npm install` runs it (prepare) and bin/agent-evals.js rebuilds when a source file is newer.
 *
 * Why not run the sources through tsx at run time: tsx's module hooks live on a separate thread and
 * every `import()` promptfoo makes while evaluating crosses it; measured on 300 cells that cost more
 * CPU than promptfoo itself spends per cell (docs/performance.md).
 */
import { readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleClient, clientModule } from './build-client.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'cli.mjs');

/**
 * mtime of the newest non-test file under `dir`. Synchronous on purpose: it runs before every command,
 * and 140 awaited stat() calls cost ≈ 10 ms more CPU than the same calls made in a loop.
 */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * gray-matter loads js-yaml 3, whose `!!js/function` type probes for the optional `esprima` package with
 * a require() hidden from bundlers. Nothing here installs esprima, and gray-matter parses with js-yaml's
 * safe schema, which never uses that type, so the probe only costs a failed module resolution (≈ 14 ms of
 * every command's start-up, measured): the bundle skips it.
 */
const withoutEsprimaProbe = {
  name: 'without-esprima-probe',
  setup(b) {
    b.onLoad({ filter: /js-yaml[\\/]lib[\\/]js-yaml[\\/]type[\\/]js[\\/]function\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const probe = '_require("esprima")';
      const quoted = text.includes(probe) ? probe : "_require('esprima')";
      if (!text.includes(quoted)) throw new Error(`${args.path}: the esprima probe moved; update scripts/build.mjs`);
      return { contents: text.replace(quoted, 'undefined'), loader: 'js' };
    });
  },
};

/**
 * The report page's client script is bundled afresh from src/report/html/client/ instead of read from the
 * committed src/report/html/client-bundle.ts, so dist/cli.mjs never inlines a stale one (scripts/build-client.mjs).
 */
const freshClientScript = {
  name: 'fresh-client-script',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]report[\\/]html[\\/]client-bundle\.ts$/ }, async () => ({
      contents: clientModule(await bundleClient()),
      loader: 'ts',
    }));
  },
};

/** Builds unless `ifStale` and dist/cli.mjs is newer than every file under src/. */
export async function build({ ifStale = false } = {}) {
  if (ifStale) {
    const built = statSync(out, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (built > 0 && built >= newestSource(path.join(root, 'src'))) return false;
  }
  // Imported here, not at the top: bin/agent-evals.js loads this module on every run, and esbuild's
  // API is only needed when something changed.
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    entryPoints: [path.join(root, 'src', 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Our dependencies are bundled too (≈ 0.2 s less start-up than resolving them from node_modules
    // module by module); promptfoo is loaded apart (src/execute/engine.ts), esbuild only to rebuild.
    external: ['promptfoo', 'esbuild', 'source-map-support'],
    // jsonc-parser's main entry is a UMD build whose require() calls esbuild cannot follow; its ESM
    // build bundles cleanly. (An alias resolves from the working directory, hence absWorkingDir.)
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    absWorkingDir: root,
    // CommonJS dependencies (gray-matter) call require() for Node's built-ins.
    // CommonJS dependencies also read __filename / __dirname (write-file-atomic names its temp files by them).
    banner: {
      js: "import { createRequire as __cliRequire } from 'node:module'; import { fileURLToPath as __cliPath } from 'node:url'; const require = __cliRequire(import.meta.url); const __filename = __cliPath(import.meta.url); const __dirname = __cliPath(new URL('.', import.meta.url));",
    },
    plugins: [withoutEsprimaProbe, freshClientScript],
    sourcemap: 'linked',
    write: false,
    outfile: out,
    logLevel: 'error',
  });
  await mkdir(path.dirname(out), { recursive: true });
  // Written to temporary names and renamed: several processes may build at once (tests).
  const tag = `${process.pid}.${Date.now()}`;
  for (const file of result.outputFiles) {
    await writeFile(`${file.path}.${tag}.tmp`, file.contents);
    await rename(`${file.path}.${tag}.tmp`, file.path);
  }
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await build();
  process.stdout.write(`built ${path.relative(root, out)}\n`);
}
