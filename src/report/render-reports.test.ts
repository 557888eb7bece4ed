import { describe, expect, it } from 'vitest';
import { degradedReport, syntheticMeta, syntheticResults, syntheticSummary } from '../../test/support/report-synthetic.ts';
import { renderReports } from './render-reports.ts';

describe('renderReports', () => {
  it('renders index.html, summary.md (linking htmlUrl) and junit.xml (stamped with the run end)', () => {
    const meta = syntheticMeta();
    const results = syntheticResults();
    const text = renderReports({ meta, results, summary: syntheticSummary(results), history: [], htmlUrl: 'https://ci/report.html' });
    expect(text.html).toMatch(/^<!doctype html>/);
    expect(text.summary).toContain('(https://ci/report.html)');
    expect(text.junit).toContain(`timestamp="${meta.finishedAt}"`);
  });

  it('carries the baseline into both files: answers beside the current ones in index.html, the evidence in summary.md', () => {
    const { now, gate, baseline } = degradedReport();
    const text = renderReports({
      meta: now.meta,
      results: now.results,
      summary: syntheticSummary(now.results),
      history: [],
      gate,
      baseline,
    });
    expect(text.html).toContain('<h5>baseline (run base-run)</h5>');
    expect(text.html).toContain('line 10 drops the null check');
    expect(text.summary).toContain('#### reviewer-terse');
    expect(text.summary).toContain('Prompt diff against the baseline (run base-run)');
  });

  it('says a budget-stopped run in junit.xml: one errored case naming the stop', () => {
    const meta = { ...syntheticMeta(), stopped: 'budget' as const, plannedCells: 99 };
    const results = syntheticResults();
    const text = renderReports({ meta, results, summary: syntheticSummary(results), history: [] });
    expect(text.junit).toContain(`stopped: budget — ${results.length} of 99 cells ran`);
  });
});
