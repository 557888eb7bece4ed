import { describe, expect, it } from 'vitest';
import { decidePanel, type PanelComponent, type PanelGrading } from './grader-panel.ts';

const rubric = (pass: boolean, score = pass ? 1 : 0, reason = pass ? 'meets it' : 'misses it'): PanelComponent => ({
  pass,
  score,
  reason,
  assertion: { type: 'llm-rubric', metric: 'tone' },
});
const failed: PanelComponent = {
  pass: false,
  score: 0,
  reason: 'grader timed out',
  assertion: { type: 'llm-rubric', metric: 'tone' },
  metadata: { graderError: true },
};
const offline: PanelComponent = { pass: true, score: 1, assertion: { type: 'icontains', metric: 'mentions-jwt' } };
const grading = (...components: PanelComponent[]): PanelGrading => ({
  pass: components.every((c) => c.pass),
  score: 1,
  componentResults: components,
});
const isRubric = (metric: string) => metric === 'tone';

/** The panel's `tone` component, for gradings where the first also carries the offline assertion. */
function decided(...tone: PanelComponent[]): PanelComponent {
  const [first, ...rest] = tone;
  const panel = decidePanel(['a', 'b', 'c'].slice(0, tone.length), [grading(offline, first!), ...rest.map((c) => grading(c))], isRubric);
  expect(panel.componentResults![0]).toBe(offline); // offline assertions pass through untouched
  return panel.componentResults![1]!;
}

describe('decidePanel: a rubric decided by more than half of the panel', () => {
  it('2 of 3 pass: pass, scored as the mean of the majority, with every vote', () => {
    const c = decided(rubric(true, 0.9), rubric(false, 0.2), rubric(true, 0.7));
    expect(c).toMatchObject({ pass: true, reason: '2 of 3 graders: pass. meets it' });
    expect(c.score).toBeCloseTo(0.8, 10);
    expect(c.metadata?.graderError).toBeUndefined();
    expect(c.metadata?.votes).toEqual([
      { grader: 'a', pass: true, score: 0.9, reason: 'meets it' },
      { grader: 'b', pass: false, score: 0.2, reason: 'misses it' },
      { grader: 'c', pass: true, score: 0.7, reason: 'meets it' },
    ]);
  });

  it('2 of 3 fail: fail, and the failing reason', () => {
    const c = decided(rubric(true), rubric(false), rubric(false));
    expect(c).toMatchObject({ pass: false, score: 0, reason: '2 of 3 graders: fail. misses it' });
  });

  it('a grader that could not grade still counts in the panel: 2 pass of 3 decides, 1 pass + 1 fail does not', () => {
    expect(decided(rubric(true), failed, rubric(true))).toMatchObject({ pass: true, reason: '2 of 3 graders: pass. meets it' });
    // The first grader's failure is one vote: it does not make the decided rubric a grading error.
    expect(decided(failed, rubric(true), rubric(true)).metadata?.graderError).toBeUndefined();
    const none = decided(rubric(true), failed, rubric(false));
    expect(none).toMatchObject({ pass: false, score: 0, reason: 'no majority of the 3 graders: 1 pass, 1 fail, 1 could not grade' });
    expect(none.metadata).toMatchObject({ graderError: true });
    const votes = none.metadata!.votes as Array<{ grader: string; pass?: boolean }>;
    expect(votes[1]).toEqual({ grader: 'b', reason: 'grader timed out' });
  });

  it('a tie of two graders decides nothing: a grading error, never a pass', () => {
    const c = decided(rubric(true), rubric(false));
    expect(c).toMatchObject({ pass: false, metadata: { graderError: true }, reason: 'no majority of the 2 graders: 1 pass, 1 fail' });
  });

  it('unanimous panels decide as one grader would; the grading passes only when every component does', () => {
    const panel = decidePanel(['a', 'b', 'c'], [grading(offline, rubric(false)), grading(rubric(false)), grading(rubric(false))], isRubric);
    expect(panel.pass).toBe(false);
    expect(panel.componentResults![1]).toMatchObject({ pass: false, reason: '3 of 3 graders: fail. misses it' });
  });
});
