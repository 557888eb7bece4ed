import { describe, expect, it } from 'vitest';
import { trendSeries } from './trends.ts';
import { syntheticAggregate } from '../../../test/support/report-synthetic.ts';
import type { HistoryEntry, ScenarioAggregate } from '../../schema/aggregate.ts';

const entry = (runId: string, time: string, cells: Partial<ScenarioAggregate>[]): HistoryEntry => ({
  runId,
  time,
  git: {},
  cells: cells.map((c) => syntheticAggregate(c)),
});

describe('trendSeries', () => {
  it('makes one point per run with pass rate and mean score summed over scenarios', () => {
    const series = trendSeries([
      entry('r1', '2026-01-01T00:00:00Z', [
        { scenarioId: 's1', runs: 3, passes: 3, scoreSum: 3 },
        { scenarioId: 's2', runs: 3, passes: 0, scoreSum: 0.6 },
      ]),
    ]);
    expect(series).toHaveLength(1);
    const [p] = series[0]!.segments[0]!.points;
    expect(p).toMatchObject({ runId: 'r1', runs: 6, passes: 3, passRate: 0.5, promptChanged: false });
    expect(p!.score).toBeCloseTo(3.6 / 6);
  });

  it('keeps one series per variant × model, ordered by time not by file order', () => {
    const series = trendSeries([
      entry('late', '2026-01-03T00:00:00Z', [{ model: 'm1' }, { model: 'm2' }]),
      entry('early', '2026-01-01T00:00:00Z', [{ model: 'm1' }, { variantId: 'terse', model: 'm1' }]),
    ]);
    expect(series.map((s) => `${s.variantId}/${s.model}`)).toEqual(['reviewer/m1', 'reviewer/m2', 'terse/m1']);
    expect(series[0]!.segments[0]!.points.map((p) => p.runId)).toEqual(['early', 'late']);
  });

  it('marks the point where the prompt changed without breaking the line', () => {
    const series = trendSeries([
      entry('r1', '2026-01-01T00:00:00Z', [{ variantHash: 'v1' }]),
      entry('r2', '2026-01-02T00:00:00Z', [{ variantHash: 'v1' }]),
      entry('r3', '2026-01-03T00:00:00Z', [{ variantHash: 'v2' }]),
    ]);
    expect(series[0]!.segments).toHaveLength(1);
    expect(series[0]!.segments[0]!.points.map((p) => p.promptChanged)).toEqual([false, false, true]);
  });

  it('starts a new segment when assertions, scenarios or the grader change, and says why', () => {
    const series = trendSeries([
      entry('r1', '2026-01-01T00:00:00Z', [{ scenarioId: 's1', assertionsHash: 'a1' }, { scenarioId: 's2' }]),
      entry('r2', '2026-01-02T00:00:00Z', [{ scenarioId: 's1', assertionsHash: 'a1' }, { scenarioId: 's2' }]),
      entry('r3', '2026-01-03T00:00:00Z', [{ scenarioId: 's1', assertionsHash: 'a2' }, { scenarioId: 's2' }]),
      entry('r4', '2026-01-04T00:00:00Z', [{ scenarioId: 's1', assertionsHash: 'a2' }, { scenarioId: 's2' }, { scenarioId: 's3' }]),
      entry('r5', '2026-01-05T00:00:00Z', [
        { scenarioId: 's1', assertionsHash: 'a2' },
        { scenarioId: 's2' },
        { scenarioId: 's3', grader: 'openai:gpt-4.1' },
      ]),
    ]);
    const segs = series[0]!.segments;
    expect(segs.map((s) => s.points.map((p) => p.runId))).toEqual([['r1', 'r2'], ['r3'], ['r4'], ['r5']]);
    expect(segs[0]!.breakReason).toBeUndefined();
    expect(segs[1]!.breakReason).toBe('scenarios or assertions changed: s1');
    expect(segs[2]!.breakReason).toBe('scenarios added: s3');
    expect(segs[3]!.breakReason).toBe('grader none → openai:gpt-4.1');
    // The points are never merged: each segment only holds its own runs' counts.
    expect(segs[1]!.points[0]!.runs).toBe(6);
  });

  it('gives a run with nothing scored a point with no rate instead of a zero', () => {
    const series = trendSeries([entry('r1', '2026-01-01T00:00:00Z', [{ runs: 0, passes: 0, scoreSum: 0, errors: 3, outcomes: 'EEE' }])]);
    expect(series[0]!.segments[0]!.points[0]).toMatchObject({ passRate: null, score: null });
  });
});
