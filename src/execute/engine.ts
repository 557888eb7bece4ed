/**
 * The engine: loading promptfoo (bundled or installed) and scoring an answer offline. Only `execute/`
 * uses promptfoo (an architecture test keeps it so); running cells through it is `run-cells.ts`.
 * Everything promptfoo-shaped goes in and out through plain types from `engine-types.ts`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EngineAssertion, EngineGrading } from '../shared/engine-types.ts';
import { toEngineGrading } from './cell-result.ts';

export type Promptfoo = typeof import('promptfoo').default;
let loaded: Promise<Promptfoo> | undefined;
let bundle: URL | undefined;

/**
 * Loads the engine from promptfoo bundled by scripts/build-engine.mjs (half the import time) instead
 * of the installed package, when the bundle at `url` was built from the promptfoo installed now.
 */
export function useEngineBundle(url: URL | undefined): void {
  bundle = url;
}

let loadedFrom = 'not loaded';

/** Where the engine came from, for --debug: the bundle, or the installed package and why. */
export function engineSource(): string {
  return loadedFrom;
}

/** What scripts/build-engine.mjs writes beside a bundle. */
interface BundleMeta {
  promptfoo?: string;
  entry?: string;
  /** agent-evals' version that built it (a first-use cache is keyed by it). */
  agentEvals?: string;
  /** Where patches/ came from: `in node_modules` (patch-package ran at install) or `applied while bundling`. */
  patches?: string;
}

/**
 * Whether a bundle may stand in for the installed promptfoo: only when it was built from this very
 * install (same version, same place: the bundle refers to files of the install by path) by this agent-evals.
 *
 * @example
 * engineChoice({ version: '0.121.20', entry: '/p/node_modules/promptfoo/dist/src/index.js' }, { promptfoo: '0.121.20', entry: '/p/node_modules/promptfoo/dist/src/index.js' }) // { bundle: true }
 */
export function engineChoice(
  installed: { version: string; entry: string; agentEvals?: string },
  bundleMeta: BundleMeta | undefined,
  forced?: string,
): { bundle: true } | { bundle: false; why: string } {
  if (forced === 'promptfoo') return { bundle: false, why: 'AGENT_EVALS_ENGINE=promptfoo' };
  const rebuilds = 'agent-evals bundles it again on first use';
  if (!bundleMeta) return { bundle: false, why: `no bundle in dist/engine/ nor in the first-use cache: ${rebuilds}` };
  if (bundleMeta.promptfoo !== installed.version)
    return { bundle: false, why: `the bundle is of promptfoo ${bundleMeta.promptfoo}: ${rebuilds}` };
  if (bundleMeta.entry !== installed.entry)
    return { bundle: false, why: `the bundle was built for promptfoo at ${bundleMeta.entry}: ${rebuilds}` };
  if (bundleMeta.agentEvals !== undefined && installed.agentEvals !== undefined && bundleMeta.agentEvals !== installed.agentEvals)
    return { bundle: false, why: `the bundle was built by agent-evals ${bundleMeta.agentEvals}: ${rebuilds}` };
  return { bundle: true };
}

/**
 * The first-use cache of the bundle, beside the promptfoo it bundles (`<node_modules>/.cache/agent-evals/…`),
 * keyed by both versions; scripts/build-engine.mjs (`engineDirs`) builds into the same place.
 */
export function engineCacheDir(promptfooDir: string, agentEvals: string, promptfooVersion: string): string {
  return path.join(path.dirname(promptfooDir), '.cache', 'agent-evals', `engine-${agentEvals}-promptfoo-${promptfooVersion}`);
}

const readMeta = (dir: string): Promise<BundleMeta | undefined> =>
  readFile(path.join(dir, 'meta.json'), 'utf8').then(
    (text) => {
      try {
        return JSON.parse(text) as BundleMeta;
      } catch {
        return undefined; // damaged: as if there were no bundle
      }
    },
    () => undefined,
  );

async function importEngine(env: NodeJS.ProcessEnv): Promise<Promptfoo> {
  const { version, entry, dir } = await installedEngine();
  if (bundle) {
    const agentEvals = await readFile(new URL('../../package.json', bundle), 'utf8').then(
      (t) => (JSON.parse(t) as { version?: string }).version,
      () => undefined,
    );
    const places = [path.dirname(fileURLToPath(bundle))];
    if (agentEvals) places.push(engineCacheDir(dir, agentEvals, version));
    let why: string | undefined;
    for (const place of places) {
      const meta = await readMeta(place);
      const choice = engineChoice({ version, entry, agentEvals }, meta, env.AGENT_EVALS_ENGINE);
      if (choice.bundle) {
        const file = path.join(place, 'promptfoo.mjs');
        const patched =
          meta?.patches === 'applied while bundling'
            ? '; patches/ applied while bundling: npm ran no install script of agent-evals'
            : meta?.patches === 'none'
              ? '; without patches/: none applied to this promptfoo'
              : '';
        loadedFrom = `promptfoo ${version}, bundled (${file}${patched})`;
        return ((await import(pathToFileURL(file).href)) as typeof import('promptfoo')).default;
      }
      why ??= choice.why;
    }
    loadedFrom = `promptfoo ${version} from node_modules (${why})`;
  } else {
    loadedFrom = `promptfoo ${version} from node_modules`;
  }
  return (await import('promptfoo')).default;
}

/**
 * Imports promptfoo once (≈ 0.8 s bundled, 1.6 s from node_modules), after setting the environment it reads at import time:
 * no telemetry, no update check, and its state folders under the project unless the user chose.
 */
export function loadEngine(env: NodeJS.ProcessEnv = {}, stateDir?: string): Promise<Promptfoo> {
  env.PROMPTFOO_DISABLE_TELEMETRY ??= '1';
  env.PROMPTFOO_DISABLE_UPDATE ??= '1';
  // promptfoo's own database of evals goes under the project (git-ignored), not into the user's ~/.promptfoo.
  if (stateDir) env.PROMPTFOO_CONFIG_DIR ??= stateDir;
  // Under NODE_ENV=test (common in CI) promptfoo keeps its cache in memory only; a re-run would call
  // every model again. The cache is meant to persist across runs.
  env.PROMPTFOO_CACHE_TYPE ??= 'disk';
  loaded ??= importEngine(env);
  return loaded;
}

/** Starts importing promptfoo in the background (errors surface at the first real use). */
export function preloadEngine(env: NodeJS.ProcessEnv, stateDir?: string): void {
  loadEngine(env, stateDir).catch(() => undefined);
}

/**
 * Scores an answer with promptfoo's assertion engine and no provider call: the offline path used by
 * calibration (reference answers) and by replay.
 *
 * @example
 * const g = await scoreOffline({ output: 'Use JWT', assertions: [{ type: 'icontains', value: 'jwt', metric: 'jwt' }] });
 * g.pass // true
 */
export async function scoreOffline(input: {
  output: string;
  assertions: EngineAssertion[];
  vars?: Record<string, unknown>;
}): Promise<EngineGrading> {
  const engine = await loadEngine();
  const result = await engine.assertions.runAssertions({
    // Our assertion shape is promptfoo's, including function values for `javascript`.
    test: { vars: (input.vars ?? {}) as never, assert: input.assertions as never },
    providerResponse: { output: input.output },
  });
  return toEngineGrading(result);
}

let installed: Promise<{ version: string; entry: string; dir: string }> | undefined;

/** The installed promptfoo: its entry file and version (its package.json, found from where `promptfoo` resolves). Read once. */
function installedEngine(): Promise<{ version: string; entry: string; dir: string }> {
  installed ??= (async () => {
    const entry = fileURLToPath(import.meta.resolve('promptfoo'));
    let dir = path.dirname(entry);
    for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
      const pkg = await readFile(path.join(dir, 'package.json'), 'utf8').then(
        (t) => JSON.parse(t) as { name?: string; version?: string },
        () => undefined,
      );
      if (pkg?.name === 'promptfoo' && pkg.version) return { version: pkg.version, entry, dir };
    }
    return { version: 'unknown', entry, dir: path.dirname(entry) };
  })();
  return installed;
}

/** promptfoo's version, for meta.json. */
export async function engineVersion(): Promise<string> {
  return (await installedEngine()).version;
}
