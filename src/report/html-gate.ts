import type { GateReport } from '../score/types.ts';
import { describeComparison, errorBudgetText, gateHeadline, notableComparisons } from './gate-text.ts';
import { html, type Html } from './html-tag.ts';
import { formatRate } from './matrix.ts';

/** The gate section: exit code and why, then every non-unchanged comparison (regressions first). */
export function renderGate(gate: GateReport): Html {
  const notable = notableComparisons(gate);
  const unchanged = gate.comparisons.length - notable.length;
  return html`<p class="${gate.exitCode === 0 ? 'good' : 'bad'}"><b>${gateHeadline(gate)}</b> (exit ${gate.exitCode}): ${gate.reason}</p>
<p class="muted">${errorBudgetText(gate)} · α=${gate.alpha}</p>
${
  notable.length
    ? html`<table id="gate-verdicts"><thead><tr><th>variant</th><th>model</th><th>verdict</th><th>measurement</th><th>why</th></tr></thead><tbody>${notable.map(
        (c) =>
          html`<tr><td>${c.variantId}</td><td>${c.model}</td><td class="v-${c.verdict}"><b>${c.verdict}</b>${c.variantChanged ? html`<br><span class="muted">prompt changed</span>` : ''}</td><td>${describeComparison(c)}${c.moreRepeats ? html`<br><span class="muted">~${c.moreRepeats} more repeats per scenario would settle it</span>` : ''}</td><td><ul>${c.reasons.map((r) => html`<li>${r}</li>`)}${c.breaches.map((b) => html`<li class="bad">${b.scope}${b.scenarioId ? ` ${b.scenarioId}` : ''}${b.assertionId ? ` / ${b.assertionId}` : ''}: ${formatRate(b.rate)} &lt; ${formatRate(b.threshold)}</li>`)}${c.newScenarios.length ? html`<li class="muted">new scenarios: ${c.newScenarios.join(', ')}</li>` : ''}</ul></td></tr>`,
      )}</tbody></table>`
    : ''
}
${unchanged ? html`<p class="muted">${unchanged} variant × model combination${unchanged === 1 ? '' : 's'} unchanged.</p>` : ''}
${gate.notComparable.length ? html`<details><summary>${gate.notComparable.length} scenario${gate.notComparable.length === 1 ? '' : 's'} not comparable with the baseline (not gated)</summary><ul>${gate.notComparable.map((n) => html`<li>${n.variantId} @ ${n.model} / ${n.scenarioId}: ${n.reasons.join(', ')}</li>`)}</ul></details>` : ''}`;
}
