/**
 * Issue 25, item 7: a scenario run without reference examples is marked `uncalibrated` in the junit
 * cases and in the pull-request comment; other scenarios are not.
 */
import { describe, expect, it } from 'vitest';
import { Thresholds } from '../schema/eval-config.ts';
import { gateRun } from '../score/gate.ts';
import { aggs } from '../../test/support/cells.ts';
import { syntheticResults } from '../../test/support/report-synthetic.ts';
import { renderJunit } from './junit/junit.ts';
import { renderPrComment } from './markdown/pr-comment.ts';
import { renderEvalVerdicts } from './text/gate-console.ts';

describe('the uncalibrated marker', () => {
  it('junit: the cases of that scenario carry an `uncalibrated` property and say so; the others do not', () => {
    const xml = renderJunit('run-1', syntheticResults({ variants: ['reviewer'], models: ['m1'], scenarios: 2 }), undefined, ['scenario-1']);
    const cases = xml.split('<testcase ').slice(1);
    const marked = cases.filter((c) => c.includes('<property name="uncalibrated"'));
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatch(/^name="scenario-1"/);
    expect(marked[0]).toMatch(/message="[^"]*uncalibrated: the scenario has no reference examples|<system-out>[^<]*uncalibrated/);
    expect(cases.find((c) => c.startsWith('name="scenario-0"'))).not.toContain('uncalibrated');
    // Without the list, the file is as before.
    expect(renderJunit('run-1', syntheticResults({ variants: ['reviewer'], models: ['m1'], scenarios: 2 }))).not.toContain('uncalibrated');
  });

  it('pr-comment: one line naming the scenarios', () => {
    const run = aggs('rev/a', ['PPPP', 'PPPP']);
    const gate = gateRun({ current: run, baseline: run, thresholds: Thresholds.parse({}), plannedCells: 8 });
    const text = renderPrComment({ gate, runId: 'r1', uncalibrated: ['fresh'] });
    expect(text.split('\n').filter((l) => l.includes('uncalibrated'))).toEqual([
      '⚠️ uncalibrated: scenario `fresh` has no reference examples: nothing checked its assertions, so its verdicts are uncalibrated.',
    ]);
    expect(renderPrComment({ gate, runId: 'r1' })).not.toContain('uncalibrated');
  });
});

describe('renderEvalVerdicts (eval without --ci, issue 25 item 6)', () => {
  it("counts the verdicts and lists them in the gate's words, with no exit code", () => {
    const gate = gateRun({
      current: aggs('rev/a', ['FFFFFF', 'FFFFFF']),
      baseline: aggs('rev/a', ['PPPPPP', 'PPPPPP']),
      thresholds: Thresholds.parse({}),
      plannedCells: 12,
    });
    const lines = renderEvalVerdicts(gate, 'reports/baseline.json (run r0)');
    expect(lines[1]).toMatch(/^against the baseline reports\/baseline\.json \(run r0\): 1 regressed \(not gated: /);
    expect(lines[2]).toMatch(/^ {2}regressed +rev\/a @ m1: 0% /);
    expect(lines.join('\n')).not.toMatch(/exit \d/);
  });
});
