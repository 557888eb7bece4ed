import { budgetStopText } from '../text/budget-stop.ts';
import { renderControlSection } from './html-control.ts';
import { baselineLatencyOf, measuredLatency } from '../model/latency-view.ts';
import { renderLatencySection } from './html-latency.ts';
import { createHash } from 'node:crypto';
import type { HistoryEntry } from '../../schema/aggregate.ts';
import type { CellResult, CellVerdict } from '../../schema/result.ts';
import type { RunMeta } from '../../schema/run-meta.ts';
import { aggregateRun } from '../../score/aggregate-results.ts';
import { countSources } from '../../score/summarize.ts';
import type { GateReport, RunSummary } from '../../score/types.ts';
import { deltaKey, scenarioDeltas, type BaselineView, type ScenarioDelta } from '../model/baseline-view.ts';
import { groupScenarios, renderDrilldown } from './html-drilldown.ts';
import { AnswerSampler, sampleAnswers } from '../model/answer-sample.ts';
import { renderPromptDiffs, type PreviousPrompt } from './html-diff.ts';
import { renderGateSection } from './html-gate.ts';
import { type RubricTrust, trustNotes } from '../model/rubric-trust-notes.ts';
import { renderJudges } from './html-judges.ts';
import { promptDiffAnchor } from './anchors.ts';
import { renderScenarioGrid } from './html-scenario-grid.ts';
import { baselineDeltas, renderFlaky, renderMatrix, renderPairMatrices, renderPairs } from './html-overview.ts';
import { STYLE } from './html-style.ts';
// The page's one script (allowed by its hash): TypeScript in html/client/, bundled by scripts/build-client.mjs.
import { CLIENT_SCRIPT as SCRIPT } from './client-bundle.ts';
import { html, trusted, type Html } from './html-tag.ts';
import { renderTrends } from './html-trends.ts';
import { renderRoutingSection } from './routing-html.ts';
import { routingFigures } from '../../score/routing-figures.ts';
import { notableComparisons } from '../text/gate-text.ts';
import { buildMatrix, type Matrix } from '../model/matrix-view.ts';
import { describeMode } from '../model/run-mode.ts';
import { describeCellCounts } from '../model/cell-counts.ts';
import { trendSeries, type TrendSeries } from '../model/trends.ts';

/**
 * `reports/index.html`: one self-contained page (no network, no CDN). Everything from a run is
 * untrusted and goes through the escaping `html` tag; a Content-Security-Policy allows only the
 * page's own style and script, by hash, so injected markup could neither load nor run anything.
 * Reading order: the gate (the entry point, whose links are the first Tab stops), the overview,
 * the scenarios, the prompt diffs, the trends; the table of contents comes last in the markup and
 * sits beside (wide screens) or below (phones) the content.
 */

/**
 * What a report is rendered from: a run's verdicts with the answers kept as they streamed in (a fold,
 * report/model/run-fold.ts), or a run's full results, whose answers are sampled here.
 */
export type ReportInput = ReportData &
  (
    | {
        /** Every cell's verdict (score/fold-results.ts). */
        results: CellVerdict[];
        /** The answers kept as the results streamed in, bounded. */
        shown: { answers: AnswerSampler; withOutput: number };
      }
    | { results: CellResult[]; shown?: undefined }
  );

interface ReportData {
  meta: RunMeta;
  summary: RunSummary;
  /** Every valid history line (aggregates only), for the trends. */
  history: HistoryEntry[];
  gate?: GateReport;
  /** The baseline the run is judged against: aggregates, and its prompts and answers when on disk. */
  baseline?: BaselineView;
  /** Per variant: its prompt in the previous run that included it, for the "since last run" diff. */
  previousPrompts?: Record<string, PreviousPrompt>;
  /** What calibration says of the rubrics the verdicts rest on (flagged, never calibrated). */
  rubricTrust?: RubricTrust;
  /** Problems met while gathering the data (damaged history lines…), shown at the top. */
  warnings?: string[];
}

export interface HtmlOptions {
  /** Answers longer than this are folded behind a `<details>`. */
  collapseAt?: number;
  /** Budget for all embedded answers together, in characters; each answer gets an equal share. */
  outputBudget?: number;
  /** Trend points drawn per chart at most. */
  maxTrendPoints?: number;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page's CSP: nothing may load or run except the inline style and script with these hashes. */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`;

/**
 * @example
 * await writeFile('reports/index.html', renderHtml({ meta, results, summary, history }));
 */
export function renderHtml(input: ReportInput, opts: HtmlOptions = {}): string {
  const { meta, results, summary, gate, baseline } = input;
  const matrix = buildMatrix(summary);
  const aggregates = aggregateRun(results, { grader: meta.grader });
  const deltas = scenarioDeltas(aggregates, baseline?.cells);
  const routing = routingFigures(aggregates);
  const series = trendSeries(input.history);
  const toc = renderToc({
    gate: gate ? notableComparisons(gate).filter((c) => c.verdict !== 'new').length : -1,
    variants: matrix.rows.length,
    scenarios: new Set(results.map((r) => r.scenarioId)).size,
    worse: new Set([...deltas.values()].filter((d) => (d.delta ?? 0) < 0).map((d) => d.scenarioId)).size,
    changedPrompts: [...ranVariants(results)].filter(
      (id) => baseline?.prompts?.[id] !== undefined && baseline.prompts[id] !== meta.fingerprints.variants[id]?.systemPrompt,
    ).length,
    charts: series.length,
    splits: summary.judges?.splitCount,
    routing: routing.length || undefined,
  });
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${`agent-evals · ${meta.runId}`}</title>
<link rel="icon" href="data:,">
<style>${trusted(STYLE)}</style>
</head><body><div class="layout"><main>
<header><h1>agent-evals report</h1>${runFacts(input)}</header>
${input.warnings?.length ? html`<div class="warnings" id="warnings"><b>Warnings</b><ul>${input.warnings.map((w) => html`<li>${w}</li>`)}</ul></div>` : ''}
${gateSection(input, deltas)}
${overviewSection(input, matrix)}
${renderRoutingSection(routing, gate?.routing, input.history)}
${renderControlSection(summary.control)}
${renderLatencySection(measuredLatency(results), baselineLatencyOf(input.history, baseline?.runId))}
${scenariosSection(input, opts, matrix, deltas)}
${promptsSection(input)}
${renderJudges(summary.judges)}
${trendsSection(input, series, opts)}
<footer class="muted"><p>Generated by agent-evals ${meta.harnessVersion} (promptfoo ${meta.promptfooVersion}). Full answers: reports/runs/${meta.runId}/results.jsonl.</p></footer>
</main>${toc}</div>
<div id="cmp" hidden role="region" aria-label="word diff of two picked answers"><p><b>Word diff of the two picked answers</b> (first picked → second) <button type="button" id="cmp-x">close</button></p><div class="difftext wd"></div></div>
<script>${trusted(SCRIPT)}</script>
</body></html>
`;
  return page.value;
}

function gateSection(input: ReportInput, deltas: Map<string, ScenarioDelta>): Html {
  const { meta, results, gate, baseline } = input;
  const trust = trustNotes(input.rubricTrust, meta, new Set(results.map((r) => r.scenarioId)));
  const scenariosOf = new Map<string, Set<string>>();
  for (const r of results) {
    const key = `${r.variantId}\u0000${r.model}`;
    scenariosOf.set(key, (scenariosOf.get(key) ?? new Set()).add(r.scenarioId));
  }
  return renderGateSection(
    {
      runId: meta.runId,
      models: [...new Set(results.map((r) => r.model))].sort(),
      ...(gate ? { gate } : {}),
      ...(baseline ? { baseline: { runId: baseline.runId, models: new Set(baseline.cells.map((c) => c.model)) } } : {}),
      trust,
      trustFor: (variantId, model) => trust.filter((n) => scenariosOf.get(`${variantId}\u0000${model}`)?.has(n.scenarioId)),
    },
    deltas,
  );
}

function overviewSection({ summary, gate, baseline }: ReportInput, matrix: Matrix): Html {
  return html`<section id="overview"><h2>Overview</h2>
<p class="muted">Pass rate of scored cells with its 95% Wilson interval; Δ the change against the baseline (▼ and a red tint: a significant regression); ★ a variant that beat every other variant of its agent on that model (paired test, Holm-adjusted).</p>
${renderMatrix(matrix, baselineDeltas(summary, gate, baseline?.cells))}
${
  summary.pairwise.length
    ? html`<h3>Pairwise comparisons</h3><p class="muted">Per model, each cell reads “row vs column” in points: positive means the row's variant passed more often. Shaded where the paired test is significant (Holm-adjusted); = where both answered alike in every pair. Variant names drop the agent's name.</p>${renderPairMatrices(summary)}
<details class="all-pairs"><summary>every pair with its test (${summary.pairwise.length})</summary>${renderPairs(summary)}</details>`
    : html`<p class="muted" id="no-pairs"><b>Pairwise comparisons</b>: none, each agent ran a single variant per model.</p>`
}
${renderFlaky(summary)}
</section>`;
}

function scenariosSection(input: ReportInput, opts: HtmlOptions, matrix: Matrix, deltas: Map<string, ScenarioDelta>): Html {
  const { meta, results, baseline } = input;
  const current = input.shown ? input.shown.withOutput : input.results.filter((r) => r.output !== undefined).length;
  // The baseline's answers count only beside a current cell of the same variant, model and scenario.
  const shownBaseline = baseline?.answers?.withOutput(new Set(results.map((r) => deltaKey(r.variantId, r.model, r.scenarioId)))) ?? 0;
  const withOutput = current + shownBaseline || 1;
  const maxOutput = Math.max(2_000, Math.min(50_000, Math.floor((opts.outputBudget ?? 1_000_000) / withOutput)));
  const scenarios = groupScenarios(results, deltas, {
    current: input.shown ? input.shown.answers : sampleAnswers(input.results),
    baseline: baseline?.answers?.sampler ?? new AnswerSampler(),
  });
  const drill = renderDrilldown(meta, scenarios, {
    collapseAt: opts.collapseAt ?? 1_200,
    maxOutput,
    best: matrix.best,
    trust: trustNotes(input.rubricTrust, meta),
    ...(baseline ? { baselineRunId: baseline.runId } : {}),
  });
  const titles = Object.fromEntries(Object.entries(meta.fingerprints.scenarios).map(([id, s]) => [id, s.title]));
  return html`<section id="scenarios"><h2>Scenarios</h2><p class="muted">Scenarios worse than the baseline first. Grid: now k/n per variant × model (baseline → now where it changed; red: worse than the baseline, amber: failing). Below, each variant × model shows the baseline's answers beside the current ones; the cells that explain the scenario are open.</p>${renderScenarioGrid(scenarios, titles)}${drill}</section>`;
}

function promptsSection({ meta, results, previousPrompts, baseline }: ReportInput): Html {
  return html`<section id="prompts"><h2>Prompt diffs</h2>${renderPromptDiffs(meta, {
    ran: ranVariants(results),
    ...(previousPrompts ? { previous: previousPrompts } : {}),
    ...(baseline ? { baselineRunId: baseline.runId } : {}),
    ...(baseline?.prompts ? { baselinePrompts: baseline.prompts } : {}),
    ...(baseline?.missing ? { baselineMissing: baseline.missing } : {}),
  })}</section>`;
}

function trendsSection({ gate, baseline }: ReportInput, series: TrendSeries[], opts: HtmlOptions): Html {
  const trends = renderTrends(series, {
    ...(opts.maxTrendPoints ? { maxPoints: opts.maxTrendPoints } : {}),
    ...(baseline ? { baselineRunId: baseline.runId } : {}),
    first: new Set(gate ? notableComparisons(gate).map((c) => `${c.variantId}\u0000${c.model}`) : []),
    promptAnchor: promptDiffAnchor,
  });
  return html`<section id="trends"><h2>Trends</h2><p class="muted">Pass rate (solid) and mean score (dotted) per run, oldest left; the gate's flagged variants first. Hover a point for its run and commit. ▲ the prompt changed (links to the prompt diff); ┆ the scenarios, assertions or grader changed, so the line restarts; the blue rule marks the baseline run.</p>${trends}</section>`;
}

/** The variants with cells in this run (meta.json also lists agents found that had no scenario). */
function ranVariants(results: CellVerdict[]): Set<string> {
  return new Set(results.map((r) => r.variantId));
}

interface TocCounts {
  /** Notable verdicts; -1 when the run was not gated. */
  gate: number;
  variants: number;
  scenarios: number;
  worse: number;
  changedPrompts: number;
  charts: number;
  /** With a panel of graders: the cells where they split. */
  splits: number | undefined;
  /** Routing suites × variants × models shown, when the run has routing cells. */
  routing?: number | undefined;
}

function renderToc(n: TocCounts): Html {
  const item = (href: string, label: string, count: string) =>
    html`<li><a href="${href}">${label}</a> <span class="muted">${count}</span></li>`;
  return html`<nav class="toc" aria-label="Contents"><b>Contents</b><ul>${[
    item('#gate', 'Gate', n.gate < 0 ? 'not gated' : `${n.gate} notable`),
    item('#overview', 'Overview', `${n.variants} variant${n.variants === 1 ? '' : 's'}`),
    n.routing !== undefined ? item('#routing', 'Routing', `${n.routing} suite × variant × model`) : '',
    item('#scenarios', 'Scenarios', `${n.scenarios}${n.worse ? `, ${n.worse} worse` : ''}`),
    item('#prompts', 'Prompt diffs', `${n.changedPrompts} changed`),
    n.splits !== undefined ? item('#judges', 'Judges', `${n.splits} split`) : '',
    item('#trends', 'Trends', `${n.charts} series`),
  ]}</ul></nav>`;
}

/** e.g. `scenario fresh has no reference examples: nothing checked its assertions, so its verdicts are uncalibrated` */
function uncalibratedText(ids: readonly string[]): string {
  const one = ids.length === 1;
  return `scenario${one ? '' : 's'} ${ids.join(', ')} ${one ? 'has' : 'have'} no reference examples: nothing checked ${one ? 'its' : 'their'} assertions, so ${one ? 'its' : 'their'} verdicts are uncalibrated`;
}

function runFacts({ meta, results, summary, baseline }: ReportInput): Html {
  const carried = results.filter((r) => r.source === 'baseline').length;
  const git = [meta.git.branch, meta.git.commit?.slice(0, 12), meta.git.dirty ? '(dirty)' : ''].filter(Boolean).join(' ');
  const s = summary.sources ?? countSources(results);
  const tokens = results.reduce((n, r) => n + (r.tokens?.total ?? 0), 0);
  const costs = results.filter((r) => r.cost !== undefined);
  return html`<p>Run <b>${meta.runId}</b> · ${meta.finishedAt ?? meta.startedAt}${git ? ` · ${git}` : ''} · ${describeMode(meta.mode, s)}${meta.grader ? ` · grader ${meta.grader}` : ''} · ${describeCellCounts(results, meta.plannedCells)}${meta.shard ? ` · shard ${meta.shard.index}/${meta.shard.count}` : ''}</p>
<p class="muted">Answers: ${s.live} live · ${s.cache} from cache · ${s.replay} replayed · ${s.baseline} carried · tokens ${tokens ? tokens.toLocaleString('en-US') : '—'} · cost ${costs.length ? `$${costs.reduce((n, r) => n + r.cost!, 0).toFixed(4)}` : '—'}${baseline ? ` · baseline run ${baseline.runId} (${baseline.source})` : ' · no baseline'}</p>
${carried || meta.carriedFrom ? html`<p class="warn">${carried} cell${carried === 1 ? '' : 's'} carried over from ${meta.carriedFrom ? `run ${meta.carriedFrom}` : 'the baseline'} (not re-run: their variant and scenario did not change).</p>` : ''}
${meta.stopped ? html`<p class="warn">${budgetStopText(meta, results.filter((r) => r.source !== 'baseline').length)}</p>` : ''}
${meta.sandbox === 'none' ? html`<p class="warn">sandbox: none — the agent programs of this run ran unjailed, with access to every file, key and network of the machine that ran them.</p>` : ''}
${meta.uncalibrated?.length ? html`<p class="warn">uncalibrated: ${uncalibratedText(meta.uncalibrated)}.</p>` : ''}
${Object.keys(meta.notRun).length ? html`<ul class="warn">${Object.entries(meta.notRun).map(([model, why]) => html`<li>${model} did not run: ${why}</li>`)}</ul>` : ''}`;
}
