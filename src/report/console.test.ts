import { describe, expect, it } from 'vitest';
import { summarizeRun } from '../score/summarize.ts';
import { renderConsoleMatrix } from './console.ts';
import { syntheticResults, syntheticSummary } from '../../test/support/report-synthetic.ts';

describe('renderConsoleMatrix', () => {
  it('prints variants down and models across, the best marked, and decided verdicts', () => {
    const summary = syntheticSummary(syntheticResults({ variants: ['reviewer', 'reviewer-terse'], models: ['m1', 'm2'] }));
    const lines = renderConsoleMatrix(summary).split('\n');
    expect(lines[0]).toMatch(/^variant\s+m1\s+m2$/);
    expect(lines[1]).toMatch(/^-+\s+-+\s+-+$/);
    expect(lines[2]).toMatch(/^reviewer\s+(★ )?\d+% \[\d+–\d+%\]/);
    expect(lines[3]).toMatch(/^reviewer-terse\s/);
    expect(lines.join('\n')).toContain('★');
    expect(lines).toContain('  reviewer-terse vs reviewer on m1: worse (−44 pts over 9 pairs, Holm p=0.250)');
    expect(lines).toContain('  1 comparison inconclusive (see summary.md)');
  });

  it("says how many answers came from promptfoo's cache", () => {
    const results = syntheticResults({ variants: ['reviewer', 'reviewer-terse'], models: ['m1'] }).map((r, i) => ({
      ...r,
      source: i < 5 ? ('cache' as const) : ('live' as const),
    }));
    const answers = results.filter((r) => r.status !== 'not-run' && r.status !== 'not-recorded').length;
    const text = renderConsoleMatrix(summarizeRun('r', results));
    expect(text.split('\n')).toContain(`5 of ${answers} answers came from promptfoo's cache, not from a model call`);
    expect(
      renderConsoleMatrix(
        summarizeRun(
          'r',
          results.map((r) => ({ ...r, source: 'live' as const })),
        ),
      ),
    ).not.toMatch(/cache/);
  });

  it('says so when the run has no cells', () => {
    expect(renderConsoleMatrix({ runId: 'r', variants: [], pairwise: [], flaky: [] })).toBe('run r: no cells');
  });
});
