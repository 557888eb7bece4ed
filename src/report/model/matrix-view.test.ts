import { describe, expect, it } from 'vitest';
import { bestKey, buildMatrix, formatCost, formatDiff, formatInterval, formatRate } from './matrix-view.ts';
import type { PairwiseComparison, VariantModelSummary } from '../../score/types.ts';
import { syntheticResults, syntheticSummary } from '../../../test/support/report-synthetic.ts';

const base = syntheticSummary(syntheticResults({ variants: ['a'], models: ['m'] })).variants[0]!;
const vm = (variantId: string, model: string, rate: number | null, low = 0, agent = 'reviewer'): VariantModelSummary => ({
  ...base,
  agent,
  variantId,
  model,
  passRate: { runs: 10, passed: rate === null ? 0 : rate * 10, rate, interval: rate === null ? null : { low, high: 1 } },
});

describe('buildMatrix', () => {
  const pair = (a: string, b: string, model: string, verdict: PairwiseComparison['verdict']): PairwiseComparison => ({
    agent: 'reviewer',
    model,
    a,
    b,
    pairs: 30,
    aOnly: 0,
    bOnly: 0,
    diff: 0,
    pValue: 1,
    adjustedP: verdict === 'inconclusive' ? 1 : 0.001,
    verdict,
  });

  it('stars a variant only where it beat every other variant of its agent on that model in the paired test', () => {
    const m = buildMatrix({
      runId: 'r',
      variants: [
        vm('a', 'm1', 0.5),
        vm('b', 'm1', 0.9, 0.7),
        vm('c', 'm1', 0.6),
        vm('a', 'm2', 0.4),
        vm('b', 'm2', 0.7),
        vm('b', 'm3', null),
        vm('a', 'm3', 0.4),
        vm('solo', 'm1', 1, 0.9, 'other'),
      ],
      pairwise: [
        pair('a', 'b', 'm1', 'better'),
        pair('b', 'c', 'm1', 'worse'),
        pair('a', 'c', 'm1', 'inconclusive'),
        pair('a', 'b', 'm2', 'inconclusive'),
      ],
      flaky: [],
    });
    expect(m.models).toEqual(['m1', 'm2', 'm3']);
    expect(m.rows.map((r) => `${r.agent}/${r.variantId}`)).toEqual(['other/solo', 'reviewer/a', 'reviewer/b', 'reviewer/c']);
    // m1: b beat a and c. m2: 70% vs 40% but inconclusive, so no star. m3: a lone scored variant; other/solo has no rival.
    expect([...m.best]).toEqual([bestKey('b', 'm1')]);
  });

  it('ties get no star: three variants at 0%, or 1/14 against 1/15', () => {
    const zeros = buildMatrix({
      runId: 'r',
      variants: [vm('a', 'm', 0, 0), vm('b', 'm', 0, 0), vm('c', 'm', 0, 0)],
      pairwise: [pair('a', 'b', 'm', 'inconclusive'), pair('a', 'c', 'm', 'inconclusive'), pair('b', 'c', 'm', 'inconclusive')],
      flaky: [],
    });
    expect(zeros.best.size).toBe(0);
    const near = buildMatrix({
      runId: 'r',
      variants: [
        { ...vm('a', 'm', 1 / 14), passRate: { runs: 14, passed: 1, rate: 1 / 14, interval: { low: 0.013, high: 0.315 } } },
        { ...vm('b', 'm', 1 / 15), passRate: { runs: 15, passed: 1, rate: 1 / 15, interval: { low: 0.012, high: 0.298 } } },
      ],
      pairwise: [pair('a', 'b', 'm', 'inconclusive')],
      flaky: [],
    });
    expect(near.best.size).toBe(0);
  });

  it('beating some rivals is not enough', () => {
    const m = buildMatrix({
      runId: 'r',
      variants: [vm('a', 'm', 0.2), vm('b', 'm', 0.9), vm('c', 'm', 0.85)],
      pairwise: [pair('a', 'b', 'm', 'better'), pair('a', 'c', 'm', 'better'), pair('b', 'c', 'm', 'inconclusive')],
      flaky: [],
    });
    expect(m.best.size).toBe(0);
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
