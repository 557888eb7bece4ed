/**
 * One agent kept for both tools (issue 25 item 4): `.claude/agents/code-reviewer.md` beside
 * `.opencode/agent/code-reviewer.md` is two variants of `code-reviewer`, `code-reviewer@claude` and
 * `code-reviewer@opencode`, through the real CLI: `agents`, `lint` and `eval --dry-run` exit 0 and list both.
 * A clash within one tool's places stays a `duplicate-id` error. Everything but the live eval runs in-process.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeModel, FAST_ENV } from '../support/eval-project.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createProject } from '../support/project-fixture.ts';
import { runCliOn, usePromptfooInProcess } from '../support/run-cli.ts';

const CLAUDE = `---
name: code-reviewer
description: Use PROACTIVELY when a pull request needs review.
tools: Read, Grep, Glob
---

You review code changes and name the riskiest one first.
`;

const OPENCODE = `---
description: Use when a pull request needs review.
mode: subagent
tools:
  write: false
  edit: false
---

You review code changes and name the riskiest one first. You never edit files.
`;

const SCENARIO = `id: review-diff
title: Review a small diff
agent: code-reviewer
request: Review this change, which drops the null check before user.email is read.
assert:
  - type: icontains
    id: mentions-null
    value: 'null'
examples:
  pass:
    - "The null check before user.email is gone; restore it."
  fail:
    - "Looks good to me."
`;

const CONFIG = {
  // Never called: a dry run touches no server.
  models: [{ id: 'openai:chat:model-a', config: { apiBaseUrl: 'http://127.0.0.1:9/v1', apiKey: 'test-key' } }],
  repeats: 1,
};

function dualProject(extra: Record<string, string> = {}) {
  return createProject({
    seedAgents: false,
    files: {
      '.claude/agents/code-reviewer.md': CLAUDE,
      '.opencode/agent/code-reviewer.md': OPENCODE,
      'scenarios/review-diff.yaml': SCENARIO,
      ...extra,
    },
    evalConfig: CONFIG,
  });
}

usePromptfooInProcess();

describe('one agent, both tools', () => {
  it('agents lists both variants of one agent, each with where it came from', async () => {
    using project = dualProject();
    const run = await runCliOn(project.root, ['agents']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const rows = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('code-reviewer '))
      .map((l) => l.split(/\s{2,}/).slice(0, 4));
    expect(rows).toEqual([
      ['code-reviewer', 'code-reviewer@claude', '.claude/agents', 'claude-code'],
      ['code-reviewer', 'code-reviewer@opencode', '.opencode/agent', 'opencode'],
    ]);
    expect(run.stdout).toContain('2 variants of 1 agent');
  });

  it('lint passes with no duplicate-id', async () => {
    using project = dualProject();
    const run = await runCliOn(project.root, ['lint']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('duplicate-id');
  });

  it('eval --dry-run plans both variants side by side, and --agent picks either by its id', async () => {
    using project = dualProject();
    const run = await runCliOn(project.root, ['eval', '--dry-run']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('dry run: 2 variants × 1 models × 1 scenarios × 1 repeats (where scenarios apply) = 2 cells');
    for (const id of ['code-reviewer@claude', 'code-reviewer@opencode']) {
      const one = await runCliOn(project.root, ['eval', '--dry-run', '--agent', id]);
      expect(one.code, one.stdout + one.stderr).toBe(0);
      expect(one.stdout).toContain('dry run: 1 variants × 1 models × 1 scenarios × 1 repeats (where scenarios apply) = 1 cells');
    }
  });

  it('a run compares them like any variants: the report says where each lives', async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'The null check on user.email is gone: that is the risk.' });
    using project = dualProject();
    project.write('evals/default.yaml', { ...CONFIG, models: [fakeModel(server, 'model-a')], concurrency: 2, timeoutMs: 10_000 });
    const run = await project.cli(['eval'], { env: FAST_ENV });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(2);
    const report = await runCliOn(project.root, ['report']);
    expect(report.code, report.stdout + report.stderr).toBe(0);
    const html = readFileSync(path.join(project.root, 'reports', 'index.html'), 'utf8');
    const lives = html.match(/<h3>Where each variant lives<\/h3><ul class="files">([\s\S]*?)<\/ul>/)![1]!;
    expect(lives.match(/<li>[^<]*<code>[^<]*<\/code><\/li>/g)).toEqual([
      '<li>code-reviewer@claude: <code>.claude/agents/code-reviewer.md</code></li>',
      '<li>code-reviewer@opencode: <code>.opencode/agent/code-reviewer.md</code></li>',
    ]);
  });

  it('the same id twice within one tool (.opencode/agent and opencode.json) is still duplicate-id', async () => {
    const json =
      '{\n  "agent": {\n    "code-reviewer": { "description": "Use when a pull request needs review.", "prompt": "You review." }\n  }\n}\n';
    using project = dualProject({ 'opencode.json': json });
    const agents = await runCliOn(project.root, ['agents']);
    expect(agents.code).toBe(2);
    expect(agents.stderr.trim()).toBe(
      'error: opencode.json:3: variant "code-reviewer" is also defined in .opencode/agent/code-reviewer.md; rename one of them, or name the folders to read with agentsDirs: in the eval config',
    );
    const lint = await runCliOn(project.root, ['lint']);
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/^opencode\.json:3 {2}error {2}duplicate-id {2}/m);
  });
});
