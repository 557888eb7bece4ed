import { createHash } from 'node:crypto';
import type { HistoryEntry } from '../schema/aggregate.ts';
import type { CellResult } from '../schema/result.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { countSources } from '../score/summarize.ts';
import type { GateReport, RunSummary } from '../score/types.ts';
import { renderDrilldown } from './html-drilldown.ts';
import { renderPromptDiffs, type PreviousPrompt } from './html-diff.ts';
import { renderGate } from './html-gate.ts';
import { html, trusted, type Html } from './html-tag.ts';
import { renderTrends } from './html-trends.ts';
import { bestKey, buildMatrix, describePair, formatCost, formatDiff, formatInterval, formatP, formatRate, orderPairs } from './matrix.ts';
import { describeMode } from './run-mode.ts';
import { trendSeries } from './trends.ts';

/**
 * `reports/index.html`: one self-contained page (no network, no CDN). Everything from a run is
 * untrusted and goes through the escaping `html` tag; a Content-Security-Policy allows only the
 * page's own style and script, by hash, so injected markup could neither load nor run anything.
 */

export interface ReportInput {
  meta: RunMeta;
  results: CellResult[];
  summary: RunSummary;
  /** Every valid history line (aggregates only), for the trends. */
  history: HistoryEntry[];
  gate?: GateReport;
  /** Per variant: its prompt in the previous run that included it, for the "since last run" diff. */
  previousPrompts?: Record<string, PreviousPrompt>;
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

const STYLE = `
:root{--ok:#137333;--no:#b3261e;--warn:#8a5a00;--mut:#5f6368;--line:#dadce0;--bg2:#f6f8fa}
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;padding:1rem 1.5rem;max-width:1400px;color:#202124}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1rem}h4{margin:.8rem 0 .3rem}h5{margin:0 0 .4rem;font-size:.95rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--bg2)}td.num{text-align:right}.rate{font-size:1.1rem;font-weight:600}
.muted{color:var(--mut);font-weight:normal}.good,.ok,.v-better,.v-improved,.v-unchanged{color:var(--ok)}.bad,.no,.err,.v-worse,.v-regressed,.v-below-threshold{color:var(--no)}
.warn,.v-inconclusive,.v-not-comparable{color:var(--warn)}.best{color:#c59400}
td.is-best{background:#fff8e1}.warnings{background:#fff4e5;border:1px solid #f0c36d;padding:.5rem 1rem}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{margin:0;border:1px solid var(--line);padding:.4rem;width:360px}.span{font-size:.8rem}
svg .l-rate{fill:none;stroke:#1a73e8;stroke-width:1.5}svg .l-score{fill:none;stroke:#9aa0a6;stroke-width:1;stroke-dasharray:2 2}
svg .dot{fill:#1a73e8}svg .grid{stroke:#eee}svg .brk{stroke:var(--no);stroke-dasharray:3 3;stroke-width:1.5}svg .pc{fill:#e37400}svg .ax{font-size:9px;fill:#9aa0a6;text-anchor:end}
details.scenario{border:1px solid var(--line);margin:.4rem 0;padding:.3rem .6rem}details.scenario>summary{cursor:pointer}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:.8rem}.col{min-width:0}
.rep{border-left:3px solid var(--line);padding:.2rem .5rem;margin:.4rem 0}.st-pass{border-color:var(--ok)}.st-fail{border-color:var(--no)}.st-error{border-color:var(--warn)}
.rep-head{font-size:.85rem;color:var(--mut)}.asserts{margin:.2rem 0;padding-left:1rem;list-style:none}
.trajectory{margin:.3rem 0}.tcs{margin:.2rem 0;padding-left:1.2rem;font-size:.85rem}.tc-denied-by-agent,.tc-denied-by-sandbox,.tc-failed{background:rgba(200,60,60,.08)}.diff{font-size:.8rem;white-space:pre-wrap;max-height:24rem;overflow:auto}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg2);padding:.4rem;margin:.2rem 0;max-height:40rem;overflow:auto}
ins{background:#e6ffec;text-decoration:none;display:block}del{background:#ffebe9;text-decoration:none;display:block}
.diff pre{white-space:pre}
`;

// Opens the drill-down a link points at (and its parents): `<details>` stays closed on a jump otherwise.
const SCRIPT = `function openTarget(){var id=decodeURIComponent(location.hash.slice(1));var el=id&&document.getElementById(id);for(;el;el=el.parentElement)if(el.tagName==='DETAILS')el.open=true}addEventListener('hashchange',openTarget);openTarget();`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page's CSP: nothing may load or run except the inline style and script with these hashes. */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`;

/**
 * @example
 * await writeFile('reports/index.html', renderHtml({ meta, results, summary, history }));
 */
export function renderHtml(input: ReportInput, opts: HtmlOptions = {}): string {
  const { meta, results, summary } = input;
  const matrix = buildMatrix(summary);
  const multiAgent = new Set(matrix.rows.map((r) => r.agent)).size > 1;
  const withOutput = results.filter((r) => r.output !== undefined).length || 1;
  const maxOutput = Math.max(2_000, Math.min(50_000, Math.floor((opts.outputBudget ?? 1_000_000) / withOutput)));
  const drill = renderDrilldown(meta, results, { collapseAt: opts.collapseAt ?? 1_200, maxOutput, best: matrix.best });
  const trends = renderTrends(trendSeries(input.history), opts.maxTrendPoints);
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${`agent-evals · ${meta.runId}`}</title>
<link rel="icon" href="data:,">
<style>${trusted(STYLE)}</style>
</head><body>
<header><h1>agent-evals report</h1>${runFacts(input)}</header>
${input.warnings?.length ? html`<div class="warnings" id="warnings"><b>Warnings</b><ul>${input.warnings.map((w) => html`<li>${w}</li>`)}</ul></div>` : ''}
${input.gate ? html`<section id="gate"><h2>Gate</h2>${renderGate(input.gate)}</section>` : ''}
<section id="overview"><h2>Overview</h2>
<p class="muted">Pass rate of scored cells with its 95% Wilson interval; ★ marks a variant that beat every other variant of its agent on that model (paired test, Holm-adjusted); no star where they cannot be told apart.</p>
<table id="matrix"><thead><tr><th>variant</th>${matrix.models.map((m) => html`<th scope="col" class="model">${m}</th>`)}</tr></thead>
<tbody>${matrix.rows.map(
    (r) =>
      html`<tr><th scope="row" class="variant">${r.variantId}${multiAgent ? html` <span class="muted">${r.agent}</span>` : ''}</th>${matrix.models.map(
        (m) => {
          const v = r.cells[m];
          if (!v) return html`<td class="muted">–</td>`;
          const best = matrix.best.has(bestKey(r.variantId, m));
          return html`<td class="${best ? 'is-best' : ''}">${best ? html`<span class="best" title="best variant on this model">★</span> ` : ''}<span class="rate">${formatRate(v.passRate.rate)}</span> <span class="muted">${formatInterval(v.passRate.interval)}</span><br><span class="muted">${v.counts.passed}/${v.counts.run} passed${v.counts.errors ? html` · <span class="err">${v.counts.errors} error${v.counts.errors === 1 ? '' : 's'}</span>` : ''}${v.counts.notRun + v.counts.notRecorded ? ` · ${v.counts.notRun + v.counts.notRecorded} not run` : ''} · score ${v.meanScore.mean === null ? '–' : v.meanScore.mean.toFixed(2)} · ${formatCost(v.cost)}${v.latencyMs ? ` · p50 ${Math.round(v.latencyMs.p50)} ms` : ''}</span></td>`;
        },
      )}</tr>`,
  )}</tbody></table>
<h3>Pairwise comparisons</h3>${pairTable(summary)}
${summary.flaky.length ? html`<h3>Flaky assertions</h3><table><thead><tr><th>variant</th><th>model</th><th>scenario</th><th>assertion</th><th>passes</th></tr></thead><tbody>${summary.flaky.slice(0, 20).map((f) => html`<tr><td>${f.variantId}</td><td>${f.model}</td><td>${f.scenarioId}</td><td>${f.assertionId}</td><td class="num">${f.passes}/${f.repeats}</td></tr>`)}</tbody></table>${summary.flaky.length > 20 ? html`<p class="muted">and ${summary.flaky.length - 20} more.</p>` : ''}` : ''}
</section>
<section id="trends"><h2>Trends</h2><p class="muted">Pass rate (solid) and mean score (dotted) per run, oldest left. ▲ the prompt changed; ┆ the scenarios, assertions or grader changed, so the line restarts.</p>${trends}</section>
<section id="scenarios"><h2>Scenarios</h2><p class="muted">Open a scenario to compare the variants' answers side by side.</p>${drill}</section>
<section id="prompts"><h2>Prompt diffs</h2>${renderPromptDiffs(meta, input.previousPrompts)}</section>
<footer class="muted"><p>Generated by agent-evals ${meta.harnessVersion} (promptfoo ${meta.promptfooVersion}). Full answers: reports/runs/${meta.runId}/results.jsonl.</p></footer>
<script>${trusted(SCRIPT)}</script>
</body></html>
`;
  return page.value;
}

function runFacts({ meta, results, summary }: ReportInput): Html {
  const carried = results.filter((r) => r.source === 'baseline').length;
  const git = [meta.git.branch, meta.git.commit?.slice(0, 12), meta.git.dirty ? '(dirty)' : ''].filter(Boolean).join(' ');
  return html`<p>Run <b>${meta.runId}</b> · ${meta.finishedAt ?? meta.startedAt}${git ? ` · ${git}` : ''} · ${describeMode(meta.mode, summary.sources ?? countSources(results))}${meta.grader ? ` · grader ${meta.grader}` : ''} · ${results.length}/${meta.plannedCells} cells${meta.shard ? ` · shard ${meta.shard.index}/${meta.shard.count}` : ''}</p>
${carried || meta.carriedFrom ? html`<p class="warn">${carried} cell${carried === 1 ? '' : 's'} carried over from ${meta.carriedFrom ? `run ${meta.carriedFrom}` : 'the baseline'} (not re-run: their variant and scenario did not change).</p>` : ''}
${Object.keys(meta.notRun).length ? html`<ul class="warn">${Object.entries(meta.notRun).map(([model, why]) => html`<li>${model} did not run: ${why}</li>`)}</ul>` : ''}`;
}

function pairTable(summary: RunSummary): Html {
  if (!summary.pairwise.length) return html`<p class="muted">No agent has two variants on the same model.</p>`;
  return html`<table id="pairs"><thead><tr><th>agent</th><th>model</th><th>comparison</th><th>pairs</th><th>only a / only b</th><th>difference</th><th>Holm p</th><th>verdict</th></tr></thead><tbody>${orderPairs(
    summary.pairwise,
  ).map(
    (c) =>
      html`<tr><td>${c.agent}</td><td>${c.model}</td><td>${c.b} vs ${c.a}</td><td class="num">${c.pairs}</td><td class="num">${c.aOnly} / ${c.bOnly}</td><td class="num">${formatDiff(c.diff)}</td><td class="num">${formatP(c.adjustedP)}</td><td class="v-${c.verdict}" title="${describePair(c)}"><b>${c.verdict}</b>${c.verdict === 'inconclusive' ? html`<br><span class="muted">${c.moreRepeats ? `~${c.moreRepeats} more repeats per scenario` : 'more repeats unlikely to settle it'}</span>` : ''}</td></tr>`,
  )}</tbody></table>`;
}
