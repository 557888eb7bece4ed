import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, renderHtml, type ReportInput } from './html.ts';
import { baselineAnswersOf } from '../model/baseline-view.ts';
import type { CellResult } from '../../schema/result.ts';
import { renderPairMatrices } from './html-overview.ts';
import { summarizeRun } from '../../score/summarize.ts';
import { aggregateRun } from '../../score/aggregate-results.ts';
import { gateRun } from '../../score/gate.ts';
import {
  degradedReport,
  degradedRun,
  syntheticEntry,
  syntheticGate,
  syntheticMeta,
  syntheticResults,
  syntheticSummary,
  type RunShape,
} from '../../../test/support/report-synthetic.ts';

const HOSTILE = `<script>window.__pwned=1</script><img src=x onerror="alert(1)"><a href="javascript:alert(1)">x</a>"'&`;

function input(shape: RunShape = {}, over: Partial<Omit<ReportInput, 'results' | 'shown'>> = {}): ReportInput {
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
    expect(/<img|<a (?!href="#)|<b>1|<i>3|javascript:alert\(1\)">/.test(page)).toBe(false);
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
    // Small and readable: opening anchors, and the word diff of two picked answers.
    expect(script.length).toBeLessThan(2000);
    // Style attributes would need 'unsafe-inline'; the page uses classes only.
    expect(page).not.toMatch(/\sstyle="/);
  });
});

describe('renderHtml: security of the baseline, gate links and grid', () => {
  it('escapes hostile scenario ids, assertion ids, reasons and baseline answers everywhere they now appear', () => {
    const data = degradedInput();
    const hostile = (r: CellResult): CellResult => ({
      ...r,
      scenarioId: r.scenarioId === 'scenario-0' ? HOSTILE : r.scenarioId,
      output: r.scenarioId === 'scenario-0' ? `${r.output}${HOSTILE}` : r.output,
      assertions: r.assertions.map((a) => ({ ...a, id: a.pass ? a.id : `x${HOSTILE}`, reason: HOSTILE })),
    });
    data.results = data.results.map(hostile);
    const baselineResults = degradedReport().baselineResults.map(hostile);
    data.baseline = { ...data.baseline!, answers: baselineAnswersOf(baselineResults), cells: aggregateRun(baselineResults) };
    data.gate = gateRun({
      current: aggregateRun(data.results),
      baseline: data.baseline!.cells,
      thresholds: { errorBudget: 0.1, alpha: 0.05 },
      plannedCells: 150,
    });
    const page = renderHtml(data);
    expect(page).toContain('<h5>baseline (run base-run)</h5>');
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(/<img|<a (?!(?:class="[a-z-]+" )?href="#[A-Za-z0-9_-]+")|javascript:alert\(1\)">/.test(page)).toBe(false);
    expect(/<[^>]*\son[a-z]+=/i.test(page)).toBe(false);
    // Every id and in-page link is attribute- and URL-safe, whatever the scenario id held.
    for (const [, ref] of page.matchAll(/\s(?:id="|href="#)([^"]*)"/g)) expect(ref).toMatch(/^[A-Za-z0-9_-]+$/);
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

  it('puts each variant × model of a scenario in its own block, failing ones open, with assertions and facts', () => {
    const page = renderHtml(input({ scenarios: 2, repeats: 2 }));
    expect(page.match(/<details class="scenario sc[a-z ]*" id="s-scenario-\d-[a-z0-9]+">/g)).toHaveLength(2);
    const first = page.match(/<details class="scenario[^"]*"[\s\S]*?<\/div><\/details>(?=<details class="scenario|<\/section>)/)![0];
    expect(first.match(/<details class="cell"/g)).toHaveLength(4);
    // Without a baseline there is one column, "now".
    expect(first).not.toContain('class="side base"');
    expect(first).toMatch(/#0 · (pass|fail) · score \d\.\d\d · \d+ ms · 120\+80 tok · \$0\.00040 · replay/);
    expect(first).toContain('no-apology</b> <span class="muted">not-contains, critical</span>');
    const open = first.match(/<details class="cell" id="[^"]+" open>/g)?.length ?? 0;
    const failing = (first.match(/<summary><span class="no">✗/g) ?? []).length;
    expect(open).toBe(failing);
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
    // Changed words are marked inside the changed line, old and new.
    expect(prompts).toContain('<del>- Be <mark>thorough</mark>.</del><ins>+ Be <mark>terse</mark>.</ins>');
    expect(prompts).toContain('run old-run → this run');
    expect(prompts).toContain('<del>- Be <mark>gentle</mark>.</del>');
    expect(prompts).not.toMatch(/<pre/);
    expect(prompts).toContain('1 variant with no earlier run to compare with: b.');
    // Where each variant came from (agents/, .claude/agents/, opencode.json…), its file escaped.
    data.meta.fingerprints.variants.b!.file = 'opencode.json#<b>';
    const files = renderHtml(data).match(/<h3>Where each variant lives<\/h3><ul class="files">([\s\S]*?)<\/ul>/)![1];
    expect(files).toBe(
      `<li>a: <code>${data.meta.fingerprints.variants.a!.file}</code></li><li>b: <code>opencode.json#&lt;b&gt;</code></li>`,
    );
  });

  it('shows the gate verdicts, regressions first, when a gate report is given', () => {
    const page = renderHtml(input({}, { gate: syntheticGate() }));
    const gate = page.match(/<section id="gate">[\s\S]*?<\/section>/)![0];
    expect(gate).toContain('<b>regression</b> (exit 1): 1 regressed');
    expect(gate.indexOf('<span class="verdict">regressed</span>')).toBeLessThan(gate.indexOf('<span class="verdict">inconclusive</span>'));
    expect(gate).toContain('Regressed on m1: 90% → 50% (−40 pts), over 3 scenarios, p = 0.004, prompt changed.');
    expect(gate).toContain('50% [24–76%] vs baseline 90% [60–98%], −40 pts [−65 to −10 pts], mcnemar-exact discrete Holm p=0.004');
    expect(gate).toContain('1 variant × model combination unchanged.');
    expect(gate).toContain('reviewer @ m1 / scenario|2: assertions-changed');
    // Every run has a Gate section (issue 29, item 4): without a gate or a baseline it says what to do.
    const ungated = renderHtml(input()).match(/<section id="gate">[\s\S]*?<\/section>/)![0];
    expect(ungated).toContain('No baseline yet for these models: thresholds only</b> (m1, m2)');
    expect(ungated).toContain('<code>agent-evals bless 20260301-120000-abcd</code>');
    expect(ungated).toContain('<code>agent-evals gate --run 20260301-120000-abcd</code>');
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
  // Render time is measured by `npm run bench` (bench/report-scale.ts), not asserted: a busy machine would fail it.
  it('stays under 2 MB with 1,000 history runs and a 300-cell run', () => {
    const variants = ['v1', 'v2', 'v3', 'v4', 'v5'];
    const models = ['m1', 'm2', 'm3'];
    const shape = { variants, models, scenarios: 10, repeats: 2, outputLength: 8_000 };
    const history = Array.from({ length: 1_000 }, (_, i) =>
      syntheticEntry(`r${i}`, { seed: i, variants, models, cells: 150, variantHash: (v) => `${v}-${Math.floor(i / 100)}` }),
    );
    const data = input(shape, { history });
    expect(data.results).toHaveLength(300);
    const page = renderHtml(data);
    expect(Buffer.byteLength(page)).toBeLessThan(2 * 1024 * 1024);
    expect(page.match(/<figure class="chart">/g)).toHaveLength(15);
  });
});

/** A report input from full results (answers included), as a test builds it. */
type FullInput = Extract<ReportInput, { shown?: undefined }>;

function degradedInput(): FullInput {
  const { now, gate, baseline } = degradedReport();
  return { meta: now.meta, results: now.results, summary: syntheticSummary(now.results, 'now-run'), history: [], gate, baseline };
}

describe('renderHtml: from the gate to the evidence', () => {
  const degraded = degradedInput;

  it('lists the regressed scenarios under each gate row, each linking to an existing drill-down cell', () => {
    const page = renderHtml(degraded());
    const gate = page.match(/<section id="gate">[\s\S]*?<\/section>/)![0];
    const rows = gate.match(/<article class="gate-row v-regressed"[\s\S]*?<\/article>/g)!;
    expect(rows).toHaveLength(2);
    // Said once for the variant, above its two per-model rows.
    expect(gate.match(/<p class="gate-sum">[^<]*<\/p>/g)).toEqual([
      '<p class="gate-sum">reviewer-terse regressed on both models: anthropic:claude-haiku 100% → 40%, openai:gpt-4.1-mini 100% → 40%.</p>',
    ]);
    expect(rows[0]).toMatch(/3 of 5 scenarios worse, p [<=] [\d.]+, prompt changed\./);
    const links = [
      ...rows[0]!.matchAll(
        /<li><a href="#([^"]+)">(scenario-\d)<\/a> <span class="kn">3\/3 → 0\/3<\/span> <span class="muted">failing: cites-line<\/span>/g,
      ),
    ];
    expect(links).toHaveLength(3);
    for (const [, id] of links) expect(page).toContain(`<details class="cell" id="${id}" open>`);
    const diff = rows[0]!.match(/<a class="diff-link" href="#([^"]+)">/)![1]!;
    expect(page).toMatch(
      new RegExp(`<details class="diff" id="${diff}" open><summary><b>reviewer-terse</b>: baseline run base-run → this run`),
    );
  });

  it('lists the scenarios as a grid, worse ones first, each cell linking to its drill-down, names without the agent prefix', () => {
    const page = renderHtml(degraded());
    const grid = page.match(/<table id="scenario-grid">[\s\S]*?<\/table>/)![0];
    expect(grid.match(/<th scope="col" class="vcol" title="[^"]+">([^<]+)<\/th>/g)!.map((h) => h.replace(/<[^>]+>/g, ''))).toEqual(
      Array(2).fill(['reviewer', 'contract-first', 'delegating', 'strict', 'terse']).flat(),
    );
    const rows = grid.match(/<tr class="sc[^"]*">[\s\S]*?<\/tr>/g)!;
    expect(rows.map((r) => r.match(/class="(sc[^"]*)"/)![1])).toEqual([
      'sc worse failing',
      'sc worse failing',
      'sc worse failing',
      'sc failing',
      'sc',
    ]);
    const worseCell = rows[0]!.match(/<td class="g-worse"><a href="#([^"]+)">3\/3 → 0\/3<\/a><\/td>/)!;
    expect(page).toContain(`<details class="cell" id="${worseCell[1]}" open>`);
    expect(page).toContain('<input type="radio" name="scenario-filter" id="f-worse"> worse than baseline (3)</label>');
  });

  it("shows the baseline's answers beside the current ones, identical repeats once, regressed cells first", () => {
    const page = renderHtml(degraded());
    const scenario = page.match(/<details class="scenario[^"]*"[\s\S]*?<\/div><\/details>(?=<details class="scenario|<\/section>)/)![0];
    const cells = scenario.match(/<details class="cell"[\s\S]*?<\/details>(?=<details class="cell"|<\/div><\/details>$)/g)!;
    expect(cells).toHaveLength(10);
    expect(cells[0]).toMatch(
      /<b>reviewer-terse<\/b> @ anthropic:claude-haiku <span class="muted">0\/3 passed · baseline → now <b class="bad">3\/3 → 0\/3<\/b> \(−100 pts\)/,
    );
    expect(cells[0]).toContain('<h5>baseline (run base-run)</h5>');
    expect(cells[0]!.match(/× 3 identical/g)).toHaveLength(2);
    expect(cells[0]!.match(/<pre class="out">/g)).toHaveLength(2);
    // An unchanged variant: closed, and its answer says it matches the baseline's.
    expect(cells[4]).not.toMatch(/^<details class="cell" id="[^"]+" open>/);
    expect(cells[4]).toContain('same answer as the baseline');
    // Where the answer changed, a word diff of baseline → now is one click away.
    expect(cells[0]).toMatch(
      /<summary>word diff of the answers: baseline → now<\/summary><div class="difftext wd">[\s\S]*<del>[^<]+<\/del>[\s\S]*<ins>[^<]+<\/ins>/,
    );
    expect(cells[4]).not.toContain('word diff');
  });
});

describe('renderPairMatrices', () => {
  it('reads row vs column in one direction, shades only significant cells, and says = for identical answers', () => {
    const now = degradedRun('now', 'after', { brokenScenarios: 5 });
    const out = renderPairMatrices(summarizeRun('now', now.results)).value;
    const tables = out.match(/<table class="pair-matrix">[\s\S]*?<\/table>/g)!;
    expect(tables).toHaveLength(2);
    const rows = tables[0]!.match(/<tr><th scope="row"[\s\S]*?<\/tr>/g)!;
    const cells = (row: string) =>
      [...row.matchAll(/<td class="([^"]*)"[^>]*>([^<]*)<\/td>/g)].map(
        ([, cls, text]) => `${text}${cls!.includes('cmp-') ? `:${cls!.split('cmp-')[1]}` : ''}`,
      );
    expect(rows[0]).toContain('>reviewer</th>');
    expect(cells(rows[0]!)).toEqual(['·', '=', '=', '+20', '+100:better']);
    expect(rows[4]).toContain('title="reviewer-terse">terse</th>');
    expect(cells(rows[4]!)).toEqual(['−100:worse', '−100:worse', '−100:worse', '−80:worse', '·']);
    expect(rows[4]).toContain('title="reviewer-terse vs reviewer: worse (−100 pts over 15 pairs');
  });
});

describe('renderHtml: trends that say what changed when', () => {
  it("draws the gate's flagged series first with the baseline and a linked ▲, and folds flat series into one line", () => {
    const runs = ['r1', 'r2', 'r3', 'r4', 'r5'].map((id, i) => ({ id, ...degradedRun(id, i < 2 ? 'before' : 'after') }));
    const history = runs.map(({ id, results }, i) => ({
      runId: id,
      time: `2026-11-0${i + 1}T09:00:00.000Z`,
      git: { commit: `c0mmit${i}` },
      cells: aggregateRun(results),
    }));
    const data = degradedInput();
    data.baseline!.runId = 'r2';
    const page = renderHtml({ ...data, history });
    const charts = page.match(/<figure class="chart">[\s\S]*?<\/figure>/g)!;
    expect(charts).toHaveLength(2);
    expect(charts.every((c) => c.includes('<b>reviewer-terse</b>'))).toBe(true);
    expect(charts[0]).toContain('<title>Baseline: run r2 (pass rate 100%, 15/15)</title>');
    expect(charts[0]).toMatch(/<a href="#pd-reviewer-terse-[a-z0-9]+"><path class="pc"[^>]*><title>Prompt changed in r3/);
    expect(charts[0]).toContain('<title>r5 @ c0mmit4 · 2026-11-05 09:00 · pass rate 40%, 6/15</title>');
    // The same points for the keyboard and screen readers: a table under the chart, newest first.
    const rows = charts[0]!.match(/<details class="pts"><summary>runs \(5\)<\/summary>[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/)![1]!;
    expect(rows.match(/<tr><td>[^<]*/g)!.map((r) => r.slice(8))).toEqual(['r5', 'r4', 'r3', 'r2 (baseline)', 'r1']);
    expect(rows).toContain('<td>c0mmit4</td><td>2026-11-05 09:00</td><td>pass rate 40%, 6/15</td>');
    expect(rows).toContain('<td>prompt changed</td>');
    const flat = page.match(/<p class="flat">[\s\S]*?<\/p>/)![0];
    expect(flat.match(/ × 5 runs/g)).toHaveLength(8);
  });
});

describe('renderHtml: a compact drill-down', () => {
  it('opens at most four failing cells per scenario; the rest stay one line each', () => {
    const data = input({ variants: ['a', 'b', 'c'], models: ['m1', 'm2'], scenarios: 1, repeats: 1 });
    data.results = data.results.map((r) => ({ ...r, status: 'fail' as const }));
    const page = renderHtml(data);
    expect(page.match(/<details class="cell"/g)).toHaveLength(6);
    expect(page.match(/<details class="cell" id="[^"]+" open>/g)).toHaveLength(4);
  });
});
