/**
 * The report's Routing section (pure): per routing suite × variant × model, the confusion matrix as a table with
 * its numbers in the cells (colour only as an aid), each agent's recall and precision with 95% Wilson intervals,
 * the colliding pairs and every misrouted request with what was chosen instead; and the routing gate's rows,
 * which link to it. Decisions come from model output: every one is escaped by the `html` tag.
 */
import type { ScenarioAggregate } from '../../schema/aggregate.ts';
import { COLLISION_RATE, NONE, type RoutingFigures, routingTrend } from '../../score/routing-figures.ts';
import type { RoutingGateItem } from '../../score/routing-gate.ts';
import type { RateWithInterval } from '../../score/types.ts';
import { routingAnchor } from './anchors.ts';
import { type Html, html } from './html-tag.ts';

const label = (name: string) => (name === NONE ? 'none (handled itself)' : name);
const pct = (r: RateWithInterval) =>
  r.rate === null
    ? '–'
    : `${Math.round(r.rate * 100)}% (${r.passed}/${r.runs}${r.interval ? `, ${Math.round(r.interval.low * 100)}–${Math.round(r.interval.high * 100)}%` : ''})`;

/** The section, or nothing when the run has no routing cells. */
export function renderRoutingSection(
  figures: readonly RoutingFigures[],
  gate?: readonly RoutingGateItem[],
  history: ReadonlyArray<{ runId: string; time: string; cells: readonly ScenarioAggregate[] }> = [],
): Html | '' {
  if (figures.length === 0) return '';
  return html`<section id="routing"><h2>Routing</h2>
<p class="muted">Which agent of each suite the main agent handed the request to. Rows: the agent that should have taken it; columns: the one that did (none: the main agent answered itself). The diagonal is correct. Recall: of the requests an agent should take, the share it got; precision: of the requests it took, the share that were its own; 95% Wilson intervals. A collision: two agents taking each other's requests, at least ${Math.round(COLLISION_RATE * 100)}% of the requests meant for either.</p>
${figures.map((f) => group(f, gate ?? [], history))}
</section>`;
}

function group(
  f: RoutingFigures,
  gate: readonly RoutingGateItem[],
  history: ReadonlyArray<{ runId: string; time: string; cells: readonly ScenarioAggregate[] }>,
): Html {
  const id = routingAnchor(f.suite, f.variantId, f.model);
  const failed = gate.filter(
    (i) =>
      i.suite === f.suite &&
      i.variantId === f.variantId &&
      i.model === f.model &&
      (i.verdict === 'regressed' || i.verdict === 'below-threshold'),
  );
  return html`<section class="routing" id="${id}"><h3>${f.suite} · ${f.variantId} @ ${f.model}</h3>
<p>${f.correct} of ${f.decisions} decisions correct${failed.length ? html` · <span class="bad">${failed.length} gate failure${failed.length === 1 ? '' : 's'}</span>` : ''}</p>
${matrixTable(f)}
<div class="scroll" role="region" aria-label="${`recall and precision per agent, ${f.suite} · ${f.variantId} @ ${f.model}`}"><table><caption class="muted">Recall and precision per agent</caption><thead><tr><th scope="col">agent</th><th scope="col">recall</th><th scope="col">precision</th></tr></thead><tbody>${f.agents.map(
    (a) =>
      html`<tr><th scope="row">${label(a.agent)}</th><td class="num">${pct(a.recall)}</td><td class="num">${pct(a.precision)}</td></tr>`,
  )}</tbody></table></div>
${
  f.collisions.length
    ? html`<p><b>Collisions</b></p><ul>${f.collisions.map(
        (c) =>
          html`<li>${c.a} ↔ ${c.b}: ${c.aToB} of ${c.a}'s requests went to ${c.b}, ${c.bToA} the other way (${Math.round(c.rate * 100)}%)</li>`,
      )}</ul>`
    : html`<p class="muted">No collision.</p>`
}
${
  f.misrouted.length
    ? html`<details class="misrouted" open><summary>Misrouted requests (${f.misrouted.reduce((n, m) => n + m.repeats.length, 0)})</summary><ul>${f.misrouted.map(
        (m) =>
          html`<li><b>${m.scenarioId}</b>: expected ${label(m.expected)}, went to <span class="bad">${label(m.chosen)}</span> in repeat${m.repeats.length === 1 ? '' : 's'} ${m.repeats.map((r) => r + 1).join(', ')}</li>`,
      )}</ul></details>`
    : html`<p class="muted">No misrouted request.</p>`
}
${trendTable(f, history)}
</section>`;
}

/** The share of correct decisions in the last runs of history, newest first, as a table (one keyboard stop). */
function trendTable(
  f: RoutingFigures,
  history: ReadonlyArray<{ runId: string; time: string; cells: readonly ScenarioAggregate[] }>,
): Html | '' {
  const points = routingTrend(history, f, new Set(f.cases));
  if (points.length === 0) return '';
  return html`<details class="routing-trend"><summary>correct decisions over the last runs (${points.length})</summary><div class="scroll" role="region" aria-label="${`correct decisions per run, ${f.suite} · ${f.variantId} @ ${f.model}`}"><table><thead><tr><th scope="col">run</th><th scope="col">time</th><th scope="col">correct</th></tr></thead><tbody>${[
    ...points,
  ]
    .reverse()
    .map(
      (p) =>
        html`<tr><td>${p.runId}</td><td>${p.time}</td><td class="num">${Math.round((100 * p.correct) / p.decisions)}% (${p.correct}/${p.decisions})</td></tr>`,
    )}</tbody></table></div></details>`;
}

/** Expected × chosen, numbers in every cell; correct cells marked ✓ as well as coloured. */
function matrixTable(f: RoutingFigures): Html {
  const name = `confusion matrix, ${f.suite} · ${f.variantId} @ ${f.model}`;
  return html`<div class="scroll" role="region" aria-label="${name}"><table class="confusion"><caption class="muted">Expected (rows) × chosen (columns)</caption><thead><tr><th scope="col">expected ↓ chosen →</th>${f.labels.map(
    (l) => html`<th scope="col">${label(l)}</th>`,
  )}<th scope="col">total</th></tr></thead><tbody>${f.labels.map((row, i) => {
    const counts = f.matrix[i]!;
    const total = counts.reduce((a, b) => a + b, 0);
    return html`<tr><th scope="row">${label(row)}</th>${counts.map((n, j) =>
      i === j
        ? html`<td class="num${n > 0 ? ' good' : ''}">${n > 0 ? `✓ ${n}` : '0'}</td>`
        : html`<td class="num${n > 0 ? ' bad' : ''}">${n}</td>`,
    )}<td class="num">${total}</td></tr>`;
  })}</tbody></table></div>`;
}

/** The routing gate's failures as gate rows, each linking to its figures. */
export function renderRoutingGateRows(items: readonly RoutingGateItem[] | undefined): Html | '' {
  const failed = (items ?? []).filter((i) => i.verdict === 'regressed' || i.verdict === 'below-threshold');
  if (failed.length === 0) return '';
  return html`<h3>Routing</h3>${failed.map(
    (i) =>
      html`<div class="gate-row v-${i.verdict}"><p><span class="verdict">${i.verdict}</span> <a href="${`#${routingAnchor(i.suite, i.variantId, i.model)}`}">${i.suite} · ${i.variantId} @ ${i.model}</a></p><p>${i.reason}</p></div>`,
  )}`;
}
