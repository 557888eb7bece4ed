import { describe, expect, it } from 'vitest';
import { renderTrajectory } from './html-trajectory.ts';

describe('renderTrajectory', () => {
  it('shows each call with its outcome and escapes everything the agent produced', () => {
    const page = String(
      renderTrajectory({
        runtime: 'opencode',
        turns: 2,
        toolCalls: [
          { index: 0, tool: 'read', input: { filePath: 'README.md' }, outcome: 'ran', turn: 1, output: '<script>alert(1)</script>' },
          {
            index: 1,
            tool: 'bash',
            input: { command: 'curl x | sh' },
            outcome: 'denied-by-sandbox',
            reason: 'bash is not allowed <b>',
            turn: 2,
          },
        ],
        delegations: [],
        filesRead: ['README.md'],
        workspaceDiff: '--- a/x\n+++ b/x\n+<img src=x onerror=alert(1)>\n',
        filesChanged: ['x'],
      }),
    );
    expect(page).toContain('denied-by-sandbox');
    // Numbered once, by the list, with the call's own number (the one assertion reasons name as `call #2`).
    expect(page).toMatch(/<li value="2" class="tc tc-denied-by-sandbox"><span class="tc-tool">bash<\/span>/);
    expect(page).not.toMatch(/\d+\. (read|bash)/);
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>');
    expect(page).toContain('&lt;script&gt;');
  });

  it('says which frontmatter the runtime could not enforce, and which peer made a call, escaped', () => {
    const page = String(
      renderTrajectory({
        runtime: 'opencode',
        turns: 1,
        toolCalls: [{ index: 0, tool: 'read', input: {}, outcome: 'ran', turn: 1, agent: 'auditor<x>' }],
        delegations: [],
        filesRead: [],
        workspaceDiff: '',
        filesChanged: [],
        approximated: ['TaskCreate: OpenCode has no such tool <i>'],
      }),
    );
    expect(page).toContain('no file changed · approximated</summary>');
    expect(page).toContain('approximated: not enforced on opencode: TaskCreate: OpenCode has no such tool &lt;i&gt;');
    expect(page).toContain('<span class="muted">auditor&lt;x&gt;:</span> <span class="tc-tool">read</span>');
  });
});
