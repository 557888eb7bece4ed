/**
 * Issue 28, the control arm on agent runtimes: with `control: true`, the `(no agent)` cells on `claude-code`
 * and `opencode` run the runtime's own default agent with its default tools, with no agent file (Claude Code:
 * its preset system prompt; OpenCode: its `build` agent), in the same jail and under the scenario's sandbox
 * rules (workspace copy, no Bash), and the reports show each variant's Δ over it. Real programs, loopback doubles.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOpenCodeBinary } from '../../src/execute/runtimes/opencode.ts';
import { startFakeAnthropic, type FakeAnthropicServer, type TurnContext } from '../support/fake-anthropic-server.ts';
import { startFakeOpenAIStream, type FakeOpenAIStreamServer, type StreamContext } from '../support/fake-openai-stream-server.ts';
import { createProject } from '../support/project-fixture.ts';

const haveOpenCode = (() => {
  try {
    resolveOpenCodeBinary({ env: process.env });
    return true;
  } catch {
    return false;
  }
})();

const MARKER = 'You are the secret-word reader.';
const AGENT = `---
name: reader
description: Use when a question is answered by the files of the workspace.
tools: Read
---

${MARKER} Read README.md before you answer.
`;
const SCENARIO = `id: secret-word
title: Finds the word in the README
agent: reader
workspace: workspaces/plain
request: What is the secret word in README.md?
assert:
  - type: icontains
    id: names-word
    value: PLUM
`;

/** The scripted model: the agent file reads and answers; the bare runtime writes a note, tries Bash, and guesses. */
type Step = { read: string } | { note: true } | { text: string };
function script(system: string, turn: number, toolResults: string): Step {
  if (system.includes(MARKER)) return turn === 1 ? { read: 'README.md' } : { text: /PLUM/.test(toolResults) ? 'It is PLUM.' : 'unknown' };
  return turn === 1 ? { note: true } : { text: 'I could not tell.' };
}
const workspaceOf = (body: unknown) => /(\/[^"\s\\]*\/cells\/[0-9a-f]+\/workspace)/.exec(JSON.stringify(body))?.[1] ?? '';

function claudeReply(ctx: TurnContext) {
  const step = script(ctx.system, ctx.turn, ctx.toolResults.map((r) => r.content).join('\n'));
  const ws = workspaceOf(ctx.body);
  if ('read' in step) return { toolCalls: [{ name: 'Read', input: { file_path: path.join(ws, step.read) } }] };
  if ('note' in step)
    return {
      toolCalls: [
        { name: 'Write', input: { file_path: path.join(ws, 'notes.txt'), content: 'looked\n' } },
        { name: 'Bash', input: { command: 'cat README.md', description: 'read it' } },
      ],
    };
  return { text: step.text };
}

function openCodeReply(ctx: StreamContext) {
  const step = script(ctx.system, ctx.turn, ctx.toolResults.map((r) => r.content).join('\n'));
  if ('read' in step) return { toolCalls: [{ name: 'read', arguments: { filePath: step.read } }] };
  if ('note' in step)
    return {
      toolCalls: [
        { name: 'write', arguments: { filePath: 'notes.txt', content: 'looked\n' } },
        { name: 'bash', arguments: { command: 'cat README.md', description: 'read it' } },
      ],
    };
  return { text: step.text };
}

interface Row {
  variantId: string;
  model: string;
  status: string;
  trajectory?: { runtime: string; toolCalls: Array<{ tool: string; outcome: string }>; filesChanged: string[] };
}

let anthropic: FakeAnthropicServer;
let openai: FakeOpenAIStreamServer;
beforeAll(async () => {
  [anthropic, openai] = await Promise.all([
    startFakeAnthropic({ rules: [{ reply: claudeReply }] }),
    startFakeOpenAIStream({ rules: [{ reply: openCodeReply }] }),
  ]);
});
afterAll(async () => {
  await Promise.all([anthropic?.close(), openai?.close()]);
});

describe.skipIf(!haveOpenCode && !process.env.CI)('the control arm on Claude Code and OpenCode', () => {
  it("runs the runtime's default agent with its default tools, no agent file, and reports the Δ over it", {
    timeout: 600_000,
  }, async () => {
    using project = createProject({
      seedAgents: false,
      files: {
        'agents/reader/reader.md': AGENT,
        'scenarios/secret-word.yaml': SCENARIO,
        'scenarios/workspaces/plain/README.md': '# Notes\n\nThe secret word is PLUM.\n',
      },
      evalConfig: {
        models: [
          { id: 'claude-test-model', runtime: 'claude-code', config: { apiBaseUrl: anthropic.origin, apiKey: 'sk-ant-test-key' } },
          { id: 'test-model', runtime: 'opencode', config: { apiBaseUrl: openai.url, apiKey: 'test-key' } },
        ],
        repeats: 3,
        control: true,
        concurrency: 2,
        timeoutMs: 120_000,
      },
    });
    const run = await project.cli(['eval'], { timeoutMs: 540_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // Nothing is left out with a warning any more.
    expect(run.stderr).not.toMatch(/control/);
    const runsDir = path.join(project.root, 'reports', 'runs');
    const runId = readdirSync(runsDir).sort().at(-1)!;
    const rows = readFileSync(path.join(runsDir, runId, 'results.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    // reader/reader and reader@control × 2 runtimes × 3 repeats, every one scored, each on its own runtime.
    expect(rows).toHaveLength(12);
    expect(rows.filter((r) => r.status === 'error').map((r) => JSON.stringify(r).slice(0, 400))).toEqual([]);
    for (const r of rows) expect(r.trajectory?.runtime, `${r.variantId} @ ${r.model}`).toBe(r.model.split(':')[0]);
    const control = rows.filter((r) => r.variantId === 'reader@control');
    expect(control.map((r) => `${r.model} ${r.status}`).sort()).toEqual([
      ...Array(3).fill('claude-code:claude-test-model fail'),
      ...Array(3).fill('opencode:test-model fail'),
    ]);
    expect(rows.filter((r) => r.variantId !== 'reader@control').every((r) => r.status === 'pass')).toBe(true);
    // The default tools ran under the scenario's sandbox rules: the write landed in the copy, Bash was refused.
    for (const r of control) {
      const calls = r.trajectory!.toolCalls.map((c) => [c.tool.toLowerCase(), c.outcome]);
      expect(calls, r.model).toEqual([
        ['write', 'ran'],
        ['bash', 'denied-by-sandbox'],
      ]);
      expect(r.trajectory!.filesChanged, r.model).toEqual(['notes.txt']);
    }

    // Claude Code: the control's requests carry the SDK's own system prompt and its default tools; the
    // variant's carry its file's prompt and only its `tools:`.
    const claudeControl = anthropic.agentCalls.filter((c) => !c.system.includes(MARKER));
    const claudeVariant = anthropic.agentCalls.filter((c) => c.system.includes(MARKER));
    expect(claudeControl).toHaveLength(6); // 3 cells × 2 turns
    expect(claudeVariant).toHaveLength(6);
    for (const c of claudeControl) {
      expect(c.system).toMatch(/You are a Claude agent, built on Anthropic's Claude Agent SDK/);
      expect(c.tools).toEqual(expect.arrayContaining(['Read', 'Write', 'Edit', 'Bash', 'Agent']));
      expect(c.tools).not.toContain('WebFetch');
    }
    for (const c of claudeVariant) expect(c.tools).not.toContain('Write');

    // OpenCode: the control is its `build` agent with its default tools; no agent file of ours was installed.
    const openControl = openai.agentCalls.filter((c) => !c.system.includes(MARKER));
    const openVariant = openai.agentCalls.filter((c) => c.system.includes(MARKER));
    expect(openControl).toHaveLength(6);
    expect(openVariant).toHaveLength(6);
    for (const c of openControl) {
      expect(c.system).toMatch(/You are opencode/i);
      // No agent file of ours was installed: the task tool offers OpenCode's own subagents only, no "reader".
      const task = (c.body?.tools as Array<{ function?: { name?: string; description?: string } }> | undefined)?.find(
        (t) => t.function?.name === 'task',
      );
      expect(task?.function?.description).toMatch(/general/);
      expect(task?.function?.description).not.toMatch(/\breader\b/);
      expect(c.tools).toEqual(expect.arrayContaining(['read', 'write', 'edit', 'bash', 'glob', 'grep']));
    }
    for (const c of openVariant) expect(c.tools).not.toContain('write');

    // The reports: reader against the bare runtime, per runtime. 3 of 3 vs 0 of 3, 3 pairs only the file
    // passed: p = 2·½³ = 0.25 each; discrete Holm over the two comparisons (each could reach 0.25 with
    // chance 2/8) adjusts both to 0.25 + 0.25 = 0.5.
    const md = readFileSync(path.join(project.root, 'reports', 'summary.md'), 'utf8');
    for (const model of ['claude-code:claude-test-model', 'opencode:test-model'])
      expect(md).toMatch(
        new RegExp(
          `\\| reader/reader \\| ${model} \\| 100% \\| 0% \\| \\+100 pts \\[[^\\]]+\\] \\| 3 / 0 of 3 \\| p=0\\.500 \\| ⚠️ no measurable gain over the bare model \\|`,
        ),
      );
    expect(run.stdout).toMatch(/reader\/reader @ claude-code:claude-test-model: \+100 pts \[[^\]]+\] over \(no agent\)/);
    const html = readFileSync(path.join(project.root, 'reports', 'index.html'), 'utf8');
    expect(html).toContain('<section id="control">');
  });
});
