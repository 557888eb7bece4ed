import { describe, expect, it } from 'vitest';
import { syntheticMeta, syntheticResults } from '../../../test/support/report-synthetic.ts';
import type { CellResult, CellVerdict } from '../../schema/result.ts';
import { aggregateRun } from '../../score/aggregate-results.ts';
import { gateRun } from '../../score/gate.ts';
import { summarizeRun } from '../../score/summarize.ts';
import { MAX_SHOWN } from './answer-sample.ts';
import { renderHtml } from '../html/html.ts';
import { renderJunit } from '../junit/junit.ts';
import { RunFold } from './run-fold.ts';
import { renderSummaryMarkdown } from '../markdown/summary-md.ts';

const THRESHOLDS = { passRate: 0.9, errorBudget: 0.2, alpha: 0.05 };

/** The synthetic run made varied: costs and latencies that sum differently in another order, a grading error, a failing trajectory assertion, carried and not-run cells, shuffled. */
function variedResults(): CellResult[] {
  const results = syntheticResults({ variants: ['reviewer', 'reviewer-terse', 'reviewer-long'], scenarios: 4, repeats: 5, seed: 11 });
  const varied = results.map((r, i): CellResult => {
    const cost = 0.0001 * ((i * 7) % 13) + 1e-9 * i;
    if (i % 17 === 3) return { ...r, status: 'not-run', output: undefined, assertions: [], score: 0, error: 'no key', cost: undefined };
    if (i % 19 === 4) return { ...r, source: 'baseline', cost };
    if (i % 11 === 5 && r.assertions.length)
      return {
        ...r,
        cost,
        assertions: [
          ...r.assertions,
          { id: 'judged', kind: 'llm-rubric', pass: false, score: 0, weight: 1, critical: false, gradingError: true, reason: 'grader 500' },
          { id: 'no-bash', kind: 'tool-not-called', pass: false, score: 0, weight: 1, critical: true, reason: `bash called at turn ${i}` },
        ],
      };
    return { ...r, cost, latencyMs: (r.latencyMs ?? 0) + i / 3 };
  });
  // Arrival order is not plan order: a live run finishes cells as answers come back.
  return varied
    .map((r, i) => ({ r, k: (i * 37) % varied.length }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.r);
}

function fold(results: CellResult[]): RunFold {
  const run = new RunFold();
  for (const r of results) run.add(r);
  return run;
}

describe('RunFold: verdicts without answers', () => {
  const meta = syntheticMeta({ variants: ['reviewer', 'reviewer-terse', 'reviewer-long'], scenarios: 4, repeats: 5 });
  const results = variedResults();
  const run = fold(results);

  it('keeps no answer, and shares equal strings and assertion lists between cells', () => {
    expect(run.results).toHaveLength(results.length);
    expect(run.results.every((r) => !('output' in r) && !('trajectory' in r) && !('cellId' in r) && !('finishedAt' in r))).toBe(true);
    const passing = run.results.filter((r) => r.status === 'pass' && r.assertions.length === 2);
    expect(passing.length).toBeGreaterThan(10);
    expect(new Set(passing.map((r) => r.assertions)).size).toBe(1);
    expect(new Set(run.results.map((r) => r.scenarioHash)).size).toBe(4);
    expect(run.shown.withOutput).toBe(results.filter((r) => r.output !== undefined).length);
  });

  it('gives the same aggregates, summary and gate as the full results', () => {
    expect(aggregateRun(run.results, { grader: 'openai:gpt-4.1' })).toEqual(aggregateRun(results, { grader: 'openai:gpt-4.1' }));
    expect(summarizeRun(meta.runId, run.results)).toEqual(summarizeRun(meta.runId, results));
    const gate = (cells: CellVerdict[]) =>
      gateRun({ current: aggregateRun(cells), baseline: aggregateRun(results.slice(0, 90)), thresholds: THRESHOLDS, plannedCells: 300 });
    expect(gate(run.results)).toEqual(gate(results));
  });

  it('renders the same JUnit, summary.md and HTML report as the full results', () => {
    const summary = summarizeRun(meta.runId, results);
    const gate = gateRun({
      current: aggregateRun(results),
      baseline: aggregateRun(results.slice(0, 90)),
      thresholds: THRESHOLDS,
      plannedCells: 300,
    });
    expect(renderJunit(meta.runId, run.results)).toBe(renderJunit(meta.runId, results));
    const md = renderSummaryMarkdown({ meta, results, summary, gate });
    expect(md).toContain('### Why'); // the failing-gate evidence (first failing reasons) is rendered…
    expect(md).toContain('### Failing trajectory assertions'); // …and the trajectory failures
    expect(renderSummaryMarkdown({ meta, results: run.results, summary, gate })).toBe(md);
    const html = renderHtml({ meta, results, summary, gate, history: [] });
    expect(renderHtml({ meta, results: run.results, shown: run.shown, summary, gate, history: [] })).toBe(html);
    expect(html).toContain('Answer reviewer-terse/m1/2/');
  });
});

describe('the drill-down keeps a bounded number of answers per variant × model × scenario', () => {
  const { error: _error, ...base } = syntheticResults({ variants: ['reviewer'], models: ['m1'], scenarios: 1, repeats: 1 })[0]!;
  const cell = (repeat: number, status: 'pass' | 'fail', output: string): CellResult => ({
    ...base,
    cellId: `c${repeat}`,
    repeat,
    status,
    output,
    assertions: [{ id: 'mentions-x', kind: 'contains', pass: status === 'pass', score: 1, weight: 1, critical: false }],
  });
  // 20 identical passing answers, 30 different failing ones (last repeat first), 10 different passing ones.
  const results = [
    ...Array.from({ length: 20 }, (_, i) => cell(30 + i, 'pass', 'the right answer')),
    ...Array.from({ length: 30 }, (_, i) => cell(i, 'fail', `wrong answer ${i}`)).reverse(),
    ...Array.from({ length: 10 }, (_, i) => cell(50 + i, 'pass', `another right answer ${i}`)),
  ];
  const run = fold(results);

  it('keeps the first distinct answers seen, up to the bound, and counts the rest', () => {
    const sample = run.shown.answers.get('reviewer', 'm1', 'scenario-0')!;
    const failing = sample.groups.filter((g) => g.cell.status !== 'pass');
    const passing = sample.groups.filter((g) => g.cell.status === 'pass');
    expect(failing).toHaveLength(MAX_SHOWN.failing);
    expect(passing).toHaveLength(MAX_SHOWN.passing);
    expect(failing.map((g) => g.cell.repeat)).toEqual([29, 28, 27, 26, 25]);
    const same = passing.find((g) => g.cell.output === 'the right answer')!;
    expect(same.repeats).toEqual(Array.from({ length: 20 }, (_, i) => 30 + i));
    expect(same.cell.repeat).toBe(30); // the lowest repeat stands for the identical ones
    expect(sample.notShown).toBe(60 - 20 - 5 - 4);
  });

  it('shows only those answers, says how many more there are, and still counts every cell', () => {
    const meta = syntheticMeta({ variants: ['reviewer'], models: ['m1'], scenarios: 1, repeats: 60 });
    const html = renderHtml({ meta, results: run.results, shown: run.shown, summary: summarizeRun(meta.runId, results), history: [] });
    expect(html.match(/<div class="rep st-/g)).toHaveLength(MAX_SHOWN.failing + MAX_SHOWN.passing);
    expect(html).toContain('× 20 identical');
    expect(html).toContain('… 31 more repeats with other answers not embedded');
    expect(html).toContain('30/60 passed');
    expect(html).not.toContain('wrong answer 3<');
  });
});
