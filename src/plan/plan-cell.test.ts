import { describe, expect, it } from 'vitest';
import type { AgentVariant } from '../schema/agent.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import type { Cell } from './matrix.ts';
import type { RuntimeName } from '../schema/models.ts';
import { cellRecordingKey, planCell } from './plan-cell.ts';

const agentFile = (over: Partial<AgentVariant>): AgentVariant =>
  ({
    id: 'lead',
    file: 'agents/lead.md',
    name: 'lead',
    dialect: 'opencode',
    description: 'Leads.',
    tools: [],
    permissions: [],
    systemPrompt: 'You lead.',
    fileText: '---\ndescription: Leads.\nmode: subagent\n---\nYou lead.\n',
    ...over,
  }) as AgentVariant;

const auditor = agentFile({
  id: 'auditor',
  file: 'scenarios/peers/auditor.md',
  name: 'auditor',
  dialect: 'claude-code',
  description: 'Audits.',
  tools: ['Read', 'Grep'],
  systemPrompt: 'You audit.',
  fileText: '---\nname: auditor\ndescription: Audits.\ntools: Read, Grep\n---\nYou audit.\n',
});

const scenario = (peers?: AgentVariant[]) =>
  ({
    id: 's',
    tags: [],
    messages: [{ role: 'user', content: 'review it' }],
    vars: {},
    assert: [],
    allowBash: false,
    agentic: true,
    hash: 'h',
    assertionsHash: 'a',
    ...(peers ? { peers } : {}),
  }) as unknown as LoadedScenario;

const cell = (runtime: RuntimeName, peers?: AgentVariant[]): Cell<LoadedScenario> => ({
  cellId: 'c',
  variant: agentFile({}),
  model: { label: `${runtime}:m`, id: 'm', config: {}, runtime, maxTurns: 12 },
  scenario: scenario(peers),
  repeat: 0,
});

describe('planCell: a scenario’s peers', () => {
  it('reach the runtime as RuntimeAgent.peers; a Claude Code peer becomes an OpenCode subagent', () => {
    expect(planCell(cell('claude-code', [auditor])).agentRun!.agent.peers!.map((p) => [p.name, p.tools])).toEqual([
      ['auditor', ['Read', 'Grep']],
    ]);
    const [onOpenCode] = planCell(cell('opencode', [auditor])).agentRun!.agent.peers!;
    expect(onOpenCode!.mode).toBe('subagent');
    expect(onOpenCode!.fileText).toMatch(/^mode: subagent$/m);
    expect(onOpenCode!.fileText).not.toMatch(/mode: primary/);
    expect(planCell(cell('opencode')).agentRun!.agent.peers).toBeUndefined();
  });

  it('enter the recording key: an edited peer is another recording; no peers keeps the key it had', () => {
    const key = (c: Cell<LoadedScenario>) => JSON.stringify(cellRecordingKey(planCell(c)));
    const edited = { ...auditor, fileText: auditor.fileText.replace('You audit.', 'You audit twice.') };
    expect(key(cell('claude-code', [auditor]))).not.toBe(key(cell('claude-code', [edited])));
    expect(key(cell('claude-code', [auditor]))).not.toBe(key(cell('claude-code')));
    expect(key(cell('claude-code', []))).toBe(key(cell('claude-code')));
  });
});
