import type { ScenarioAggregate } from '../../schema/aggregate.ts';
import type { GateReport, PairwiseComparison, RunSummary, VariantModelSummary } from '../../score/types.ts';
import { shortVariant } from './html-scenario-grid.ts';
import { html, type Html } from './html-tag.ts';
import {
  bestKey,
  describePair,
  formatCost,
  formatDiff,
  formatInterval,
  formatP,
  formatRate,
  orderPairs,
  type Matrix,
} from '../model/matrix-view.ts';

/**
 * The overview: the variant × model matrix (best marked ★, regressions tinted, Δ against the
 * baseline), the pairwise comparisons and the flaky assertions. Tables sit in `.scroll` boxes so a
 * narrow screen scrolls the table, not the page.
 */

interface BaselineDelta {
  diff: number;
  verdict?: string;
}

/** Per `variantId\0model`: Δ against the baseline, from the gate when there is one, else from the aggregates. */
export function baselineDeltas(summary: RunSummary, gate?: GateReport, baseline?: ScenarioAggregate[]): Map<string, BaselineDelta> {
  const out = new Map<string, BaselineDelta>();
  for (const c of gate?.comparisons ?? [])
    if (c.comparison) out.set(bestKey(c.variantId, c.model), { diff: c.comparison.diff, verdict: c.verdict });
  if (gate || !baseline?.length) return out;
  const base = new Map<string, { runs: number; passes: number }>();
  for (const b of baseline) {
    const k = bestKey(b.variantId, b.model);
    const acc = base.get(k) ?? { runs: 0, passes: 0 };
    base.set(k, { runs: acc.runs + b.runs, passes: acc.passes + b.passes });
  }
  for (const v of summary.variants) {
    const b = base.get(bestKey(v.variantId, v.model));
    if (b?.runs && v.passRate.rate !== null) out.set(bestKey(v.variantId, v.model), { diff: v.passRate.rate - b.passes / b.runs });
  }
  return out;
}

export function renderMatrix(matrix: Matrix, deltas: Map<string, BaselineDelta>): Html {
  const multiAgent = new Set(matrix.rows.map((r) => r.agent)).size > 1;
  return html`<div class="scroll"><table id="matrix"><thead><tr><th>variant</th>${matrix.models.map((m) => html`<th scope="col" class="model">${m}</th>`)}</tr></thead>
<tbody>${matrix.rows.map(
    (r) =>
      html`<tr><th scope="row" class="variant">${r.variantId}${multiAgent ? html` <span class="muted">${r.agent}</span>` : ''}</th>${matrix.models.map(
        (m) => matrixCell(r.cells[m], matrix.best.has(bestKey(r.variantId, m)), deltas.get(bestKey(r.variantId, m))),
      )}</tr>`,
  )}</tbody></table></div>`;
}

function matrixCell(v: VariantModelSummary | undefined, best: boolean, delta: BaselineDelta | undefined): Html {
  if (!v) return html`<td class="muted">–</td>`;
  const cls = delta?.verdict === 'regressed' ? 'is-regressed' : delta?.verdict === 'improved' ? 'is-improved' : best ? 'is-best' : '';
  const mark = delta?.verdict === 'regressed' ? html`<span class="bad" title="regressed against the baseline">▼</span> ` : '';
  const d = delta
    ? html` <span class="${delta.verdict === 'regressed' ? 'bad' : delta.verdict === 'improved' ? 'good' : 'muted'}" title="change against the baseline">Δ ${formatDiff(delta.diff)}</span>`
    : '';
  const errors = v.counts.errors ? html` · <span class="err">${v.counts.errors} error${v.counts.errors === 1 ? '' : 's'}</span>` : '';
  const notRun = v.counts.notRun + v.counts.notRecorded;
  return html`<td class="${cls}">${mark}${best ? html`<span class="best" title="best variant on this model">★</span> ` : ''}<span class="rate">${formatRate(v.passRate.rate)}</span>${d} <span class="muted">${formatInterval(v.passRate.interval)}</span><br><span class="muted">${v.counts.passed}/${v.counts.run} passed${errors}${notRun ? ` · ${notRun} not run` : ''} · score ${v.meanScore.mean === null ? '–' : v.meanScore.mean.toFixed(2)} · ${formatCost(v.cost)}${v.latencyMs ? ` · p50 ${Math.round(v.latencyMs.p50)} ms` : ''}</span></td>`;
}

export function renderPairs(summary: RunSummary): Html {
  if (!summary.pairwise.length) return html`<p class="muted">No agent has two variants on the same model.</p>`;
  return html`<div class="scroll"><table id="pairs"><thead><tr><th>agent</th><th>model</th><th>comparison</th><th>pairs</th><th>only a / only b</th><th>difference</th><th>Holm p</th><th>verdict</th></tr></thead><tbody>${orderPairs(
    summary.pairwise,
  ).map((c) => {
    const identical = c.aOnly === 0 && c.bOnly === 0;
    return html`<tr><td>${c.agent}</td><td>${c.model}</td><td>${c.b} vs ${c.a}</td><td class="num">${c.pairs}</td><td class="num">${c.aOnly} / ${c.bOnly}</td><td class="num">${formatDiff(c.diff)}</td><td class="num">${formatP(c.adjustedP)}</td><td class="v-${identical ? 'unchanged' : c.verdict}" title="${describePair(c)}">${identical ? html`<b>no difference</b><br><span class="muted">same outcome in every pair</span>` : html`<b>${c.verdict}</b>${c.verdict === 'inconclusive' ? html`<br><span class="muted">${c.moreRepeats ? `~${c.moreRepeats} more repeats per scenario` : 'more repeats unlikely to settle it'}</span>` : ''}`}</td></tr>`;
  })}</tbody></table></div>`;
}

export function renderFlaky(summary: RunSummary): Html {
  if (!summary.flaky.length) return html``;
  return html`<h3>Flaky assertions</h3><div class="scroll"><table><thead><tr><th>variant</th><th>model</th><th>scenario</th><th>assertion</th><th>passes</th></tr></thead><tbody>${summary.flaky.slice(0, 20).map((f) => html`<tr><td>${f.variantId}</td><td>${f.model}</td><td>${f.scenarioId}</td><td>${f.assertionId}</td><td class="num">${f.passes}/${f.repeats}</td></tr>`)}</tbody></table></div>${summary.flaky.length > 20 ? html`<p class="muted">and ${summary.flaky.length - 20} more.</p>` : ''}`;
}

/**
 * Pairwise comparisons that scale: per agent × model one variant × variant matrix. A cell reads
 * "row vs column" in points (positive: the row passed more often), shaded only where the paired test
 * says so (Holm-adjusted); `=` where both answered the same way in every pair.
 */
export function renderPairMatrices(summary: RunSummary): Html {
  const groups = new Map<string, PairwiseComparison[]>();
  for (const p of summary.pairwise) groups.set(`${p.agent}\u0000${p.model}`, [...(groups.get(`${p.agent}\u0000${p.model}`) ?? []), p]);
  if (!groups.size) return html``;
  return html`<div class="pair-matrices">${[...groups].sort(([a], [b]) => a.localeCompare(b)).map(([, pairs]) => pairMatrix(pairs))}</div>`;
}

function pairMatrix(pairs: PairwiseComparison[]): Html {
  const { agent, model } = pairs[0]!;
  const ids = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
  const find = (row: string, col: string) => {
    const p = pairs.find((x) => (x.a === col && x.b === row) || (x.a === row && x.b === col));
    if (!p) return undefined;
    const flip = p.a === row;
    const verdict = p.verdict === 'inconclusive' ? p.verdict : (p.verdict === 'better') !== flip ? 'better' : 'worse';
    return { p, diff: flip ? -p.diff : p.diff, verdict };
  };
  const cellOf = (row: string, col: string) => {
    if (row === col) return html`<td class="muted">·</td>`;
    const f = find(row, col);
    if (!f) return html`<td class="muted">–</td>`;
    if (f.p.aOnly === 0 && f.p.bOnly === 0) return html`<td class="num muted" title="no difference: the same outcome in every pair">=</td>`;
    const title = `${row} vs ${col}: ${f.verdict} (${formatDiff(f.diff)} over ${f.p.pairs} pairs, Holm ${formatP(f.p.adjustedP)})`;
    return html`<td class="num${f.verdict === 'inconclusive' ? '' : ` cmp-${f.verdict}`}" title="${title}">${formatDiff(f.diff).replace(' pts', '')}</td>`;
  };
  return html`<div class="scroll"><table class="pair-matrix"><caption>${agent} @ ${model}</caption><thead><tr><th scope="col">row vs column</th>${ids.map((c) => html`<th scope="col" title="${c}">${shortVariant(c, agent)}</th>`)}</tr></thead><tbody>${ids.map((r) => html`<tr><th scope="row" title="${r}">${shortVariant(r, agent)}</th>${ids.map((c) => cellOf(r, c))}</tr>`)}</tbody></table></div>`;
}
