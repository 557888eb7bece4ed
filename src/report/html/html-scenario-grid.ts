import { cellAnchor, scenarioAnchor } from './anchors.ts';
import { formatKN } from '../model/baseline-view.ts';
import { failingNow, scenarioClasses, worse, type CellGroup, type ScenarioBlock } from './html-drilldown.ts';
import { html, type Html } from './html-tag.ts';

/**
 * The scenario list as one grid: a row per scenario (regressed first), a column per model × variant,
 * each cell now k/n with its change against the baseline, linking to that cell's drill-down. Filters
 * (all / worse than baseline / failing) are radio buttons and CSS `:has()`: no server, no script.
 */

/** `reviewer-terse` → `terse` for agent `reviewer`: the agent's name repeated in every column says nothing. */
export function shortVariant(variantId: string, agent: string): string {
  return variantId.startsWith(`${agent}-`) && variantId.length > agent.length + 1 ? variantId.slice(agent.length + 1) : variantId;
}

export function renderScenarioGrid(scenarios: ScenarioBlock[], titles: Record<string, string | undefined>): Html {
  if (!scenarios.length) return html``;
  const columns = new Map<string, { variantId: string; model: string; agent: string }>();
  for (const s of scenarios)
    for (const g of s.groups)
      columns.set(`${g.model}\u0000${g.variantId}`, { variantId: g.variantId, model: g.model, agent: g.current[0]!.agent });
  const cols = [...columns.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, c]) => c);
  const models = [...new Set(cols.map((c) => c.model))];
  const counts = {
    worse: scenarios.filter((s) => s.groups.some(worse)).length,
    failing: scenarios.filter((s) => s.groups.some(failingNow)).length,
  };
  return html`<div class="filters" role="group" aria-label="Show scenarios"><b>Show</b> ${filter('f-all', `all (${scenarios.length})`, true)}${filter('f-worse', `worse than baseline (${counts.worse})`)}${filter('f-failing', `with failures (${counts.failing})`)}</div>
<div class="scroll"><table id="scenario-grid"><thead><tr><th rowspan="2">scenario</th>${models.map((m) => html`<th scope="colgroup" colspan="${cols.filter((c) => c.model === m).length}">${m}</th>`)}</tr><tr>${cols.map((c) => html`<th scope="col" class="vcol" title="${c.variantId}">${shortVariant(c.variantId, c.agent)}</th>`)}</tr></thead>
<tbody>${scenarios.map((s) => {
    const byCol = new Map(s.groups.map((g) => [`${g.model}\u0000${g.variantId}`, g]));
    return html`<tr class="${`sc ${scenarioClasses(s.groups)}`.trim()}"><th scope="row"><a href="#${scenarioAnchor(s.id)}">${s.id}</a>${titles[s.id] ? html`<br><span class="muted">${titles[s.id]}</span>` : ''}</th>${cols.map((c) => gridCell(s.id, byCol.get(`${c.model}\u0000${c.variantId}`)))}</tr>`;
  })}</tbody></table></div>`;
}

function filter(id: string, label: string, checked = false): Html {
  return html`<label><input type="radio" name="scenario-filter" id="${id}"${checked ? html` checked` : ''}> ${label}</label> `;
}

function gridCell(scenarioId: string, g: CellGroup | undefined): Html {
  if (!g) return html`<td class="muted">–</td>`;
  const scored = g.current.filter((c) => c.status === 'pass' || c.status === 'fail');
  const passed = scored.filter((c) => c.status === 'pass').length;
  const d = g.delta;
  const cls = worse(g) ? 'g-worse' : (d?.delta ?? 0) > 0 ? 'g-better' : failingNow(g) ? 'g-fail' : 'g-pass';
  const label = d?.baseline && d.delta ? formatKN(d) : `${passed}/${scored.length}`;
  return html`<td class="${cls}"><a href="#${cellAnchor(scenarioId, g.variantId, g.model)}">${label}</a></td>`;
}
