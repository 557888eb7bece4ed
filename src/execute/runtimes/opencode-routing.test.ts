import { describe, expect, it } from 'vitest';
import type { RuntimeAgent } from '../../shared/agent-runtime.ts';
import { asSubagent } from './opencode-routing.ts';

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
});
