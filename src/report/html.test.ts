import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, renderHtml, type ReportInput } from './html.ts';
import {
  syntheticEntry,
  syntheticGate,
  syntheticMeta,
  syntheticResults,
  syntheticSummary,
  type RunShape,
} from '../../test/support/report-synthetic.ts';

const HOSTILE = `<script>window.__pwned=1</script><img src=x onerror="alert(1)"><a href="javascript:alert(1)">x</a>"'&`;

function input(shape: RunShape = {}, over: Partial<ReportInput> = {}): ReportInput {
  const meta = syntheticMeta(shape);
  const results = syntheticResults(shape);
  return { meta, results, summary: syntheticSummary(results, meta.runId), history: [], ...over };
}

const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('renderHtml: security', () => {
  it('escapes untrusted text everywhere it appears', () => {
    const data = input({ firstOutput: HOSTILE, variants: ['v<b>1', 'v2'], models: ['m"1', 'm2'] });
    data.meta.git.branch = HOSTILE;
    data.meta.notRun = { 'm<i>3': HOSTILE };
    data.meta.fingerprints.scenarios['scenario-0']!.title = HOSTILE;
    data.results[1] = { ...data.results[1]!, status: 'error', output: undefined, error: HOSTILE, assertions: [] };
    data.results[2] = {
      ...data.results[2]!,
      assertions: [{ id: 'a<x>', kind: 'contains', pass: false, score: 0, weight: 1, critical: false, reason: HOSTILE }],
    };
    data.warnings = [HOSTILE];
    data.history = [syntheticEntry('r1', { variants: ['v<b>1'], models: ['m"1'] })];
    const page = renderHtml(data, { collapseAt: 20 });

    expect(page.match(/<script/g)).toHaveLength(1);
    expect(/<img|<a |<b>1|<i>3|javascript:alert\(1\)">/.test(page)).toBe(false);
    // No event-handler attribute inside any tag (escaped text never contains a raw `<`).
    expect(/<[^>]*\son[a-z]+=/i.test(page)).toBe(false);
    expect(page).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(page).toContain('v&lt;b&gt;1');
    expect(page).toContain('m&quot;1');
    // Nothing is loaded from anywhere: no src/href except data: URLs and in-page anchors.
    expect(/\s(?:src|href|action|srcset)="(?!data:|#)/.test(page)).toBe(false);
  });

  it('allows exactly its own style and script by hash, and nothing remote', () => {
    const page = renderHtml(input());
    const style = page.match(/<style>([\s\S]*?)<\/style>/)![1]!;
    const script = page.match(/<script>([\s\S]*?)<\/script>/)![1]!;
    const csp = page.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)![1]!.replaceAll('&#39;', "'");
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`style-src ${sha(style)}`);
    expect(csp).toContain(`script-src ${sha(script)};`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(script.length).toBeLessThan(400);
    // Style attributes would need 'unsafe-inline'; the page uses classes only.
    expect(page).not.toMatch(/\sstyle="/);
  });
});

describe('renderHtml: content', () => {
  it('shows every variant and model in the matrix, marks the best, and lists the verdicts', () => {
    const data = input({ variants: ['reviewer', 'reviewer-terse'], models: ['m1', 'm2'] });
    const page = renderHtml(data);
    const matrix = page.match(/<table id="matrix">[\s\S]*?<\/table>/)![0];
    expect(matrix.match(/<th scope="col" class="model">([^<]*)<\/th>/g)).toEqual([
      '<th scope="col" class="model">m1</th>',
      '<th scope="col" class="model">m2</th>',
    ]);
    expect(matrix).toContain('<th scope="row" class="variant">reviewer</th>');
    expect(matrix).toContain('<th scope="row" class="variant">reviewer-terse</th>');
    // m1: reviewer-terse is significantly worse, so reviewer is starred; m2 is inconclusive: a tie, no star.
    expect(matrix.match(/class="is-best"/g)!.length).toBe(1);
    expect(matrix).toMatch(/<th scope="row" class="variant">reviewer<\/th><td class="is-best"><span class="best"/);
    const pairs = page.match(/<table id="pairs">[\s\S]*?<\/table>/)![0];
    // Worse first, then inconclusive with the repeats that would settle it.
    expect(pairs.indexOf('<b>worse</b>')).toBeLessThan(pairs.indexOf('<b>inconclusive</b>'));
    expect(pairs).toContain('~12 more repeats per scenario');
  });

  it("says in the run facts how many answers came from promptfoo's cache", () => {
    const data = input();
    data.meta.mode = 'live';
    data.results = data.results.map((r) => ({ ...r, source: 'cache' as const }));
    const facts = renderHtml(data).match(/<header>[\s\S]*?<\/header>/)![0];
    expect(facts).toContain(`cache: all ${data.results.length} answers from promptfoo&#39;s cache, none live (mode live)`);
    expect(facts).not.toMatch(/ · live · /);
  });

  it('draws trends with a mark where the prompt changed and a break where the assertions changed', () => {
    const history = Array.from({ length: 6 }, (_, i) =>
      syntheticEntry(`run-${i}`, {
        seed: i,
        variantHash: (v) => (i >= 2 ? `${v}-new` : v),
        assertionsHash: (s) => (i >= 4 && s === 'scenario-1' ? 'changed' : s),
      }),
    );
    const page = renderHtml(input({}, { history }));
    const chart = page.match(/<figure class="chart">[\s\S]*?<\/figure>/)![0];
    expect(chart).toContain('<title>Prompt changed in run-2');
    expect(chart).toMatch(/<line class="brk"[^>]*><title>Break before run-4: scenarios or assertions changed: scenario-1\./);
    // Two segments are two separate lines, never one averaged line.
    expect(chart.match(/<polyline class="l-rate"/g)).toHaveLength(2);
    expect(page.match(/<figure class="chart">/g)).toHaveLength(4);
  });

  it('puts each variant side by side in a closed drill-down per scenario with assertions and facts', () => {
    const page = renderHtml(input({ scenarios: 2, repeats: 2 }));
    expect(page.match(/<details class="scenario" id="s-\d+-scenario-\d">/g)).toHaveLength(2);
    const first = page.match(/<details class="scenario"[\s\S]*?<\/details>(?=<details class="scenario"|<\/section>)/)![0];
    expect(first.match(/<section class="col">/g)).toHaveLength(4);
    expect(first).toMatch(/#0 · (pass|fail) · score \d\.\d\d · \d+ ms · 120\+80 tok · \$0\.00040 · replay/);
    expect(first).toContain('no-apology</b> <span class="muted">not-contains, critical</span>');
  });

  it('folds long answers and cuts them at the per-answer budget', () => {
    const data = input({ scenarios: 1, repeats: 1, variants: ['v'], models: ['m'] });
    data.results[0] = { ...data.results[0]!, status: 'pass', output: 'x'.repeat(30_000) };
    const page = renderHtml(data, { collapseAt: 1_000, outputBudget: 5_000 });
    expect(page).toContain('<summary>show 4000 more characters</summary>');
    expect(page).toContain('… 25000 more characters not embedded');
  });

  it('diffs prompts between variants and against the previous run of each variant', () => {
    const data = input(
      { variants: ['a', 'b'] },
      { previousPrompts: { a: { runId: 'old-run', systemPrompt: 'You review code.\nBe gentle.\nAlways cite the line.\n' } } },
    );
    data.meta.fingerprints.variants.b!.systemPrompt = data.meta.fingerprints.variants.a!.systemPrompt.replace('thorough', 'terse');
    const page = renderHtml(data);
    const prompts = page.match(/<section id="prompts">[\s\S]*?<\/section>/)![0];
    expect(prompts).toContain('<ins>+ Be terse.\n</ins>');
    expect(prompts).toContain('<del>- Be thorough.\n</del>');
    expect(prompts).toContain('run old-run → this run');
    expect(prompts).toContain('<del>- Be gentle.\n</del>');
    expect(prompts).toContain('b: no earlier run of this variant to compare with.');
  });

  it('shows the gate verdicts, regressions first, when a gate report is given', () => {
    const page = renderHtml(input({}, { gate: syntheticGate() }));
    const gate = page.match(/<section id="gate">[\s\S]*?<\/section>/)![0];
    expect(gate).toContain('<b>regression</b> (exit 1): 1 regressed');
    expect(gate.indexOf('<b>regressed</b>')).toBeLessThan(gate.indexOf('<b>inconclusive</b>'));
    expect(gate).toContain('50% [24–76%] vs baseline 90% [60–98%], −40 pts [−65 to −10 pts], mcnemar-exact Holm p=0.004');
    expect(gate).toContain('1 variant × model combination unchanged.');
    expect(gate).toContain('reviewer @ m1 / scenario|2: assertions-changed');
    expect(renderHtml(input())).not.toContain('<section id="gate">');
  });

  it('notes carried-over cells and models that did not run', () => {
    const data = input();
    data.meta.carriedFrom = 'base-run';
    data.meta.notRun = { 'anthropic:claude': 'ANTHROPIC_API_KEY is not set' };
    data.results = data.results.map((r, i) => (i < 5 ? { ...r, source: 'baseline' } : r));
    const page = renderHtml(data);
    expect(page).toContain('5 cells carried over from run base-run');
    expect(page).toContain('anthropic:claude did not run: ANTHROPIC_API_KEY is not set');
  });
});

describe('renderHtml: scale', () => {
  it('stays under 2 MB and renders fast with 1,000 history runs and a 300-cell run', () => {
    const variants = ['v1', 'v2', 'v3', 'v4', 'v5'];
    const models = ['m1', 'm2', 'm3'];
    const shape = { variants, models, scenarios: 10, repeats: 2, outputLength: 8_000 };
    const history = Array.from({ length: 1_000 }, (_, i) =>
      syntheticEntry(`r${i}`, { seed: i, variants, models, cells: 150, variantHash: (v) => `${v}-${Math.floor(i / 100)}` }),
    );
    const data = input(shape, { history });
    expect(data.results).toHaveLength(300);
    const started = performance.now();
    const page = renderHtml(data);
    const ms = performance.now() - started;
    expect(Buffer.byteLength(page)).toBeLessThan(2 * 1024 * 1024);
    expect(ms).toBeLessThan(3_000);
    expect(page.match(/<figure class="chart">/g)).toHaveLength(15);
  });
});
