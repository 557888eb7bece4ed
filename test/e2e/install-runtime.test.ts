/**
 * `agent-evals install-runtime` (issue 25): the Claude Agent SDK already installed is confirmed; an unknown
 * runtime is one line, exit 2; the missing-program errors name the command. The real OpenCode install (into
 * the project's own `.agent-evals/runtimes/opencode/`, found there by the harness, not repeated by a second
 * run) is made once, from the packed package, in pack-install.test.ts.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importClaudeAgentSdk } from '../../src/execute/runtimes/claude-code.ts';
import { resolveOpenCodeBinary } from '../../src/execute/runtimes/opencode.ts';
import { createProject, type Project } from '../support/project-fixture.ts';

let project: Project;

beforeAll(() => {
  project = createProject({ seedAgents: false });
});

afterAll(() => project?.[Symbol.dispose]());

describe('install-runtime, other names', () => {
  it('claude-code: the optional SDK already installed here is confirmed, not reinstalled', async () => {
    const run = await project.cli(['install-runtime', 'claude-code']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('installing');
    expect(run.stdout).toMatch(
      /^already installed @anthropic-ai\/claude-agent-sdk@0\.3\.332: .*node_modules\/@anthropic-ai\/claude-agent-sdk$/m,
    );
  });

  it('an unknown runtime is one line, exit 2', async () => {
    const run = await project.cli(['install-runtime', 'opencod']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      "error: install-runtime: unknown runtime 'opencod'; expected one of: opencode, claude-code",
    ]);
  });
});

describe('missing programs name the command', () => {
  it('OpenCode missing from the project (and the package): npx agent-evals install-runtime opencode, and AGENT_EVALS_OPENCODE_BIN', () => {
    const empty = createProject({ seedAgents: false });
    try {
      expect(() => resolveOpenCodeBinary({ projectRoot: empty.root, env: {} }, empty.root)).toThrow(
        `OpenCode 1.18.33 is not installed (looked in ${path.join(empty.root, '.agent-evals', 'runtimes', 'opencode')}); ` +
          'install it with: npx agent-evals install-runtime opencode (or point AGENT_EVALS_OPENCODE_BIN at an opencode binary)',
      );
      expect(() => resolveOpenCodeBinary({ env: { AGENT_EVALS_OPENCODE_BIN: path.join(empty.root, 'nope') } })).toThrow(
        /AGENT_EVALS_OPENCODE_BIN.*npx agent-evals install-runtime opencode/,
      );
    } finally {
      empty[Symbol.dispose]();
    }
  });

  it('the Claude Agent SDK missing: npx agent-evals install-runtime claude-code', async () => {
    const missing = Object.assign(new Error("Cannot find package '@anthropic-ai/claude-agent-sdk'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importClaudeAgentSdk(() => Promise.reject(missing))).rejects.toThrow(
      'the claude-code runtime needs @anthropic-ai/claude-agent-sdk, which is not installed; install it with: npx agent-evals install-runtime claude-code',
    );
  });
});
