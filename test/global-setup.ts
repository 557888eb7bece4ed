/**
 * vitest global setup: installs OpenCode into this repository's `.agent-evals/runtimes/opencode/` through
 * the installer of `agent-evals install-runtime opencode`, so that `npm install` then `npm test` on a fresh
 * clone runs every OpenCode test instead of skipping them. Here, not in `npm install`'s postinstall: that
 * script also runs in every project that installs agent-evals, which must never download OpenCode unasked.
 * Idempotent (two version reads when it is there); `AGENT_EVALS_OPENCODE_BIN` set means the binary is elsewhere.
 */
import { installRuntime } from '../src/execute/runtimes/runtime-install.ts';
import { REPO_ROOT } from './support/project-fixture.ts';

export default async function setup(): Promise<void> {
  if (process.env.AGENT_EVALS_OPENCODE_BIN) return;
  const outcome = await installRuntime('opencode', {
    root: REPO_ROOT,
    env: process.env,
    progress: (line) => process.stderr.write(`global setup: ${line}\n`),
  });
  if (outcome.installed) process.stderr.write(`global setup: installed ${outcome.packages.join(' ')}: ${outcome.where}\n`);
}
