import { describe, expect, it, vi } from 'vitest';
import type { RuntimeAgent } from '../../shared/agent-runtime.ts';
import { asSubagent, routeOpenCodeCase } from './opencode-routing.ts';

const agent = (fileText: string): RuntimeAgent => ({
  name: 'db',
  description: 'x',
  dialect: 'opencode',
  systemPrompt: 'body',
  fileText,
  tools: [],
  permissions: [],
});

describe('asSubagent: a suite agent as OpenCode must load it for the task tool', () => {
  it('sets mode: subagent whatever mode the file had, and only in the frontmatter', () => {
    const out = asSubagent(agent('---\ndescription: x\nmode: primary\n---\nmode: primary stays in the body\n'));
    expect(out.fileText).toBe('---\ndescription: x\nmode: subagent\n---\nmode: primary stays in the body\n');
    expect(out.mode).toBe('subagent');
  });

  it('adds the line when the frontmatter has none, and a frontmatter when the file has none', () => {
    expect(asSubagent(agent('---\ndescription: x\n---\nbody\n')).fileText).toBe('---\nmode: subagent\ndescription: x\n---\nbody\n');
    expect(asSubagent(agent('body only\n')).fileText).toBe('---\nmode: subagent\n---\nbody only\n');
  });

  it("refuses a suite agent named build before any server is used: it would replace OpenCode's main agent", async () => {
    const acquire = vi.fn();
    const out = await routeOpenCodeCase(
      { acquire, release: vi.fn(), move: vi.fn(), modelAddress: () => '' },
      {
        agents: [{ ...agent('---\ndescription: x\n---\nbody\n'), name: 'build' }],
        request: 'r',
        model: { id: 'm', apiBaseUrl: 'http://127.0.0.1:9/v1' },
        workspace: '/nowhere/workspace',
        sandboxHome: '/nowhere/home',
        limits: { maxRequests: 2, wallTimeMs: 1000 },
      },
    );
    expect(out.error).toBe('a suite agent is named "build", which is OpenCode\'s main agent; rename it');
    expect(acquire).not.toHaveBeenCalled();
  });
});
