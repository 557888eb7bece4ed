import { describe, expect, it } from 'vitest';
import { bestKey, buildMatrix, formatCost, formatDiff, formatInterval, formatRate } from './matrix.ts';
import type { VariantModelSummary } from '../score/types.ts';
import { syntheticResults, syntheticSummary } from '../../test/fixtures/report/synthetic.ts';

const base = syntheticSummary(syntheticResults({ variants: ['a'], models: ['m'] })).variants[0]!;
const vm = (variantId: string, model: string, rate: number | null, low = 0, agent = 'reviewer'): VariantModelSummary => ({
  ...base,
  agent,
  variantId,
  model,
  passRate: { runs: 10, passed: rate === null ? 0 : rate * 10, rate, interval: rate === null ? null : { low, high: 1 } },
});

describe('buildMatrix', () => {
  it('marks the best variant per agent and model by rate, then interval', () => {
    const m = buildMatrix({
      runId: 'r',
      variants: [vm('a', 'm1', 0.8, 0.5), vm('b', 'm1', 0.8, 0.6), vm('c', 'm1', 0.5), vm('a', 'm2', 0.4), vm('b', 'm2', null), vm('solo', 'm1', 1, 0.9, 'other')],
      pairwise: [],
      flaky: [],
    });
    expect(m.models).toEqual(['m1', 'm2']);
    expect(m.rows.map((r) => `${r.agent}/${r.variantId}`)).toEqual(['other/solo', 'reviewer/a', 'reviewer/b', 'reviewer/c']);
    // b wins m1 on the interval; on m2 only a was scored, and a lone variant is not "best"; other/solo has no rival.
    expect([...m.best]).toEqual([bestKey('b', 'm1')]);
  });

  it('marks every variant that ties on all keys', () => {
    const m = buildMatrix({ runId: 'r', variants: [vm('a', 'm', 0.5, 0.2), vm('b', 'm', 0.5, 0.2)], pairwise: [], flaky: [] });
    expect(m.best.size).toBe(2);
  });
});

describe('formatting', () => {
  it('uses 0..1 rates shown as percentages', () => {
    expect(formatRate(0.834)).toBe('83%');
    expect(formatRate(null)).toBe('–');
    expect(formatInterval({ low: 0.7, high: 0.912 })).toBe('[70–91%]');
    expect(formatDiff(-0.3)).toBe('−30 pts');
    expect(formatDiff(0.125)).toBe('+13 pts');
    expect(formatCost(0.00123)).toBe('$0.0012');
    expect(formatCost(12.5)).toBe('$12.50');
  });
});
