/**
 * Issue 29, items 3 and 5: the PR comment carries, per regressed row, its scenarios and failing
 * assertions (cut with a note within GitHub's limit), and says which verdicts rest on a rubric that
 * calibration flagged; summary.md says it beside the same scenarios.
 */
import { describe, expect, it } from 'vitest';
import { degradedReport } from '../../../test/support/report-synthetic.ts';
import { summarizeRun } from '../../score/summarize.ts';
import { renderPrComment } from './pr-comment.ts';
import type { RubricTrust } from '../model/rubric-trust-notes.ts';
import { renderSummaryMarkdown } from './summary-md.ts';

const TRUST: RubricTrust = {
  grader: 'openai:chat:judge',
  flagged: [{ scenarioId: 'scenario-0', assertionId: 'cites-line', label: 'rubric: "cites the line"', why: 'accuracy 0.50' }],
  uncalibrated: [],
};

describe('the PR comment says why', () => {
  it('lists each regressed row with its scenarios, baseline → now and the failing assertion, like summary.md', () => {
    const { now, gate, baseline } = degradedReport();
    const text = renderPrComment({
      gate,
      runId: 'now-run',
      evidence: { meta: now.meta, results: now.results, baselineCells: baseline.cells },
    });
    const why = text.slice(text.indexOf('#### Why'));
    expect(why).toMatch(/^- \*\*reviewer-terse\*\*: Regressed on openai:gpt-4\.1-mini: 100% → 40% \(−60 pts\), 3 of 5 scenarios worse/m);
    expect(why).toContain('  - `scenario-0` 3/3 → 0/3 · failing: cites-line — cites-line: no line number in the answer');
    // Before the footer, after the table.
    expect(text.indexOf('#### Why')).toBeGreaterThan(text.indexOf('| regressed |'));
    expect(text.indexOf('#### Why')).toBeLessThan(text.indexOf('Provider errors:'));
    // Without the evidence, the comment is as before.
    expect(renderPrComment({ gate, runId: 'now-run' })).not.toContain('#### Why');
  });

  it('stays within the size limit, cut at a line with a note, the footer kept', () => {
    const { now, gate, baseline } = degradedReport();
    const full = renderPrComment({
      gate,
      runId: 'now-run',
      evidence: { meta: now.meta, results: now.results, baselineCells: baseline.cells },
    });
    const cut = renderPrComment({
      gate,
      runId: 'now-run',
      reportUrl: 'https://ci.example/run/1',
      maxChars: full.length - 200,
      evidence: { meta: now.meta, results: now.results, baselineCells: baseline.cells },
    });
    expect(cut.length).toBeLessThanOrEqual(full.length - 200);
    expect(cut).toContain("> Cut here to stay within GitHub's size limit: the rest is in the [full report](https://ci.example/run/1).");
    expect(cut).toContain('Provider errors:');
    expect(cut).toContain('#### Why');
  });

  it('says beside the verdict that it rests on a rubric calibration flagged, in the comment and in summary.md', () => {
    const { now, gate, baseline } = degradedReport();
    const text = renderPrComment({
      gate,
      runId: 'now-run',
      evidence: { meta: now.meta, results: now.results, baselineCells: baseline.cells, rubricTrust: TRUST },
    });
    expect(text).toContain(
      '> ⚠️ calibration does not back this verdict: it rests on 1 flagged rubric (scenario-0: rubric \\`cites-line\\` flagged by its last calibration with openai:chat:judge (accuracy 0.50)); run \\`agent-evals calibrate\\`.',
    );
    expect(text).toMatch(/- `scenario-0` 3\/3 → 0\/3 .* · ⚠️ rubric \\`cites-line\\` flagged by its last calibration/);
    expect(text).not.toMatch(/- `scenario-1` .*⚠️/);
    const md = renderSummaryMarkdown({
      meta: now.meta,
      results: now.results,
      summary: summarizeRun('now-run', now.results),
      gate,
      baseline,
      rubricTrust: TRUST,
    });
    expect(md).toContain('> ⚠️ calibration does not back this verdict: it rests on 1 flagged rubric');
    expect(md).toMatch(/- `scenario-0` 3\/3 → 0\/3 .* · ⚠️ rubric \\`cites-line\\` flagged by its last calibration/);
  });
});
