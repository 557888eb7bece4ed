import { describe, expect, it } from 'vitest';
import type { TrajectoryRecord } from '../schema/trajectory.ts';
import { delegatesTo, toolCalled, toolNotCalled, toolOrder } from './trajectory-checks.ts';

const trajectory = (runtime: 'claude-code' | 'opencode', tools: string[]): TrajectoryRecord => ({
  runtime,
  toolCalls: tools.map((tool, index) => ({ index, tool, input: {}, outcome: 'ran', turn: 1 })),
  delegations: [],
  turns: 1,
  filesRead: [],
  workspaceDiff: '',
  filesChanged: [],
});
const judge = (check: ReturnType<typeof toolCalled>, t: TrajectoryRecord) =>
  (check('', { vars: { __trajectory: t } } as never) as { pass: boolean }).pass;

describe('trajectory assertions name a tool the same way on both runtimes', () => {
  it('Agent and Task on Claude Code are task on OpenCode; LS is list; case does not matter', () => {
    for (const name of ['task', 'Task', 'Agent']) {
      expect(judge(toolCalled(name, {}), trajectory('claude-code', ['Agent'])), name).toBe(true);
      expect(judge(toolCalled(name, {}), trajectory('opencode', ['task'])), name).toBe(true);
    }
    expect(judge(toolCalled('LS', {}), trajectory('opencode', ['list']))).toBe(true);
    expect(judge(toolNotCalled('bash'), trajectory('claude-code', ['Bash']))).toBe(false);
    expect(judge(toolOrder(['Read', 'Agent']), trajectory('opencode', ['read', 'task']))).toBe(true);
    expect(judge(toolCalled('Write', {}), trajectory('opencode', ['edit']))).toBe(false);
  });

  it('delegates-to reads the delegations, whichever runtime recorded them', () => {
    const t = { ...trajectory('opencode', ['task']), delegations: [{ agent: 'auditor', prompt: 'x', callIndex: 0 }] };
    expect(judge(delegatesTo('auditor'), t)).toBe(true);
  });
});
