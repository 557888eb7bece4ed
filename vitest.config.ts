import { defineConfig } from 'vitest/config';

/**
 * Two projects (docs/testing.md): `unit` shares one module graph per worker (`npm run test:unit` runs it alone),
 * `isolated` gives each file a graph of its own. Sharing costs these files a third of the CPU.
 *
 * Files under src/ that need a graph of their own: they mock modules, or run promptfoo in-process with its
 * environment pointed at a temp folder (promptfoo reads part of it once, when imported).
 */
const OWN_MODULE_GRAPH = [
  'src/io/run/run-store.test.ts',
  'src/assertions/grading-prompt.test.ts',
  'src/calibrate/rubrics.test.ts',
  'src/execute/engine.test.ts',
];
/** Test files of test/ that are unit files too: the architecture test, commands run in-process. */
const UNIT_IN_TEST = [
  'test/architecture.test.ts',
  'test/e2e/agents-cli.test.ts',
  // Its evals are dry runs and usage errors: promptfoo is never asked for an answer.
  'test/e2e/cli-usage.test.ts',
  'test/e2e/gate.test.ts',
  'test/e2e/history-compact.test.ts',
  'test/e2e/bless-dirty-tree.test.ts',
];

export default defineConfig({
  test: {
    // Generous for a loaded machine: an end-to-end test that takes 20 s alone takes 3-4 times that beside a
    // CPU hog or another suite. A test that needs more says so itself.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two files at a time on any machine (vitest's default is one per core less one: a single file on 2 cores).
    // On 2 cores the suite is CPU-bound (the agent programs): a third file only adds contention. Files share no
    // mutable state: temp folders by mkdtemp, servers on port 0.
    maxWorkers: 2,
    // Installs OpenCode (idempotent) so that no OpenCode test is skipped on a fresh clone: test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    // promptfoo keeps state under the home directory; the harness points it at a temp dir in tests.
    env: { PROMPTFOO_DISABLE_TELEMETRY: '1', PROMPTFOO_DISABLE_UPDATE: '1' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts', ...UNIT_IN_TEST], exclude: OWN_MODULE_GRAPH, isolate: false } },
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts', ...OWN_MODULE_GRAPH], exclude: UNIT_IN_TEST } },
    ],
  },
});
