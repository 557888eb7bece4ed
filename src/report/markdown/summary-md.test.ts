import { describe, expect, it } from 'vitest';
import { SUMMARY_MAX_CHARS, renderSummaryMarkdown } from './summary-md.ts';
import {
  degradedReport,
  syntheticGate,
  syntheticMeta,
  syntheticResults,
  syntheticSummary,
} from '../../../test/support/report-synthetic.ts';

function input() {
  const meta = syntheticMeta();
  const results = syntheticResults();
  return { meta, results, summary: syntheticSummary(results, meta.runId) };
}

describe('renderSummaryMarkdown', () => {
  it('puts gate regressions first with their intervals, then worse variants, then the matrix', () => {
    const md = renderSummaryMarkdown({ ...input(), gate: syntheticGate(), htmlUrl: 'https://ci.example/artifacts/report index.html' });
    const at = (s: string) => md.indexOf(s);
    expect(md).toContain('### ❌ Gate: regression (exit 1)');
    expect(md).toContain(
      '- **regressed** reviewer-terse @ m1: 50% \\[24–76%\\] vs baseline 90% \\[60–98%\\], −40 pts \\[−65 to −10 pts\\], mcnemar-exact discrete Holm p=0.004',
    );
    expect(at('**regressed**')).toBeLessThan(at('**inconclusive**'));
    expect(md).toContain('~9 more repeats per scenario would settle it');
    expect(md).toContain('- 1 unchanged');
    expect(md).toContain('not comparable, not gated: reviewer @ m1 / scenario\\|2 (assertions-changed)');
    expect(at('### ❌ Gate')).toBeLessThan(at('### ⚠️ Worse variants'));
    expect(at('### ⚠️ Worse variants')).toBeLessThan(at('### Pass rate by variant and model'));
    expect(md).toMatch(
      /- reviewer-terse vs reviewer on m1: worse \(−44 pts over 9 pairs, Holm p=0\.250\) — reviewer-terse now \d+% \\\[\d+–\d+%\\\]/,
    );
    expect(md).toContain('[full HTML report](https://ci.example/artifacts/report%20index.html)');
  });

  it('renders the matrix as a Markdown table with every variant and model and the best marked', () => {
    const md = renderSummaryMarkdown(input());
    // The matrix's own table (the latency table follows it in its own section).
    const matrix = md.slice(md.indexOf('### Pass rate by variant and model'), md.indexOf('### Latency'));
    const table = matrix.split('\n').filter((l) => l.startsWith('|'));
    expect(table[0]).toBe('| variant | m1 | m2 |');
    expect(table[1]).toBe('|---|---|---|');
    expect(table.slice(2).map((l) => l.split(' | ')[0])).toEqual(['| reviewer', '| reviewer-terse']);
    expect(table.join('\n')).toContain('★');
    expect(table.every((l) => l.split(/(?<!\\)\|/).length === 5)).toBe(true);
  });

  it('says which cells were carried over and which models did not run, escaping table breakers', () => {
    const data = input();
    data.meta.carriedFrom = '20260101-000000-base';
    data.meta.notRun = { 'm|3': 'no key <set>' };
    data.results = data.results.map((r, i) => (i < 4 ? { ...r, source: 'baseline' as const } : r));
    const md = renderSummaryMarkdown(data);
    expect(md).toContain('> 4 of 36 cells were carried over from run `20260101-000000-base` without calling a model');
    expect(md).toContain('> m\\|3 did not run: no key &lt;set&gt;');
  });

  it('says how many answers came from promptfoo\'s cache instead of calling the run "live"', () => {
    const data = input();
    data.meta.mode = 'live';
    data.results = data.results.map((r, i) =>
      r.status === 'error' ? r : { ...r, source: i % 3 === 0 ? ('cache' as const) : ('live' as const) },
    );
    const cached = data.results.filter((r) => r.source === 'cache').length;
    const answers = data.results.filter((r) => r.source === 'cache' || r.source === 'live').length;
    const md = renderSummaryMarkdown(data);
    expect(md).toContain(`cells · live (${cached} of ${answers} answers from promptfoo's cache)`);
    data.results = data.results.map((r) => (r.source === 'live' ? { ...r, source: 'cache' as const } : r));
    const all = renderSummaryMarkdown(data);
    expect(all).not.toMatch(/ · live /);
    expect(all).toContain(`cache: all ${answers} answers from promptfoo's cache, none live (mode live)`);
  });

  it('has no gate section without a gate report', () => {
    expect(renderSummaryMarkdown(input())).not.toContain('Gate');
  });
});

describe('renderSummaryMarkdown: the evidence behind a regression', () => {
  function degraded() {
    const { now, gate, baseline } = degradedReport();
    return { meta: now.meta, results: now.results, summary: syntheticSummary(now.results, 'now-run'), gate, baseline };
  }

  it('lists per regressed variant its scenarios with baseline → now and the reason, and the prompt diff against the baseline', () => {
    const md = renderSummaryMarkdown(degraded());
    const why = md.slice(md.indexOf('### Why'));
    expect(why).toContain('#### reviewer-terse');
    expect(why).toMatch(
      /- \*\*anthropic:claude-haiku\*\*: Regressed on anthropic:claude-haiku: 100% → 40% \(−60 pts\), 3 of 5 scenarios worse/,
    );
    expect(why).toContain('  - `scenario-0` 3/3 → 0/3 · failing: cites-line — cites-line: no line number in the answer');
    expect(why).toContain('<details><summary>Prompt diff against the baseline (run base-run)</summary>');
    expect(why).toMatch(/```diff\n You review code\.\n-Always cite the line[^\n]*\n\+Never cite lines[^\n]*\n Be terse\.\n```/);
    expect(why).not.toContain('#### reviewer-strict');
    // Each figure once, in one notation: the gate's own "pass rate 1.00 → 0.40 … adjusted p" is not repeated.
    expect(md).not.toContain('adjusted p =');
  });

  it('names the tool call that broke a trajectory assertion', () => {
    const data = input();
    data.results[0] = {
      ...data.results[0]!,
      status: 'fail',
      assertions: [
        {
          id: 'stays-in-repo',
          kind: 'no-permission-violations',
          pass: false,
          score: 0,
          weight: 1,
          critical: true,
          reason: '1 attempt(s) outside its own permissions: #3 Bash {"command":"rm -rf /"}',
        },
      ],
    };
    const md = renderSummaryMarkdown(data);
    expect(md).toContain('### Failing trajectory assertions');
    expect(md).toContain('**stays-in-repo** — 1 attempt(s) outside its own permissions: #3 Bash {"command":"rm -rf /"}');
  });

  it('names the limit an agent reached with the failing trajectory assertions', () => {
    const data = input();
    data.results[0] = {
      ...data.results[0]!,
      status: 'fail',
      score: 0,
      assertions: [{ id: 'limit', kind: 'limit', pass: false, score: 0, weight: 1, critical: true, reason: 'maxTurns (12) reached' }],
    };
    const md = renderSummaryMarkdown(data);
    expect(md).toContain('### Failing trajectory assertions');
    expect(md).toContain('**limit** — maxTurns (12) reached');
  });

  it("stays within GitHub's size limit, closing an open code block and saying what was cut", () => {
    const data = degraded();
    data.meta.fingerprints.variants['reviewer-terse']!.systemPrompt = Array.from(
      { length: 30 },
      (_, i) => `line ${i} ${'x'.repeat(80)}`,
    ).join('\n');
    const md = renderSummaryMarkdown(data, 2_500);
    expect(md.length).toBeLessThanOrEqual(2_500);
    expect(md).toMatch(
      /> Cut here to stay within GitHub's size limit: \d+ more characters in the \[full HTML report\]\(index\.html\)\.\n$/,
    );
    expect((md.match(/^```/gm) ?? []).length % 2).toBe(0);
    expect((md.match(/<details>/g) ?? []).length).toBe((md.match(/<\/details>/g) ?? []).length);
    expect(renderSummaryMarkdown(data).length).toBeLessThan(SUMMARY_MAX_CHARS);
  });
});
