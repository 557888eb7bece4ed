/**
 * The installed version of an agent program, read without running it (a routing case's fingerprint names the
 * program's version, and a plan is made before any program starts; nothing runs unjailed to learn it):
 * - Claude Code: the version the Claude Agent SDK bundles (its package.json's `claudeCodeVersion`);
 * - OpenCode: the version of the npm package that holds the resolved binary (`opencode-<platform>` or
 *   `opencode-ai`); '' for a binary outside any package (`AGENT_EVALS_OPENCODE_BIN` pointing elsewhere).
 * A routing case also reports the version of the program that actually answered (`RoutingCellOutput.runtimeVersion`).
 *
 * @example installedRuntimeVersion('claude-code') // '2.1.332'
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { bundledClaudeCodeVersion } from './claude-code-routing.ts';
import { type OpenCodeRuntimeOptions, resolveOpenCodeBinary } from './opencode.ts';

/** The version of the npm package holding `binary` (its nearest package.json up to two folders up), or ''. */
export function packageVersionOf(binary: string): string {
  let dir = path.dirname(realpathSync(binary));
  for (let up = 0; up < 3; up++, dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (!existsSync(pkg)) continue;
    const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '';
  }
  return '';
}

/** The installed program's version ('' when it cannot be known without running it); throws when it is not installed. */
export function installedRuntimeVersion(
  runtime: 'claude-code' | 'opencode',
  opts: Pick<OpenCodeRuntimeOptions, 'projectRoot' | 'env'> = {},
): string {
  if (runtime === 'claude-code') return bundledClaudeCodeVersion();
  return packageVersionOf(resolveOpenCodeBinary(opts));
}
