import { describe, expect, it } from 'vitest';
import type { AgentVariant } from '../schema/agent.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import { CellPlans } from './cell-plans.ts';
import type { Cell } from './matrix.ts';
import { planCell } from './plan-cell.ts';
import { PlannedCells } from './planned-cells.ts';

const variant = { id: 'lead', file: 'agents/lead.md', name: 'lead', systemPrompt: 'You lead.', contentHash: 'vh' } as AgentVariant;
const scenario = {
  id: 's',
  tags: [],
  messages: [{ role: 'user', content: 'review it' }],
  vars: {},
  assert: [
    { type: 'contains', value: 'ok' },
    { type: 'rubric', value: 'is polite' },
  ],
  hash: 'h',
  assertionsHash: 'a',
} as unknown as LoadedScenario;
const cells: Cell<LoadedScenario>[] = [0, 1, 2, 3, 4].map((repeat) => ({
  cellId: `c${repeat}`,
  variant,
  model: { label: 'm', id: 'openai:chat:m', config: {}, runtime: 'chat', maxTurns: 12 },
  scenario,
  repeat,
}));

describe('CellPlans', () => {
  it('plans each cell when asked, as planCell does', () => {
    const plans = new CellPlans(cells, 0.2);
    expect(plans.size).toBe(5);
    expect(plans.keys()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect([...plans.values()]).toEqual(cells.map((c) => planCell(c, 0.2)));
  });

  it('plans a list a slice at a time, letting each cell go once planned', () => {
    const plans = new CellPlans(cells);
    const pending: Array<Cell<LoadedScenario> | undefined> = cells.slice(1);
    const list = plans.list(pending);
    expect(list.length).toBe(4);
    expect(list.slice(1, 3).map((p) => p.repeat)).toEqual([2, 3]);
    expect(pending.map((c) => c?.repeat)).toEqual([1, undefined, undefined, 4]);
    expect(list.length).toBe(4);
  });

  it('keeps its size when the plan hands its cells over', () => {
    const own = new PlannedCells([...cells]);
    const plans = new CellPlans(own);
    expect(own.take()).toHaveLength(5);
    expect(plans.size).toBe(5);
    expect(() => own.map((c) => c.cellId)).toThrow(/handed its cells over/);
  });

  it('leaves model-graded assertions out once they cannot be graded', () => {
    const plans = new CellPlans(cells);
    expect(plans.of(cells[0]!).assertions).toHaveLength(2);
    plans.dropModelGraded();
    expect(plans.of(cells[0]!).assertions).toHaveLength(1);
  });
});
