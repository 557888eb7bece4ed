/** The claude-code runtime's per-call decisions and the workspace path checks, without Claude Code. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentToolSet, decideToolCall, offeredTools, toolPolicy } from '../../src/execute/runtimes/claude-code-permissions.ts';
import { isInsideWorkspace, realWorkspace, shellCommandEscapes, workspaceRelative } from '../../src/execute/runtimes/sandbox-paths.ts';

const root = mkdtempSync(join(tmpdir(), 'cc-perm-'));
const ws = join(root, 'ws');
mkdirSync(join(ws, 'src'), { recursive: true });
writeFileSync(join(root, 'secret.txt'), 'x');
symlinkSync(join(root, 'secret.txt'), join(ws, 'link.txt'));
symlinkSync(root, join(ws, 'up'));
const real = realWorkspace(ws);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('workspace paths', () => {
  it('keeps paths inside, catches .., absolute paths, ~ and symlinks that lead out (existing or not)', () => {
    expect(isInsideWorkspace(real, 'src/app.ts')).toBe(true);
    expect(isInsideWorkspace(real, `${real}/src/../README.md`)).toBe(true);
    expect(isInsideWorkspace(real, 'new/dir/file.ts')).toBe(true);
    expect(isInsideWorkspace(real, '../outside')).toBe(false);
    expect(isInsideWorkspace(real, 'new/../../outside')).toBe(false);
    expect(isInsideWorkspace(real, '/tmp/x')).toBe(false);
    expect(isInsideWorkspace(real, '~/.ssh/id_rsa')).toBe(false);
    expect(isInsideWorkspace(real, 'link.txt')).toBe(false);
    expect(isInsideWorkspace(real, 'up/new-file')).toBe(false);
    expect(workspaceRelative(real, `${real}/src/app.ts`)).toBe('src/app.ts');
  });

  it('screens shell commands for words that leave the workspace', () => {
    expect(shellCommandEscapes(real, 'ls -la src && cat README.md 2>/dev/null')).toEqual([]);
    expect(shellCommandEscapes(real, "bash -c 'touch ../outside-marker'")).toEqual(['../outside-marker']);
    expect(shellCommandEscapes(real, 'echo hi >/tmp/x')).toEqual(['/tmp/x']);
    expect(shellCommandEscapes(real, 'cp a --target-directory=/etc')).toEqual(['/etc']);
    expect(shellCommandEscapes(real, 'cat up/secret.txt')).toEqual(['up/secret.txt']); // through a symlink that leads out
    expect(shellCommandEscapes(real, 'rm -rf $HOME')).toHaveLength(1);
    expect(shellCommandEscapes(real, 'echo `id`')).toHaveLength(1);
  });
});

describe('tool decisions', () => {
  const readGrep = toolPolicy(['Read', 'Grep'], {
    workspace: real,
    allowBash: true,
  });
  const defaults = toolPolicy([], { workspace: real, allowBash: false });

  it("refuses tools outside the agent's list (denied-by-agent) before looking at paths", () => {
    expect(decideToolCall(readGrep, 'Edit', { file_path: '/etc/passwd' })).toMatchObject({ outcome: 'denied-by-agent' });
    expect(decideToolCall(readGrep, 'Read', { file_path: join(real, 'src/a.ts') })).toEqual({ outcome: 'allow' });
    // Web tools are the sandbox's refusal when the file allows them, the agent's when it does not (as on OpenCode).
    expect(decideToolCall(defaults, 'WebFetch', { url: 'https://example.com' })).toMatchObject({ outcome: 'denied-by-sandbox' });
    expect(decideToolCall(readGrep, 'WebFetch', { url: 'https://example.com' })).toMatchObject({ outcome: 'denied-by-agent' });
  });

  it('refuses paths leaving the workspace and shell when not allowed (denied-by-sandbox)', () => {
    expect(
      decideToolCall(defaults, 'Write', {
        file_path: join(real, '../x'),
        content: '',
      }),
    ).toMatchObject({ outcome: 'denied-by-sandbox' });
    expect(decideToolCall(defaults, 'Glob', { pattern: '/etc/**/*.conf' })).toMatchObject({ outcome: 'denied-by-sandbox' });
    expect(decideToolCall(defaults, 'Grep', { pattern: 'x', path: root })).toMatchObject({ outcome: 'denied-by-sandbox' });
    expect(decideToolCall(defaults, 'Glob', { pattern: 'src/**/*.ts' })).toEqual({ outcome: 'allow' });
    expect(decideToolCall(defaults, 'Bash', { command: 'ls' })).toMatchObject({
      outcome: 'denied-by-sandbox',
      reason: expect.stringMatching(/allow: \[bash\]/),
    });
    expect(
      decideToolCall(toolPolicy(['Bash'], { workspace: real, allowBash: true }), 'Bash', {
        command: 'sleep 99',
        run_in_background: true,
      }),
    ).toMatchObject({ outcome: 'denied-by-sandbox' });
  });

  it('treats Task and Agent as one delegation tool and never offers web tools', () => {
    expect(offeredTools(['Read', 'Task', 'WebSearch'])?.sort()).toEqual(['Agent', 'Read', 'Task']);
    expect([...(agentToolSet(['Read', 'WebSearch']) ?? [])].sort()).toEqual(['Read', 'WebSearch']);
    expect(agentToolSet([])).toBeUndefined();
  });
});

describe("an OpenCode file's rules, held on Claude Code with OpenCode's matching (last matching rule wins)", () => {
  const rules = [
    { tool: 'bash', pattern: '*', action: 'allow' as const },
    { tool: 'bash', pattern: 'git push*', action: 'deny' as const },
    { tool: 'edit', pattern: '*.env', action: 'deny' as const },
    { tool: 'bash', pattern: 'rm *', action: 'ask' as const },
  ];
  const policy = toolPolicy(['Bash', 'Read', 'Edit', 'Write'], { workspace: real, allowBash: true, rules });

  it('refuses a denied command, alone or inside a chain, as the agent', () => {
    expect(decideToolCall(policy, 'Bash', { command: 'git push origin main' })).toMatchObject({
      outcome: 'denied-by-agent',
      reason: expect.stringContaining('git push*'),
    });
    expect(decideToolCall(policy, 'Bash', { command: 'ls && git push' })).toMatchObject({ outcome: 'denied-by-agent' });
    expect(decideToolCall(policy, 'Bash', { command: 'git status' })).toEqual({ outcome: 'allow' });
  });

  it('answers an `ask` rule no, as the agent (no one approves in an eval), and matches edit paths relative to the workspace', () => {
    expect(decideToolCall(policy, 'Bash', { command: 'rm -rf build' })).toMatchObject({ outcome: 'denied-by-agent' });
    expect(decideToolCall(policy, 'Write', { file_path: join(real, 'prod.env'), content: 'x' })).toMatchObject({
      outcome: 'denied-by-agent',
    });
    expect(decideToolCall(policy, 'Edit', { file_path: join(real, 'src/a.ts') })).toEqual({ outcome: 'allow' });
  });

  it("an `ask` on a tool the scenario does not allow is the sandbox's refusal, as OpenCode's classifier says", () => {
    const noBash = toolPolicy(['Bash'], { workspace: real, allowBash: false, rules });
    expect(decideToolCall(noBash, 'Bash', { command: 'rm x' })).toMatchObject({ outcome: 'denied-by-sandbox' });
    expect(decideToolCall(noBash, 'Bash', { command: 'git push' })).toMatchObject({ outcome: 'denied-by-agent' });
  });
});
