import { describe, expect, it } from 'vitest';
import { parseAgentFile } from '../load/agents.ts';
import { CLAUDE_CODE_LEGACY_NAMES, CLAUDE_CODE_TOOL_NAMES } from './claude-code-tools.ts';
import { lintAgents } from './lint.ts';

describe("lint's Claude Code tool names", () => {
  it('are the ones the installed Claude Agent SDK defines (npx tsx scripts/write-tool-names.ts after an upgrade)', async () => {
    const sdk = await import('@anthropic-ai/claude-agent-sdk');
    expect(CLAUDE_CODE_TOOL_NAMES).toEqual([...sdk.BUILTIN_TOOL_NAMES].sort());
    expect(CLAUDE_CODE_LEGACY_NAMES).toEqual(sdk.LEGACY_TOOL_NAME_ALIASES);
  });

  it('accept the names real agent files use (TaskCreate, SendMessage, Skill, Task) and warn on names Claude Code does not define', () => {
    const file = (tools: string) =>
      parseAgentFile(Buffer.from(`---\nname: a\ndescription: Use when x\ntools: ${tools}\n---\nYou are a.\n`), {
        file: 'agents/a.md',
        id: 'a',
      });
    const unknown = (tools: string) =>
      lintAgents([file(tools)], { agentNames: new Set(['a']) })
        .filter((f) => f.rule === 'tool-unknown')
        .map((f) => f.message);
    expect(unknown('Read, TaskCreate, TaskList, TaskGet, TaskUpdate, SendMessage, Skill, Task, Agent, KillShell')).toEqual([]);
    expect(unknown('Read, Frobnicate')).toEqual([expect.stringContaining('unknown claude-code tool "Frobnicate"')]);
    // Retired tools the SDK no longer defines (Claude Code ignores them) stay warnings, never errors.
    expect(unknown('TeamCreate')).toEqual([expect.stringContaining('"TeamCreate"')]);
  });
});
