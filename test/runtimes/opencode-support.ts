/**
 * Shared setup for the opencode runtime tests: temp workspaces, agents from files, cell inputs, and the
 * check that the binary is there (a missing one fails the suite, never skips it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import matter from 'gray-matter';
import type { RuntimeAgent, RuntimeCellInput } from '../../src/shared/agent-runtime.ts';
import { resolveOpenCodeBinary } from '../../src/execute/runtimes/opencode.ts';
import { REPO_ROOT } from '../support/project-fixture.ts';

export const FIXTURES = path.join(REPO_ROOT, 'test', 'runtimes', 'fixtures', 'opencode');
export const SEEDS = path.join(REPO_ROOT, 'agents', 'backend-architect');

/**
 * '' when the binary is there. Never a reason to skip: the tests' global setup (test/global-setup.ts) installs
 * OpenCode, so a missing binary is a failure, with the resolver's message (it names the install command).
 */
export function openCodeMissing(): string {
  try {
    resolveOpenCodeBinary({ env: process.env });
    return '';
  } catch (err) {
    throw new Error(`OpenCode is missing although the tests' global setup installs it: ${(err as Error).message}`);
  }
}

/** An agent as the loader would hand it to a runtime, from an OpenCode agent file. */
export function agentFromFile(file: string, nameOverride?: string): RuntimeAgent {
  const fileText = readFileSync(file, 'utf8');
  const { data, content } = matter(fileText);
  const name = nameOverride ?? (typeof data.name === 'string' ? data.name : path.basename(file, '.md'));
  const tools = Object.entries((data.tools ?? {}) as Record<string, boolean>)
    .filter(([, on]) => on)
    .map(([t]) => t);
  const permissions: RuntimeAgent['permissions'] = [];
  for (const [tool, value] of Object.entries((data.permission ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') permissions.push({ tool, pattern: '*', action: value as 'allow' });
    else
      for (const [pattern, action] of Object.entries(value as Record<string, string>))
        permissions.push({ tool, pattern, action: action as 'allow' });
  }
  return {
    name,
    description: String(data.description ?? ''),
    dialect: 'opencode',
    systemPrompt: content.trim(),
    fileText,
    tools,
    permissions,
    ...(data.mode ? { mode: data.mode } : {}),
  };
}

export interface TempCell extends Disposable {
  root: string;
  workspace: string;
  sandboxHome: string;
}

/** A temp folder with `workspace/` (given files) and `home/`; `parentGit` makes `root` a git repository. */
export function tempCell(files: Record<string, string> = {}, opts: { parentGit?: boolean } = {}): TempCell {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-oc-test-'));
  const workspace = path.join(root, 'run', 'workspace');
  const sandboxHome = path.join(root, 'home');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(sandboxHome, { recursive: true });
  if (opts.parentGit) execFileSync('git', ['init', '-q', root], { stdio: 'ignore' });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    writeFileSync(path.join(workspace, rel), text);
  }
  return { root, workspace, sandboxHome, [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }) };
}

export function cellInput(agent: RuntimeAgent, cell: TempCell, apiBaseUrl: string, over: Partial<RuntimeCellInput> = {}): RuntimeCellInput {
  return {
    agent,
    request: 'Review the README.',
    model: { id: 'test-model', apiBaseUrl, apiKey: 'test-key' },
    workspace: cell.workspace,
    sandboxHome: cell.sandboxHome,
    allowBash: false,
    limits: { maxTurns: 8, maxRequests: 20, wallTimeMs: 45_000 },
    ...over,
  };
}
