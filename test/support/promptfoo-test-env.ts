/**
 * Environment for running real promptfoo against the fake OpenAI server in tests: offline, uncached,
 * its state folders in a temp dir. promptfoo reads some of these at import time
 * (PROMPTFOO_CACHE_ENABLED), so apply them before the first `import('promptfoo')`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The variables, for a child process's `env` or for `process.env`.
 *
 * @example
 * spawn('npx', ['promptfoo', 'eval'], { env: { ...process.env, ...promptfooTestEnv(dir) } })
 */
export function promptfooTestEnv(stateDir: string): Record<string, string> {
  return {
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_CACHE_ENABLED: 'false',
    PROMPTFOO_CONFIG_DIR: join(stateDir, 'config'),
    PROMPTFOO_CACHE_PATH: join(stateDir, 'cache'),
    PROMPTFOO_DISABLE_SHARING: '1',
  };
}

/**
 * Applies `promptfooTestEnv` to `process.env` under a fresh temp dir; the returned function restores
 * the previous values and removes the dir.
 */
export function applyPromptfooTestEnv(): { stateDir: string; restore: () => void } {
  const stateDir = mkdtempSync(join(tmpdir(), 'agent-evals-promptfoo-'));
  const vars = promptfooTestEnv(stateDir);
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return {
    stateDir,
    restore() {
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Sets env vars for the duration of `fn` (promptfoo reads retry/timeout variables per call). */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const assign = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  assign(vars);
  try {
    return await fn();
  } finally {
    assign(previous);
  }
}
