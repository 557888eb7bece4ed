import { describe, expect, it } from 'vitest';
import { claudeToolsOnOpenCode, openCodeGrantsOnClaudeCode } from './tool-translation.ts';

describe('a Claude Code tools list on OpenCode', () => {
  it('maps Agent (and Task) to task, enables only what is listed, and names what OpenCode lacks', () => {
    const { switches, approximated } = claudeToolsOnOpenCode(['Read', 'Grep', 'Glob', 'Agent', 'TaskCreate', 'mcp__github__search']);
    expect(switches).toMatchObject({
      read: true,
      grep: true,
      glob: true,
      task: true,
      bash: false,
      edit: false,
      write: false,
      webfetch: false,
    });
    expect(approximated).toEqual(['TaskCreate: OpenCode has no such tool', 'mcp__github__search: no MCP server runs in a cell']);
    expect(claudeToolsOnOpenCode(['Task']).switches.task).toBe(true);
  });

  it('grants writing as one permission, and says so when the file granted only part of it', () => {
    const { switches, approximated } = claudeToolsOnOpenCode(['Read', 'Edit']);
    expect(switches).toMatchObject({ edit: true, write: true, patch: true });
    expect(approximated).toEqual(['Edit: OpenCode grants edit and write together']);
  });
});

describe('an OpenCode tools map and permission rules on Claude Code', () => {
  it("switched-off tools are not offered, and stay denied by rule (the file's bash: false)", () => {
    const { tools, rules } = openCodeGrantsOnClaudeCode({ bash: false, edit: false }, []);
    expect(tools).not.toContain('Bash');
    expect(tools).not.toContain('Edit');
    expect(tools).not.toContain('Write');
    expect(tools).toEqual(expect.arrayContaining(['Read', 'Grep', 'Glob', 'Agent', 'TodoWrite']));
    expect(rules).toEqual([
      { tool: 'bash', pattern: '*', action: 'deny' },
      { tool: 'edit', pattern: '*', action: 'deny' },
    ]);
  });

  it('a permission that denies a whole tool removes it; globs stay rules; deny-all leaves nothing', () => {
    expect(openCodeGrantsOnClaudeCode(undefined, [{ tool: 'edit', pattern: '*', action: 'deny' }]).tools).not.toContain('Write');
    const globs = openCodeGrantsOnClaudeCode(undefined, [{ tool: 'bash', pattern: 'git push*', action: 'deny' }]);
    expect(globs.tools).toContain('Bash');
    expect(globs.rules).toEqual([{ tool: 'bash', pattern: 'git push*', action: 'deny' }]);
    expect(openCodeGrantsOnClaudeCode(undefined, [{ tool: '*', pattern: '*', action: 'deny' }]).tools).toEqual([]);
  });

  it('names rules Claude Code has no equivalent for', () => {
    const { approximated } = openCodeGrantsOnClaudeCode({ codesearch: true }, [{ tool: 'doom_loop', pattern: '*', action: 'deny' }]);
    expect(approximated).toEqual([
      'tools.codesearch: Claude Code has no such tool',
      'permission.doom_loop: Claude Code has no equivalent; not enforced',
    ]);
  });
});
