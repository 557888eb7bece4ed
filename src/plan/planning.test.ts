import { describe, expect, it } from 'vitest';
import { autoRepeats, projectRun } from './planning.ts';
import { SpendBook } from './spend.ts';

const cell = (variantId: string, scenarioId: string, promptEstimate = 10) => ({ variantId, model: 'm', scenarioId, promptEstimate });

describe('projectRun', () => {
  it("ranges each cell over its own samples, else its variant × model's, else its model's, else its prompt estimate", () => {
    const book = new SpendBook(new Map([['m', { input: 1, output: 2 }]]), [
      { variantId: 'a', model: 'm', scenarioId: 's1', prompt: 100, completion: 50, latencyMs: 400 },
      { variantId: 'a', model: 'm', scenarioId: 's1', prompt: 100, completion: 150, latencyMs: 800 },
      { variantId: 'b', model: 'm', scenarioId: 's9', prompt: 10, completion: 10, costUsd: 0.5 },
    ]);
    const p = projectRun([cell('a', 's1'), cell('a', 's2'), cell('b', 's1'), { ...cell('c', 's1', 7), model: 'other' }], book, 2);
    expect(p.lines.map((l) => [l.variantId, l.scenarioId, l.from, l.tokens])).toEqual([
      ['a', 's1', 'cell', { low: 150, high: 250 }],
      ['a', 's2', 'variant-model', { low: 150, high: 250 }],
      ['b', 's1', 'variant-model', { low: 20, high: 20 }],
      ['c', 's1', 'none', { low: 7, high: 7 }],
    ]);
    // $ at 1 and 2 per million: 150 tokens (100 + 50) = 0.0002, 250 (100 + 150) = 0.0004; a reported cost is kept.
    expect(p.lines[0]!.usd!.low).toBeCloseTo(0.0002, 12);
    expect(p.lines[0]!.usd!.high).toBeCloseTo(0.0004, 12);
    expect(p.lines[2]!.usd).toEqual({ low: 0.5, high: 0.5 });
    expect(p.tokens).toEqual({ low: 150 + 150 + 20 + 7, high: 250 + 250 + 20 + 7 });
    // The model "other" has no price: no USD total, said by its count.
    expect(p.usd).toBeUndefined();
    expect(p.unpricedCells).toBe(1);
    expect(p.noHistoryCells).toBe(1);
    // Two timed cells of 400–800 ms, two at once.
    expect(p.wallMs).toEqual({ low: 400, high: 800 });
    expect(p.untimedCells).toBe(2);
  });
});

describe('autoRepeats', () => {
  it('takes the most any comparison needs, capped by the budget and by the maximum', () => {
    expect(autoRepeats({ needed: [12, 30], perRepeat: { tokens: 100 } })).toEqual({ repeats: 30, needed: 30 });
    expect(autoRepeats({ needed: [12, 30], perRepeat: { tokens: 100, usd: 0.5 }, budget: { tokens: 2000, usd: 5 } })).toEqual({
      repeats: 10,
      needed: 30,
      affordable: 10,
    });
    expect(autoRepeats({ needed: [12, undefined], perRepeat: { tokens: 100 }, maxRepeats: 100 })).toEqual({ repeats: 100 });
    // A budget too small for one repeat still plans one (the run's budget then stops it before it spends more).
    expect(autoRepeats({ needed: [5], perRepeat: { tokens: 100 }, budget: { tokens: 50 } }).repeats).toBe(1);
  });
});
