import { describe, expect, it } from 'vitest';
import { type GradeOutcome, judgeRubric, type RubricExampleGrades, summarizeRubricCalibration } from './rubric-verdict.ts';

const R = { scenarioId: 's', id: 'r', label: 'rubric: "Proposes a hash."' };
const g = (...passes: boolean[]): GradeOutcome[] => passes.map((pass) => ({ pass, tokens: 10, fresh: true }));
const ex = (side: 'pass' | 'fail', label: string, grades: GradeOutcome[]): RubricExampleGrades => ({ side, label, grades });

describe('judgeRubric', () => {
  it('a grader that agrees with every label, every time: accuracy 1, steady, trusted', () => {
    const r = judgeRubric(R, [ex('pass', 'pass[0]', g(true, true, true)), ex('fail', 'fail[0]', g(false, false, false))]);
    expect(r).toMatchObject({ ok: true, flags: [], accuracy: 1, agreeing: 6, judged: 6, flakyOn: [], wrongOn: [], catches: ['fail[0]'] });
    expect(r.cost).toEqual({ grades: 6, fresh: 6, tokens: 60 });
  });

  it('a grader fooled by one fail example: accuracy 3/6, flagged inaccurate, the answer named', () => {
    const r = judgeRubric(R, [ex('pass', 'pass[0]', g(true, true, true)), ex('fail', 'injection', g(true, true, true))]);
    expect(r.accuracy).toBeCloseTo(3 / 6);
    expect(r).toMatchObject({ ok: false, flags: ['inaccurate'], agreeing: 3, judged: 6, wrongOn: ['injection'], catches: [] });
    expect(r.problems).toEqual(['accuracy 0.50 < 0.9 (3 of 6 grades agree with the reference labels): the grader passes "injection"']);
  });

  it('k grades that disagree are flaky even when accuracy clears 0.9', () => {
    const r = judgeRubric(R, [
      ex('pass', 'pass[0]', g(true, true, false, true)),
      ex('fail', 'fail[0]', g(false, false, false, false)),
      ex('fail', 'fail[1]', g(false, false, false, false)),
    ]);
    expect(r.accuracy).toBeCloseTo(11 / 12);
    expect(r).toMatchObject({ ok: false, flags: ['flaky'], flakyOn: ['pass[0]'], wrongOn: [] });
    expect(r.problems).toEqual([`flaky: the grader's grades of the same answer disagree on "pass[0]" (3 pass, 1 fail)`]);
  });

  it('grader errors are no verdict: not counted in accuracy, flagged, never a pass', () => {
    const r = judgeRubric(R, [
      ex('pass', 'pass[0]', [{ error: 'API error: 500', fresh: true }, ...g(true)]),
      ex('fail', 'fail[0]', g(false, false)),
    ]);
    expect(r).toMatchObject({ ok: false, flags: ['grader-error'], accuracy: 1, judged: 3, errors: 1 });
    expect(r.problems).toEqual(['the grader failed on 1 of 4 grades (not a verdict; asked again next run): API error: 500']);
  });

  it('without a fail example a rubric is not calibrated', () => {
    expect(judgeRubric(R, [ex('pass', 'pass[0]', g(true))]).flags).toEqual(['not-exercised']);
  });

  it('pools a calibration into one accuracy per grader (for judge drift over runs)', () => {
    const good = judgeRubric(R, [ex('pass', 'p', g(true, true, true)), ex('fail', 'f', g(false, false, false))]);
    const fooled = judgeRubric({ ...R, id: 'r2' }, [ex('pass', 'p', g(true, true, true)), ex('fail', 'f', g(true, true, true))]);
    expect(summarizeRubricCalibration([good, fooled])).toEqual({ rubrics: 2, flagged: 1, accuracy: 9 / 12, agreeing: 9, judged: 12 });
    expect(summarizeRubricCalibration([])).toEqual({ rubrics: 0, flagged: 0, agreeing: 0, judged: 0 });
  });
});
