import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Generous for a loaded machine: an end-to-end test that takes 20 s alone takes 3-4 times that beside a
    // CPU hog or another suite. A test that needs more says so itself.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two files at a time on any machine (vitest's default is one per core less one: a single file on 2 cores).
    // Most end-to-end time is spent waiting on child processes and loopback servers, which another file's
    // CPU work fills. Files share no mutable state: temp folders by mkdtemp, servers on port 0.
    maxWorkers: 2,
    // Installs OpenCode (idempotent) so that no OpenCode test is skipped on a fresh clone: test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    // promptfoo keeps state under the home directory; the harness points it at a temp dir in tests.
    env: { PROMPTFOO_DISABLE_TELEMETRY: '1', PROMPTFOO_DISABLE_UPDATE: '1' },
  },
});
