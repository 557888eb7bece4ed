import { describe, expect, it } from 'vitest';
import { describeLatencyMiss, latencyMisses, latencyStats, nearestRank } from './latency.ts';
import { ResultFold } from './fold-results.ts';
import { cell as cellResult } from '../../test/support/cells.ts';

/** An independent nearest-rank: the smallest value with at least q of the values at or below it. */
function byDefinition(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.find((v) => sorted.filter((w) => w <= v).length >= q * sorted.length)!;
}

describe('nearestRank', () => {
  it('gives the textbook nearest-rank figures', () => {
    // Wikipedia's worked example of the nearest-rank method: 15, 20, 35, 40, 50.
    expect(nearestRank([15, 20, 35, 40, 50], 0.05)).toBe(15);
    expect(nearestRank([15, 20, 35, 40, 50], 0.3)).toBe(20);
    expect(nearestRank([40, 15, 50, 35, 20], 0.4)).toBe(20);
    expect(nearestRank([15, 20, 35, 40, 50], 0.5)).toBe(35);
    expect(nearestRank([15, 20, 35, 40, 50], 1)).toBe(50);
    expect(nearestRank([], 0.5)).toBeNull();
  });

  it('agrees with the definition on fixed samples, including exact ranks (q·n whole)', () => {
    const samples = [
      [120, 80, 95, 300, 101, 99, 87, 1500, 110, 90, 105, 97, 93, 88, 140, 133, 99, 100, 102, 91],
      [5],
      [7, 7, 7, 3],
      Array.from({ length: 100 }, (_, i) => ((i * 37) % 101) + 1),
    ];
    for (const values of samples)
      for (const q of [0.5, 0.95, 0.99, 0.1]) expect(nearestRank(values, q), `${q} of ${values.length}`).toBe(byDefinition(values, q));
    // 20 values: p95 is rank 19, p50 rank 10.
    expect(nearestRank(samples[0]!, 0.95)).toBe(300);
    expect(nearestRank(samples[0]!, 0.5)).toBe(99);
  });
});

const cell = (variantId: string, latencyMs: number | undefined, status: 'pass' | 'fail' | 'error' = 'pass', turns?: number) => ({
  agent: 'helper',
  variantId,
  model: 'm',
  status,
  ...(latencyMs === undefined ? {} : { latencyMs }),
  ...(turns === undefined ? {} : { trajectory: { turns } }),
});

describe('latencyStats', () => {
  it('takes p50 and p95 of scored cells per variant × model, and per turn where turns were recorded', () => {
    const stats = latencyStats([
      cell('helper/b', 400, 'pass', 2),
      cell('helper/a', 100),
      cell('helper/a', 300, 'fail'),
      cell('helper/a', 200),
      cell('helper/a', 90_000, 'error'),
      cell('helper/a', undefined),
      cell('helper/b', 900, 'pass', 3),
      cell('helper/b', 100, 'pass', 1),
    ]);
    expect(stats).toEqual([
      { agent: 'helper', variantId: 'helper/a', model: 'm', n: 3, p50: 200, p95: 300 },
      { agent: 'helper', variantId: 'helper/b', model: 'm', n: 3, p50: 400, p95: 900, turn: { n: 3, p50: 200, p95: 300 } },
    ]);
  });

  it('counts only answers the model gave now: replayed, cached and carried cells took no model time', () => {
    const stats = latencyStats([
      { ...cell('helper/a', 700), source: 'live' as const },
      { ...cell('helper/a', 1), source: 'replay' as const },
      { ...cell('helper/a', 2), source: 'cache' as const },
      { ...cell('helper/a', 3), source: 'baseline' as const },
      cell('helper/a', 500),
      { ...cell('helper/b', 1), source: 'replay' as const },
    ]);
    expect(stats).toEqual([{ agent: 'helper', variantId: 'helper/a', model: 'm', n: 2, p50: 500, p95: 700 }]);
  });

  it('names the variant × model above the p95 bar, and none without a bar', () => {
    const stats = latencyStats([cell('helper/a', 100), cell('helper/a', 1200), cell('helper/b', 1000)]);
    expect(latencyMisses(stats, undefined)).toEqual([]);
    const misses = latencyMisses(stats, 1000);
    expect(misses.map((m) => m.variantId)).toEqual(['helper/a']);
    expect(describeLatencyMiss(misses[0]!)).toBe('p95LatencyMs 1200 ms > 1000 ms (2 cells)');
  });
});

describe('latency of a folded run (the report reads verdicts, not trajectories)', () => {
  it('keeps each agent cell’s turns, so the per-turn figures are the same as from the full results', () => {
    const trajectory = (turns: number) => ({
      runtime: 'opencode' as const,
      toolCalls: [],
      delegations: [],
      turns,
      filesRead: [],
      workspaceDiff: '',
      filesChanged: [],
    });
    const full = [
      cellResult({ variantId: 'helper/a', scenarioId: 's', status: 'pass', latencyMs: 3000, trajectory: trajectory(3) }),
      cellResult({ variantId: 'helper/a', scenarioId: 's', status: 'fail', repeat: 1, latencyMs: 1000, trajectory: trajectory(2) }),
      cellResult({ variantId: 'helper/a', scenarioId: 't', status: 'pass', latencyMs: 400 }),
    ];
    const fold = new ResultFold();
    for (const r of full) fold.add(r);
    expect(fold.cells.every((c) => !('trajectory' in c))).toBe(true);
    expect(latencyStats(fold.cells)).toEqual(latencyStats(full));
    expect(latencyStats(fold.cells)[0]!.turn).toEqual({ n: 2, p50: 500, p95: 1000 });
  });
});
