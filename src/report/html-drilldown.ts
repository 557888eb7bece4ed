import type { CellResult } from '../schema/result.ts';
import { groupBy } from '../score/summarize.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { html, type Html } from './html-tag.ts';
import { formatCost } from './matrix.ts';
import { renderTrajectory } from './html-trajectory.ts';

/**
 * Drill-down per scenario: a `<details>` element (works without script) holding, per model, each
 * variant's repeats side by side with their assertion results, latency, tokens and answer. Answers
 * are collapsed beyond `collapseAt` characters and cut at a per-answer budget so the page stays small.
 */

export interface DrilldownOptions {
  /** Characters shown before the rest of an answer is folded away. */
  collapseAt: number;
  /** Characters kept per answer at most; the rest stays in results.jsonl. */
  maxOutput: number;
  /** `variantId\0model` keys of the best variants, marked with ★. */
  best: Set<string>;
}

/** A unique, attribute-safe element id for a scenario. */
export function scenarioAnchor(scenarioId: string, index: number): string {
  return `s-${index}-${scenarioId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)}`;
}

export function renderDrilldown(meta: RunMeta, results: CellResult[], opts: DrilldownOptions): Html {
  const byScenario = groupBy(results, (r) => r.scenarioId);
  const ids = [...byScenario.keys()].sort();
  if (!ids.length) return html`<p class="muted">No cells in this run.</p>`;
  return html`${ids.map((id, i) => scenario(id, i, byScenario.get(id)!, meta, opts))}`;
}

function scenario(id: string, index: number, cells: CellResult[], meta: RunMeta, opts: DrilldownOptions): Html {
  const title = meta.fingerprints.scenarios[id]?.title;
  const byModel = groupBy(cells, (r) => r.model);
  const scored = cells.filter((c) => c.status === 'pass' || c.status === 'fail');
  const passed = scored.filter((c) => c.status === 'pass').length;
  const failing = scored.length > passed;
  return html`<details class="scenario" id="${scenarioAnchor(id, index)}"><summary><b>${id}</b>${title ? html` — ${title}` : ''} <span class="${failing ? 'bad' : 'good'}">${passed}/${scored.length} passed</span>${cells.length > scored.length ? html` <span class="warn">${cells.length - scored.length} not scored</span>` : ''}</summary>${[...byModel.keys()].sort().map((model) => modelBlock(model, byModel.get(model)!, opts))}</details>`;
}

function modelBlock(model: string, cells: CellResult[], opts: DrilldownOptions): Html {
  const byVariant = groupBy(cells, (r) => r.variantId);
  const variants = [...byVariant.keys()].sort();
  return html`<h4>${model}</h4><div class="cols">${variants.map((v) => variantColumn(v, model, byVariant.get(v)!, opts))}</div>`;
}

function variantColumn(variantId: string, model: string, cells: CellResult[], opts: DrilldownOptions): Html {
  const sorted = [...cells].sort((a, b) => a.repeat - b.repeat);
  const scored = sorted.filter((c) => c.status === 'pass' || c.status === 'fail');
  const passed = scored.filter((c) => c.status === 'pass').length;
  const best = opts.best.has(`${variantId}\u0000${model}`);
  return html`<section class="col"><h5>${best ? html`<span class="best" title="best variant on this model">★</span> ` : ''}${variantId} <span class="muted">${passed}/${scored.length} passed · ${sorted.length} repeat${sorted.length === 1 ? '' : 's'}</span></h5>${sorted.map((c) => repeat(c, opts))}</section>`;
}

function repeat(c: CellResult, opts: DrilldownOptions): Html {
  const facts = [
    `#${c.repeat}`,
    c.status,
    c.status === 'pass' || c.status === 'fail' ? `score ${c.score.toFixed(2)}` : '',
    c.latencyMs !== undefined ? `${Math.round(c.latencyMs)} ms` : '',
    c.tokens ? `${c.tokens.prompt}+${c.tokens.completion} tok` : '',
    c.cost !== undefined ? formatCost(c.cost) : '',
    c.source && c.source !== 'live' ? c.source : '',
  ].filter(Boolean);
  return html`<div class="rep st-${c.status}"><div class="rep-head">${facts.join(' · ')}</div>${c.error ? html`<p class="err">${c.error}</p>` : ''}${
    c.assertions.length
      ? html`<ul class="asserts">${c.assertions.map(
          (a) =>
            html`<li class="${a.pass ? 'ok' : 'no'}">${a.pass ? '✓' : '✗'} <b>${a.id}</b> <span class="muted">${a.kind}${a.critical ? ', critical' : ''}${a.gradingError ? ', grader failed' : ''}</span>${a.reason ? html` — ${a.reason}` : ''}</li>`,
        )}</ul>`
      : ''
  }${c.trajectory ? renderTrajectory(c.trajectory) : ''}${c.output !== undefined ? output(c.output, opts) : ''}</div>`;
}

function output(text: string, opts: DrilldownOptions): Html {
  const cut = safeCut(text, opts.maxOutput);
  const kept = text.slice(0, cut);
  const dropped = text.length - cut;
  const note = dropped
    ? html`<p class="muted">… ${dropped} more characters not embedded (full answer in the run's results.jsonl).</p>`
    : '';
  if (kept.length <= opts.collapseAt) return html`<pre class="out">${kept}</pre>${note}`;
  const head = safeCut(kept, opts.collapseAt);
  return html`<pre class="out">${kept.slice(0, head)}</pre><details class="more"><summary>show ${kept.length - head} more characters</summary><pre class="out">${kept.slice(head)}</pre></details>${note}`;
}

/** An index ≤ `max` that does not split a surrogate pair. */
function safeCut(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}
