/**
 * Issue 28: the control arm (`<agent>@control`) is never gated and never in the gate's family of tests;
 * `thresholds.p95LatencyMs` is a threshold like the pass-rate bars.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import { Thresholds } from '../schema/eval-config.ts';
import { gateRun } from './gate.ts';
import { latencyStats } from './latency.ts';
import { findThresholdMisses } from './thresholds.ts';
import { agg, cell } from '../../test/support/cells.ts';

const planned = (cells: ScenarioAggregate[]) => cells.reduce((n, c) => n + c.outcomes.length, 0);
const edited = { variantHash: 'vh-edited' };

describe('gateRun and the control arm', () => {
  // The variant 6/6 → 0/6: exact McNemar p = 1/32. The control swung 3 one way and 3 the other: p = 1,
  // but six discordant pairs could have given 1/32, so in the family it would double the adjusted p.
  const current = [agg('rev/a', 'audit', 'FFFFFF', edited), agg('rev@control', 'audit', 'PPPFFF')];
  const baseline = [agg('rev/a', 'audit', 'PPPPPP'), agg('rev@control', 'audit', 'FFFPPP')];

  it('leaves the control out of the comparisons and of the correction: 1/32 stays 1/32 (regressed)', () => {
    const report = gateRun({ current, baseline, thresholds: Thresholds.parse({}), plannedCells: planned(current) });
    expect(report.comparisons.map((c) => c.variantId)).toEqual(['rev/a']);
    expect(report.comparisons[0]!.verdict).toBe('regressed');
    expect(report.comparisons[0]!.comparison!.adjustedP).toBeCloseTo(1 / 32, 15);
    expect(report.exitCode).toBe(1);
  });

  it('holds the control to no threshold (the bare model may be far below the bar)', () => {
    const now = [agg('rev/a', 's', 'PPPP'), agg('rev@control', 's', 'FFFF')];
    const report = gateRun({ current: now, thresholds: Thresholds.parse({ passRate: 0.9 }), plannedCells: 8 });
    expect(report.breaches).toEqual([]);
    expect(report.exitCode).toBe(0);
    // And `eval` without --ci, which names the missed bars the same way.
    expect(findThresholdMisses(now, Thresholds.parse({ passRate: 0.9 }))).toEqual([]);
  });

  it('still counts the control cells against the error budget (they were planned and paid for)', () => {
    const now = [agg('rev/a', 's', 'PPPP'), agg('rev@control', 's', 'EEEE')];
    const report = gateRun({ current: now, thresholds: Thresholds.parse({}), plannedCells: 8 });
    expect(report.errorBudget).toMatchObject({ errors: 4, exceeded: true });
    expect(report.exitCode).toBe(3);
  });
});

describe('gateRun: thresholds.p95LatencyMs', () => {
  const results = [
    ...[100, 200, 1200].map((ms, repeat) => cell({ variantId: 'rev/a', scenarioId: 's', status: 'pass', repeat, latencyMs: ms })),
    ...[100, 900, 1000].map((ms, repeat) => cell({ variantId: 'rev/b', scenarioId: 's', status: 'pass', repeat, latencyMs: ms })),
    ...[5000].map((ms) => cell({ variantId: 'rev@control', scenarioId: 's', status: 'pass', latencyMs: ms })),
  ];
  const current = [agg('rev/a', 's', 'PPP'), agg('rev/b', 's', 'PPP'), agg('rev@control', 's', 'P')];

  it('a p95 above the bar is a missed threshold (exit 1) naming the figure; at the bar it passes; the control is not held to it', () => {
    const report = gateRun({
      current,
      thresholds: Thresholds.parse({ p95LatencyMs: 1000 }),
      plannedCells: 7,
      latency: latencyStats(results),
    });
    const a = report.comparisons.find((c) => c.variantId === 'rev/a')!;
    const b = report.comparisons.find((c) => c.variantId === 'rev/b')!;
    expect(a.verdict).toBe('below-threshold');
    expect(a.reasons[0]).toBe('over threshold: p95LatencyMs 1200 ms > 1000 ms (3 cells)');
    expect(b.verdict).toBe('new');
    expect(report.exitCode).toBe(1);
    expect(report.reason).toBe('1 variant × model below threshold: rev/a @ m1 p95LatencyMs 1200 ms > 1000 ms (3 cells)');
  });

  it('a bar with no live latency to check (a replayed run) is said in the reason, never passed silently', () => {
    const replayed = results.map((r) => ({ ...r, source: 'replay' as const }));
    const report = gateRun({
      current,
      thresholds: Thresholds.parse({ p95LatencyMs: 1000 }),
      plannedCells: 7,
      latency: latencyStats(replayed),
    });
    expect(report.exitCode).toBe(0);
    expect(report.reason).toBe(
      'no baseline: thresholds met; p95LatencyMs not checked for 2 variant × model: no live answer recorded a latency (replayed, cached or carried)',
    );
  });

  it('no bar, no latency verdict', () => {
    const report = gateRun({ current, thresholds: Thresholds.parse({}), plannedCells: 7, latency: latencyStats(results) });
    expect(report.exitCode).toBe(0);
  });

  it('refuses a bar that is not a positive number', () => {
    expect(Thresholds.safeParse({ p95LatencyMs: 0 }).success).toBe(false);
    expect(Thresholds.safeParse({ p95LatencyMs: 'fast' }).success).toBe(false);
  });
});
