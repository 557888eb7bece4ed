import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/support/temp-dirs.ts';
import { parseAgentFile } from './agents.ts';
import { loadAgents, readAgentFiles } from './discover-agents.ts';

const tempDir = tempDirs('agent-evals-discover-');

function repoWith(files: Record<string, string>): string {
  const root = tempDir();
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const CLAUDE = '---\nname: reviewer\ndescription: Use when a pull request needs review.\ntools: Read, Grep\n---\n\nYou review code.\n';
const OPENCODE = '---\ndescription: Use when a schema changes.\nmode: subagent\ntools:\n  bash: false\n---\n\nYou plan migrations.\n';
const OPENCODE_JSON = `{
  "$schema": "https://opencode.ai/config.json",
  // agents defined inline
  "agent": {
    "docs-writer": {
      "description": "Use when the API docs need writing.",
      "mode": "subagent",
      "model": "anthropic/claude-sonnet-4-5",
      "temperature": 0.2,
      "prompt": "{file:./prompts/docs.md}",
      "tools": { "write": true, "bash": false },
      "permission": { "bash": { "git push*": "deny" } },
    },
    "retired": { "disable": true, "prompt": "old" },
  },
}
`;

describe('agents where they live', () => {
  it('finds .claude/agents, .opencode/agent and opencode.json agents, each with its origin', async () => {
    const root = repoWith({
      '.claude/agents/reviewer.md': CLAUDE,
      '.opencode/agent/migrator.md': OPENCODE,
      'opencode.jsonc': OPENCODE_JSON,
      'prompts/docs.md': 'You write API docs.\n',
    });
    const { variants } = await loadAgents(root);
    expect(variants.map((v) => [v.id, v.name, v.origin, v.file, v.dialect])).toEqual([
      ['reviewer', 'reviewer', '.claude/agents', '.claude/agents/reviewer.md', 'claude-code'],
      ['migrator', 'migrator', '.opencode/agent', '.opencode/agent/migrator.md', 'opencode'],
      ['docs-writer', 'docs-writer', 'opencode.jsonc', 'opencode.jsonc', 'opencode'],
    ]);
    const docs = variants[2]!;
    expect(docs.systemPrompt).toBe('You write API docs.');
    expect(docs.tools).toEqual(['write']);
    expect(docs.permissions).toEqual([{ tool: 'bash', pattern: 'git push*', action: 'deny' }]);
    expect(docs.temperature).toBe(0.2);
    expect(docs.mode).toBe('subagent');
    // Lines point into the JSON file.
    expect(docs.lines.description).toBe(6);
    expect(docs.lines.body).toBe(10);
    // The Markdown the OpenCode runtime installs reads back as the same agent.
    const installed = parseAgentFile(Buffer.from(docs.fileText), { file: 'x.md', id: 'docs-writer' }).variant!;
    expect([installed.systemPrompt, installed.tools, installed.permissions, installed.temperature]).toEqual([
      docs.systemPrompt,
      docs.tools,
      docs.permissions,
      docs.temperature,
    ]);
  });

  it('names the JSON line of a bad value, and a prompt file that is missing', async () => {
    const root = repoWith({
      'opencode.json':
        '{\n  "agent": {\n    "a": {\n      "description": "Use when x.",\n      "permission": { "bash": "maybe" },\n      "prompt": "{file:./nope.md}"\n    }\n  }\n}\n',
    });
    const files = await readAgentFiles(root);
    expect(files[0]!.problems.map((p) => [p.rule, p.file, p.line, p.field, p.message])).toEqual([
      ['file-read', 'opencode.json', 6, 'agent.a.prompt', 'prompt file nope.md: file not found'],
    ]);
    const fixed = repoWith({
      'opencode.json':
        '{\n  "agent": {\n    "a": {\n      "description": "Use when x.",\n      "permission": { "bash": "maybe" },\n      "prompt": "Do x."\n    }\n  }\n}\n',
    });
    const [file] = await readAgentFiles(fixed);
    expect(file!.problems.map((p) => [p.rule, p.line, p.field])).toEqual([['permission-value', 5, 'permission.bash']]);
    await expect(loadAgents(fixed)).rejects.toThrow(/^opencode\.json:5:\d+: permission\.bash: expected allow, ask or deny/);
  });

  it('a variant id defined twice is an error naming both files', async () => {
    const root = repoWith({ 'agents/reviewer.md': CLAUDE, '.claude/agents/reviewer.md': CLAUDE });
    await expect(loadAgents(root)).rejects.toThrow(
      '.claude/agents/reviewer.md:2: variant "reviewer" is also defined in agents/reviewer.md; rename one of them, or name the folders to read with agentsDirs: in the eval config',
    );
  });

  it('one agent kept for both tools: a Claude Code file and an OpenCode file of one name are two variants of it', async () => {
    const root = repoWith({
      '.claude/agents/code-reviewer.md': CLAUDE.replace('name: reviewer', 'name: code-reviewer'),
      '.opencode/agent/code-reviewer.md': OPENCODE,
      '.claude/agents/solo.md': CLAUDE.replace('name: reviewer', 'name: solo'),
    });
    const { variants } = await loadAgents(root);
    expect(variants.map((v) => [v.id, v.name, v.origin, v.file, v.dialect])).toEqual([
      ['code-reviewer@claude', 'code-reviewer', '.claude/agents', '.claude/agents/code-reviewer.md', 'claude-code'],
      // An id without a clash keeps its plain id (history and baselines are keyed by it).
      ['solo', 'solo', '.claude/agents', '.claude/agents/solo.md', 'claude-code'],
      ['code-reviewer@opencode', 'code-reviewer', '.opencode/agent', '.opencode/agent/code-reviewer.md', 'opencode'],
    ]);
  });

  it('an opencode.json agent is an OpenCode place: it pairs with a .claude/agents file of its name', async () => {
    const root = repoWith({
      '.claude/agents/docs-writer.md': CLAUDE.replace('name: reviewer', 'name: docs-writer'),
      'opencode.jsonc': OPENCODE_JSON,
      'prompts/docs.md': 'You write API docs.\n',
    });
    const { variants } = await loadAgents(root);
    expect(variants.map((v) => [v.id, v.name, v.origin])).toEqual([
      ['docs-writer@claude', 'docs-writer', '.claude/agents'],
      ['docs-writer@opencode', 'docs-writer', 'opencode.jsonc'],
    ]);
  });

  it("the same id twice within one tool's places is still duplicate-id, naming the file of that tool", async () => {
    const root = repoWith({
      '.claude/agents/migrator.md': CLAUDE,
      '.opencode/agent/migrator.md': OPENCODE,
      '.opencode/agents/migrator.md': OPENCODE,
    });
    const files = await readAgentFiles(root);
    expect(files.map((f) => [f.file, f.variant?.id, f.problems.map((p) => p.rule)])).toEqual([
      ['.claude/agents/migrator.md', 'migrator@claude', []],
      ['.opencode/agent/migrator.md', 'migrator@opencode', []],
      ['.opencode/agents/migrator.md', undefined, ['duplicate-id']],
    ]);
    await expect(loadAgents(root)).rejects.toThrow(
      '.opencode/agents/migrator.md:1: variant "migrator" is also defined in .opencode/agent/migrator.md',
    );
  });

  it('the same id in agents/ and a tool place stays duplicate-id, even when both tools have it', async () => {
    const root = repoWith({
      'agents/reviewer.md': CLAUDE,
      '.claude/agents/reviewer.md': CLAUDE,
      '.opencode/agent/reviewer.md': OPENCODE,
    });
    const files = await readAgentFiles(root);
    expect(files.map((f) => [f.file, f.variant?.id, f.problems.map((p) => p.rule)])).toEqual([
      ['agents/reviewer.md', 'reviewer', []],
      ['.claude/agents/reviewer.md', undefined, ['duplicate-id']],
      ['.opencode/agent/reviewer.md', undefined, ['duplicate-id']],
    ]);
  });

  it("agentsDirs places are told apart the same way: a folder ending in .claude/agents is Claude Code's", async () => {
    const root = repoWith({ 'team/.claude/agents/x.md': CLAUDE, 'team/.opencode/agent/x.md': OPENCODE, 'mine/x.md': OPENCODE });
    const { variants } = await loadAgents(root, ['team/.claude/agents', 'team/.opencode/agent']);
    expect(variants.map((v) => v.id)).toEqual(['x@claude', 'x@opencode']);
    await expect(loadAgents(root, ['mine', 'team/.claude/agents'])).rejects.toThrow(/duplicate|also defined in mine\/x\.md/);
  });

  it('reads only the places it is given', async () => {
    const root = repoWith({ 'agents/reviewer.md': CLAUDE, '.claude/agents/reviewer.md': CLAUDE, 'team/agents/x.md': OPENCODE });
    const { variants } = await loadAgents(root, ['.claude/agents', 'team/agents']);
    expect(variants.map((v) => [v.id, v.origin])).toEqual([
      ['reviewer', '.claude/agents'],
      ['x', 'team/agents'],
    ]);
  });
});
