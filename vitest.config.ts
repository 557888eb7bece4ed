import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Installs OpenCode (idempotent) so that no OpenCode test is skipped on a fresh clone: test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    // promptfoo keeps state under the home directory; the harness points it at a temp dir in tests.
    env: { PROMPTFOO_DISABLE_TELEMETRY: '1', PROMPTFOO_DISABLE_UPDATE: '1' },
  },
});
