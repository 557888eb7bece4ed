import { describe, expect, it } from 'vitest';
import type { AgentVariant } from '../schema/agent.ts';
import { EvalConfig } from '../schema/eval-config.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import { CONTROL_HASH, withControlVariants } from './control-variants.ts';
import { planEval } from './plan-eval.ts';

const variant = (id: string, name: string, systemPrompt = `You are ${id}.`) =>
  ({
    id,
    file: `agents/${id}.md`,
    name,
    systemPrompt,
    contentHash: `hash-of-${id}`,
    dialect: 'claude-code',
    tools: ['Read'],
  }) as AgentVariant;
const scenario = (id: string, agents?: string[]) =>
  ({
    id,
    tags: [],
    agents,
    messages: [{ role: 'user', content: `question ${id}` }],
    vars: {},
    assert: [{ type: 'contains', value: 'ok' }],
    hash: `sh-${id}`,
    assertionsHash: `ah-${id}`,
    agentic: false,
    allowBash: false,
  }) as unknown as LoadedScenario;

const variants = [variant('rev/a', 'rev'), variant('rev/b', 'rev'), variant('sup/x', 'sup')];
const scenarios = [scenario('s1'), scenario('s2', ['sup'])];
const inputs = (config: Record<string, unknown>) => ({
  config: EvalConfig.parse({ models: ['openai:chat:m1'], repeats: 2, ...config }),
  configFile: 'evals/default.yaml',
  variants,
  scenarios,
});

describe('withControlVariants', () => {
  it('adds <agent>@control after each agent, with no prompt, no tools and a fingerprint that is no file text', () => {
    const out = withControlVariants(variants, { control: true }, 'evals/default.yaml');
    expect(out.map((v) => v.id)).toEqual(['rev/a', 'rev/b', 'rev@control', 'sup/x', 'sup@control']);
    const control = out[2]!;
    expect(control).toMatchObject({ name: 'rev', systemPrompt: '', tools: [], contentHash: CONTROL_HASH, file: '(no agent)' });
    // Another text for every agent file: the control's fingerprint does not move.
    const edited = withControlVariants(
      variants.map((v) => variant(v.id, v.name, 'edited')),
      { control: true },
      'x',
    );
    expect(edited[2]!.contentHash).toBe(CONTROL_HASH);
    expect(withControlVariants(variants, { control: ['sup'] }, 'x').map((v) => v.id)).toEqual(['rev/a', 'rev/b', 'sup/x', 'sup@control']);
    expect(withControlVariants(variants, {}, 'x')).toEqual(variants);
  });

  it('refuses a file id with the reserved suffix (control on or off) and a listed name that is no agent', () => {
    const clash = [...variants, variant('rev/old@control', 'rev')];
    expect(() => withControlVariants(clash, {}, 'x')).toThrow(
      'agents/rev/old@control.md: agent file id "rev/old@control" ends in "@control", which names the control arm (no agent) in every report; rename the file',
    );
    expect(() => withControlVariants(variants, { control: ['rev', 'sop'] }, 'evals/default.yaml')).toThrow(
      'evals/default.yaml: control[1]: "sop" is not an agent name (known: rev, sup); expected the name of an agent',
    );
  });
});

describe('planEval with control', () => {
  it("plans the control on the agent's own scenarios, every repeat, and sends no system message", () => {
    const plan = planEval(inputs({ control: true }), {});
    const ids = (v: string) => plan.cells.filter((c) => c.variant.id === v).map((c) => `${c.scenario.id}#${c.repeat}`);
    expect(ids('rev@control')).toEqual(['s1#0', 's1#1']);
    expect(ids('sup@control')).toEqual(['s1#0', 's1#1', 's2#0', 's2#1']);
    // rev/a, rev/b and rev@control on s1; sup/x and sup@control on s1 and s2; 2 repeats each.
    expect(plan.cells).toHaveLength(2 + 2 + 2 + 4 + 4);
    const control = [...plan.plans.values()].find((p) => p.variantId === 'rev@control')!;
    expect(control.messages).toEqual([{ role: 'user', content: 'question s1' }]);
    expect(control.variantHash).toBe(CONTROL_HASH);
    const real = [...plan.plans.values()].find((p) => p.variantId === 'rev/a')!;
    expect(real.messages[0]).toEqual({ role: 'system', content: 'You are rev/a.' });
  });

  it("plans the control on agent runtimes as the runtime's default agent: no agent file, the scenario's bounds", () => {
    const plan = planEval(inputs({ control: true, models: ['openai:chat:m1', { id: 'sonnet', runtime: 'claude-code' }] }), {});
    const onAgent = [...plan.plans.values()].filter((p) => p.model.runtime === 'claude-code');
    expect(onAgent.filter((p) => p.variantId === 'rev@control')).toHaveLength(2);
    expect(onAgent.filter((p) => p.variantId === 'rev/a')).toHaveLength(2);
    const control = onAgent.find((p) => p.variantId === 'rev@control')!;
    expect(control.agentRun!.agent).toEqual({
      name: 'rev',
      description: '',
      dialect: 'claude-code',
      systemPrompt: '',
      fileText: '',
      tools: [],
      permissions: [],
      runtimeDefault: true,
    });
    expect(control.messages).toEqual([{ role: 'user', content: 'question s1' }]);
    expect(plan.notes.err.filter((l) => l.includes('control'))).toEqual([]);
  });
});
