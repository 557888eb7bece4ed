import { describe, expect, it } from 'vitest';
import { renderTrends } from './html-trends.ts';
import { trendSeries } from '../model/trends.ts';
import type { HistoryEntry } from '../../schema/aggregate.ts';
import { syntheticAggregate } from '../../../test/support/report-synthetic.ts';

const GRADER = 'openai:chat:gpt-4.1';
const entry = (runId: string, day: number, accuracy?: number): HistoryEntry => ({
  runId,
  time: `2026-01-0${day}T00:00:00.000Z`,
  git: {},
  // The last run passes less, so the series is drawn rather than folded as flat.
  cells: [syntheticAggregate({ grader: GRADER, ...(day === 3 ? { passes: 1 } : {}) }), syntheticAggregate({ model: 'ungraded' })],
  ...(accuracy !== undefined ? { rubricCalibration: { grader: GRADER, accuracy, flagged: accuracy < 0.9 ? 1 : 0, rubrics: 2 } } : {}),
});

describe('judge drift in trends (issue 15)', () => {
  it("puts the run's rubric calibration on the points of graded series only, and says it on hover", () => {
    const series = trendSeries([entry('r1', 1, 1), entry('r2', 2), entry('r3', 3, 0.75)]);
    const graded = series.find((s) => s.model === 'm1')!;
    expect(graded.segments[0]!.points.map((p) => p.judge?.accuracy)).toEqual([1, undefined, 0.75]);
    expect(series.find((s) => s.model === 'ungraded')!.segments[0]!.points.every((p) => p.judge === undefined)).toBe(true);
    expect(renderTrends([graded]).value).toContain(
      `r3 · 2026-01-03 00:00 · pass rate 33%, 1/3 · judge ${GRADER}: calibration accuracy 0.75, 1 of 2 rubrics flagged</title>`,
    );
  });
});
