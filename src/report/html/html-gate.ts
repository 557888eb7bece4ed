import { renderRoutingGateRows } from './routing-html.ts';
import type { GateComparison, GateReport } from '../../score/types.ts';
import { cellAnchor, gateRowAnchor, promptDiffAnchor } from './anchors.ts';
import { formatKN, hasBaselineCounts, movedScenarios, type ScenarioDelta } from '../model/baseline-view.ts';
import {
  describeComparison,
  errorBudgetText,
  extraReasons,
  GATE_CORRECTION_NOTE,
  gateHeadline,
  gateSentence,
  notableComparisons,
} from '../text/gate-text.ts';
import { html, type Html } from './html-tag.ts';
import { type TrustNote, trustSentence } from '../model/rubric-trust-notes.ts';
import { formatRate } from '../model/matrix-view.ts';

/** Scenarios listed per gate row; the rest are counted. */
const MAX_LISTED = 12;

interface GateSectionInput {
  gate?: GateReport;
  runId: string;
  /** The models of this run. */
  models: readonly string[];
  /** The blessed baseline's run id and the models it holds cells for; absent when none is blessed. */
  baseline?: { runId: string; models: ReadonlySet<string> };
  /** The flagged or never-calibrated rubrics a row's verdict rests on. */
  trustFor?: (variantId: string, model: string) => TrustNote[];
  /** Every such note of the run, said once at the top. */
  trust?: readonly TrustNote[];
}

/**
 * The Gate section, present for every run: the gate's verdicts when the run was gated, and in every
 * case the models with no baseline yet ("thresholds only"), with what to do about it.
 */
export function renderGateSection(input: GateSectionInput, deltas: Map<string, ScenarioDelta> = new Map()): Html {
  const { gate, baseline } = input;
  const unjudged = input.models.filter((m) =>
    gate
      ? gate.comparisons.some((c) => c.model === m) && gate.comparisons.every((c) => c.model !== m || c.verdict === 'new')
      : !baseline?.models.has(m),
  );
  const noBaseline = unjudged.length
    ? html`<p class="warn" id="no-baseline"><b>No baseline yet for ${unjudged.length === input.models.length ? 'these models' : `${unjudged.length} of ${input.models.length} models`}: thresholds only</b> (${unjudged.join(', ')}). Nothing was compared with an earlier run for ${unjudged.length === 1 ? 'it' : 'them'}, so a drop cannot show as a regression. To judge the next runs against this one once you trust it: <code>agent-evals bless ${input.runId}</code> (writes reports/baseline.json; commit it).</p>`
    : '';
  const notGated = gate
    ? ''
    : html`<p class="muted" id="not-gated">This report was written without gating${baseline ? html` against baseline run ${baseline.runId}` : ''}: <code>agent-evals gate --run ${input.runId}</code> (or <code>eval --ci</code>) judges it and sets the exit code.</p>`;
  const trust = input.trust?.length ? html`<p class="warn trust" id="trust">⚠ ${trustSentence(input.trust)}.</p>` : '';
  return html`<section id="gate"><h2>Gate</h2>${noBaseline}${notGated}${trust}${gate ? renderGate(gate, deltas, input.trustFor) : ''}${renderRoutingGateRows(gate?.routing)}</section>`;
}

/**
 * The gate section, the report's entry point: exit code and why, then one block per notable
 * variant × model (regressions first) with a plain sentence, the scenarios that moved (baseline k/n →
 * now k/n, failing assertions), each a link to its drill-down cell, and a link to the prompt diff
 * against the baseline. The statistics stay one click away in a `<details>`.
 */
function renderGate(
  gate: GateReport,
  deltas: Map<string, ScenarioDelta> = new Map(),
  trustFor: (variantId: string, model: string) => TrustNote[] = () => [],
): Html {
  // A `new` comparison has nothing to say but its rate: they share one line instead of a block each.
  const fresh = gate.comparisons.filter((c) => c.verdict === 'new');
  const notable = notableComparisons(gate).filter((c) => c.verdict !== 'new');
  const unchanged = gate.comparisons.length - notable.length - fresh.length;
  return html`<p class="${gate.exitCode === 0 ? 'good' : 'bad'}"><b>${gateHeadline(gate)}</b> (exit ${gate.exitCode}): ${gate.reason}</p>
<p class="muted">${errorBudgetText(gate)} · α=${gate.alpha} · ${GATE_CORRECTION_NOTE}.</p>
${acrossModels(gate).map((line) => html`<p class="gate-sum">${line}</p>`)}
${notable.length ? html`<div id="gate-verdicts">${notable.map((c) => gateRow(c, deltas, trustFor(c.variantId, c.model)))}</div>` : ''}
${fresh.length ? html`<p class="muted" id="gate-new">${fresh.length} variant × model new, with no baseline to compare with: ${fresh.map((c, i) => html`${i ? ' · ' : ''}<b>${c.variantId}</b> @ ${c.model} ${formatRate(c.current.rate)} (${c.current.passed}/${c.current.runs})`)}.</p>` : ''}
${unchanged ? html`<p class="muted">${unchanged} variant × model combination${unchanged === 1 ? '' : 's'} unchanged.</p>` : ''}
${gate.notComparable.length ? html`<details><summary>${gate.notComparable.length} scenario${gate.notComparable.length === 1 ? '' : 's'} not comparable with the baseline (not gated)</summary><ul>${gate.notComparable.map((n) => html`<li>${n.variantId} @ ${n.model} / ${n.scenarioId}: ${n.reasons.join(', ')}</li>`)}</ul></details>` : ''}`;
}

/**
 * One line per variant that moved the same way on every model it ran on (say "regressed on both
 * models"), above the per-model rows that hold its scenarios.
 */
function acrossModels(gate: GateReport): string[] {
  const byVariant = new Map<string, GateComparison[]>();
  for (const c of gate.comparisons) byVariant.set(c.variantId, [...(byVariant.get(c.variantId) ?? []), c]);
  const lines: string[] = [];
  for (const [variantId, cs] of byVariant) {
    const verdict = cs[0]!.verdict;
    if (cs.length < 2 || (verdict !== 'regressed' && verdict !== 'improved') || cs.some((c) => c.verdict !== verdict)) continue;
    const models = cs.length === 2 ? 'both models' : `all ${cs.length} models`;
    const rates = cs.map((c) => `${c.model} ${formatRate(c.comparison!.baseline.rate)} → ${formatRate(c.comparison!.current.rate)}`);
    lines.push(`${variantId} ${verdict} on ${models}: ${rates.join(', ')}.`);
  }
  return lines;
}

function gateRow(c: GateComparison, deltas: Map<string, ScenarioDelta>, trust: TrustNote[]): Html {
  const worse = movedScenarios(deltas, c.variantId, c.model, -1);
  const better = movedScenarios(deltas, c.variantId, c.model, 1);
  const moved = c.verdict === 'improved' ? better : c.verdict === 'regressed' ? worse : (c.comparison?.diff ?? 0) > 0 ? better : worse;
  const listed = c.verdict === 'inconclusive' ? [...worse, ...better] : moved;
  const breachLinks = c.breaches.filter((b) => b.scenarioId && !listed.some((d) => d.scenarioId === b.scenarioId));
  const extra = extraReasons(c);
  return html`<article class="gate-row v-${c.verdict}" id="${gateRowAnchor(c.variantId, c.model)}"><h3><span class="verdict">${c.verdict}</span> ${c.variantId} <span class="muted">@ ${c.model}</span></h3>
${trust.length ? html`<p class="warn trust">⚠ ${trustSentence(trust)}</p>` : ''}
<p>${gateSentence(c, hasBaselineCounts(deltas, c.variantId, c.model) ? moved.length : undefined)} <a class="diff-link" href="#${promptDiffAnchor(c.variantId)}">Prompt diff against the baseline</a></p>
${listed.length ? html`<ul class="moved">${listed.slice(0, MAX_LISTED).map((d) => scenarioLink(d))}${listed.length > MAX_LISTED ? html`<li class="muted">and ${listed.length - MAX_LISTED} more (see Scenarios)</li>` : ''}</ul>` : ''}
${breachLinks.length ? html`<ul class="moved">${breachLinks.map((b) => html`<li><a href="#${cellAnchor(b.scenarioId!, c.variantId, c.model)}">${b.scenarioId}</a> ${b.passes}/${b.runs} below ${formatRate(b.threshold)}</li>`)}</ul>` : ''}
${extra.length ? html`<ul class="why">${extra.map((r) => html`<li>${r}</li>`)}</ul>` : ''}
${c.comparison ? html`<details class="stats"><summary>statistics</summary><p>${describeComparison(c)}${c.moreRepeats ? html`<br>~${c.moreRepeats} more repeats per scenario would settle it` : ''}</p>${c.newScenarios.length ? html`<p class="muted">new scenarios: ${c.newScenarios.join(', ')}</p>` : ''}</details>` : ''}</article>`;
}

function scenarioLink(d: ScenarioDelta): Html {
  return html`<li><a href="#${cellAnchor(d.scenarioId, d.variantId, d.model)}">${d.scenarioId}</a> <span class="kn">${formatKN(d)}</span>${d.failing.length ? html` <span class="muted">failing: ${d.failing.join(', ')}</span>` : ''}</li>`;
}
