import { describe, expect, it } from 'vitest';
import type { CellPlan } from '../plan/cell-plan.ts';
import type { CellResult } from '../schema/result.ts';
import { SpendBook } from '../plan/spend.ts';
import { BudgetGuard, budgetOf } from './budget.ts';

const cell = (id: string, scenarioId = 's1') =>
  ({
    cellId: id,
    variantId: 'a',
    scenarioId,
    model: { label: 'm' },
    messages: [{ role: 'user', content: 'x'.repeat(40) }],
  }) as unknown as CellPlan;
const answer = (prompt: number, completion: number, extra: Record<string, unknown> = {}) => ({
  output: 'ok',
  tokenUsage: { prompt, completion, total: prompt + completion },
  ...extra,
});

describe('BudgetGuard', () => {
  it("a resumed run's finished cells count in its total; against the cap unless the resume spends on top", () => {
    const finished = [
      { variantId: 'a', model: 'm', scenarioId: 's1', source: 'live', tokens: { prompt: 100, completion: 50 } },
      { variantId: 'a', model: 'm', scenarioId: 's1', source: 'cache', tokens: { prompt: 100, completion: 50 } },
    ] as unknown as CellResult[];
    const prices = new Map([['m', { input: 1, output: 2 }]]);
    const against = new BudgetGuard({ tokens: 200 }, new SpendBook(prices), () => 10, { results: finished, againstBudget: true });
    expect(against.total).toEqual({ tokens: 150, usd: 0.0002 });
    expect(against.spent).toEqual(against.total);
    expect(against.tryStart(cell('c1'))).toBe(false); // 150 spent + 150 projected from the finished cell > 200
    const onTop = new BudgetGuard({ tokens: 200 }, new SpendBook(prices), () => 10, { results: finished, againstBudget: false });
    expect(onTop.total).toEqual({ tokens: 150, usd: 0.0002 });
    expect(onTop.spent).toEqual({ tokens: 0, usd: 0 });
    expect(onTop.tryStart(cell('c1'))).toBe(true);
  });

  it('counts the projections of cells in flight: with two in flight the third waits its turn, and the first refusal stops every later cell', () => {
    const book = new SpendBook(new Map(), [{ variantId: 'a', model: 'm', scenarioId: 's1', prompt: 100, completion: 50 }]);
    const guard = new BudgetGuard({ tokens: 400 }, book, () => 10);
    expect(guard.tryStart(cell('c1'))).toBe(true); // 150 projected
    expect(guard.tryStart(cell('c2'))).toBe(true); // 300 projected
    expect(guard.tryStart(cell('c3'))).toBe(false); // 450 > 400
    expect(guard.stopped).toBe(true);
    guard.charge(cell('c1'), answer(10, 10), 5); // c1 spent only 20: room again, but the run stays stopped
    expect(guard.tryStart(cell('c4'))).toBe(false);
    expect(guard.spent).toEqual({ tokens: 20, usd: 0 });
  });

  it('charges USD as reported, else at the price; an answer from the cache costs nothing', () => {
    const book = new SpendBook(new Map([['m', { input: 1, output: 2 }]]));
    const guard = new BudgetGuard({ usd: 1 }, book, () => 10);
    guard.charge(cell('c1'), answer(100, 50), 1);
    guard.charge(cell('c2'), answer(100, 50, { cost: 0.5 }), 1);
    guard.charge(cell('c3'), answer(100, 50, { cached: true }), 1);
    expect(guard.spent.tokens).toBe(300);
    expect(guard.spent.usd).toBeCloseTo(0.5002, 12);
  });

  it('a cell nothing was seen of is projected from its prompt estimate', () => {
    const guard = new BudgetGuard({ tokens: 15 }, new SpendBook(new Map()), (c) => (c.cellId === 'big' ? 20 : 10));
    expect(guard.tryStart(cell('small'))).toBe(true);
    expect(new BudgetGuard({ tokens: 15 }, new SpendBook(new Map()), () => 20).tryStart(cell('big'))).toBe(false);
  });
});

describe('BudgetGuard.admit', () => {
  it('a cell nothing is known of waits while another is in flight, and is projected from its answer', async () => {
    const guard = new BudgetGuard({ tokens: 200 }, new SpendBook(new Map()), () => 10);
    expect(await guard.admit(cell('c1'))).toBe(true);
    let second: boolean | undefined;
    const waiting = guard.admit(cell('c2')).then((ok) => (second = ok));
    await Promise.resolve();
    expect(second).toBeUndefined();
    guard.charge(cell('c1'), answer(100, 50), 1);
    // 150 spent + 150 projected > 200: the answer in flight made the guess a measurement.
    expect(await waiting).toBe(false);
    expect(guard.stopped).toBe(true);
  });

  it('an interrupt while waiting is no budget stop', async () => {
    const guard = new BudgetGuard({ tokens: 200 }, new SpendBook(new Map()), () => 10);
    const abort = new AbortController();
    expect(await guard.admit(cell('c1'))).toBe(true);
    const waiting = guard.admit(cell('c2'), abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
    expect(guard.stopped).toBe(false);
  });
});

describe('budgetOf', () => {
  it('--budget-usd replaces the config budget whole (its token cap too)', () => {
    expect(budgetOf({ tokens: 1000 }, undefined)).toEqual({ tokens: 1000 });
    expect(budgetOf({ tokens: 1000, usd: 1 }, 5)).toEqual({ usd: 5 });
    expect(budgetOf(undefined, undefined)).toBeUndefined();
  });
});
