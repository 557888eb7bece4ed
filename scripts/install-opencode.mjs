#!/usr/bin/env node
/**
 * Kept for old instructions: installs OpenCode into this repository's `.agent-evals/runtimes/opencode/` through
 * the one installer, `agent-evals install-runtime opencode` (src/execute/runtimes/runtime-install.ts).
 *
 * @example
 *   node scripts/install-opencode.mjs      # same as: npx agent-evals install-runtime opencode
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync(
  process.execPath,
  [path.join(repoRoot, 'bin', 'agent-evals.js'), '--root', repoRoot, 'install-runtime', 'opencode'],
  {
    stdio: 'inherit',
  },
);
process.exitCode = result.status ?? 1;
