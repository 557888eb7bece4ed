import { describe, expect, it } from 'vitest';
import { buildTrajectory, type OpenCodeMessage } from './opencode-trajectory.ts';

const assistant = (parts: OpenCodeMessage['parts'], agent = 'reader'): OpenCodeMessage => ({
  info: { id: Math.random().toString(36), role: 'assistant', agent },
  parts,
});
const invalid = (tool: string) => ({
  type: 'tool',
  tool: 'invalid',
  callID: `c-${tool}`,
  state: {
    status: 'completed',
    input: { tool, error: `Model tried to call unavailable tool '${tool}'. Available tools: edit, glob, grep, invalid, read.` },
    output: `The arguments provided to the tool are invalid: Model tried to call unavailable tool '${tool}'.`,
  },
});
const base = { children: [], decisions: new Map(), workspace: '/w' };

describe('an OpenCode call to a tool it was not offered (its `invalid` tool)', () => {
  it("is the attempt of the tool it named, refused by the agent when the agent's own rules switch it off", () => {
    const agentRules = [
      { permission: '*', pattern: '*', action: 'allow' as const },
      { permission: 'bash', pattern: '*', action: 'deny' as const },
    ];
    const { trajectory } = buildTrajectory({ ...base, agentRules, messages: [assistant([invalid('bash')])] });
    expect(trajectory.toolCalls).toEqual([
      expect.objectContaining({ index: 0, tool: 'bash', outcome: 'denied-by-agent', reason: expect.stringContaining('switched off') }),
    ]);
  });

  it('is refused by the sandbox when the sandbox withholds it, and failed when OpenCode has no such tool', () => {
    const agentRules = [{ permission: '*', pattern: '*', action: 'allow' as const }];
    const { trajectory } = buildTrajectory({
      ...base,
      agentRules,
      allowBash: false,
      messages: [assistant([invalid('bash'), invalid('nosuch')])],
    });
    expect(trajectory.toolCalls.map((c) => [c.tool, c.outcome])).toEqual([
      ['bash', 'denied-by-sandbox'],
      ['nosuch', 'failed'],
    ]);
  });
});

describe("a delegated session's own tool calls", () => {
  it("follow the task call that started them, named by the subagent, held to the subagent's own rules", () => {
    const task = {
      type: 'tool',
      tool: 'task',
      callID: 't1',
      state: { status: 'completed', input: { subagent_type: 'auditor', prompt: 'audit' }, output: 'ok' },
    };
    const read = { type: 'tool', tool: 'read', callID: 'r1', state: { status: 'completed', input: { filePath: '/w/a.ts' }, output: 'x' } };
    const { trajectory } = buildTrajectory({
      ...base,
      agentRules: [],
      peerRules: new Map([['auditor', [{ permission: 'bash', pattern: '*', action: 'deny' as const }]]]),
      messages: [assistant([task]), assistant([{ type: 'text', text: 'done' }])],
      children: [{ id: 's2', messages: [assistant([read, invalid('bash')], 'auditor')] }],
    });
    expect(trajectory.toolCalls.map((c) => [c.index, c.tool, c.agent, c.outcome])).toEqual([
      [0, 'task', undefined, 'ran'],
      [1, 'read', 'auditor', 'ran'],
      [2, 'bash', 'auditor', 'denied-by-agent'],
    ]);
    expect(trajectory.delegations).toEqual([{ agent: 'auditor', prompt: 'audit', callIndex: 0 }]);
    expect(trajectory.filesRead).toEqual(['a.ts']);
  });
});

describe('a cell stopped by a limit', () => {
  it('records the call it stopped as `limit`, not as a failure of the tool', () => {
    const running = { type: 'tool', tool: 'read', callID: 'r', state: { status: 'running', input: { filePath: 'a' } } };
    const { trajectory } = buildTrajectory({ ...base, agentRules: [], limit: 'maxTurns (3)', messages: [assistant([running])] });
    expect(trajectory.toolCalls[0]).toMatchObject({ outcome: 'limit', reason: 'not run: maxTurns (3)' });
  });
});

describe('files read', () => {
  it('counts a grep over one file as a read of it (as on Claude Code), not a grep over a folder', () => {
    const grep = (path: string) => ({
      type: 'tool',
      tool: 'grep',
      callID: path,
      state: { status: 'completed', input: { pattern: 'x', path }, output: '' },
    });
    const { trajectory } = buildTrajectory({
      ...base,
      agentRules: [],
      isFile: (rel) => rel === 'src/a.ts',
      messages: [assistant([grep('/w/src/a.ts'), grep('/w/src')])],
    });
    expect(trajectory.filesRead).toEqual(['src/a.ts']);
  });
});
