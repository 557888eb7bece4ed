/**
 * `eval --dry-run`'s planning lines (issue 28): the repeats each comparison needs and what the run is
 * expected to spend, as ranges. Pure: data → lines. Ids are the user's own file names; printed as is
 * on the console, as every console line of the tool does.
 */
import type { Planning, Range, RunProjection } from '../../schema/planning-figures.ts';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const range = (r: Range, f: (n: number) => string) => (f(r.low) === f(r.high) ? f(r.low) : `${f(r.low)}–${f(r.high)}`);
const usd = (n: number) => `$${n < 0.01 ? n.toFixed(4) : n.toFixed(2)}`;
const secs = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);
const pct = (x: number) => `${Math.round(x * 100)}`;

/**
 * @example renderPlanning(planning, { concurrency: 4, maxRepeats: 100 })[0] // 'repeats to detect a change (exact paired test, 80 % power, …)'
 */
export function renderPlanning(p: Planning, o: { concurrency: number; maxRepeats: number }): string[] {
  const lines = [
    `repeats to detect a change (exact paired McNemar test, 80 % power, α = ${p.alpha} over ${p.comparisons.length} comparison(s) = ${+p.alphaPerTest.toPrecision(3)} each):`,
  ];
  for (const c of p.comparisons) {
    const noise = c.fromHistory
      ? `discordance ${c.discordance.toFixed(2)} from ${c.historyPairs} history pairs`
      : `discordance ${c.discordance.toFixed(2)} (default: ${c.historyPairs ? `only ${c.historyPairs} history pairs` : 'no history'})`;
    const needs = c.repeats.map((r) =>
      r.repeats === undefined
        ? `${pct(r.effect)} points: more than ${o.maxRepeats} repeats`
        : `${pct(r.effect)} points: ${r.repeats} repeats (${r.repeats * c.scenarios} pairs)`,
    );
    lines.push(`  ${c.variantId} @ ${c.model}: ${c.scenarios} scenarios, ${noise} → ${needs.join('; ')}`);
  }
  return [...lines, ...renderSpend(p.spend, o.concurrency)];
}

function renderSpend(s: RunProjection, concurrency: number): string[] {
  const lines = ['expected spend (each cell: the lowest–highest its variant × model × scenario spent before):'];
  for (const l of s.lines) {
    const parts = [`${l.cells} cells`, `${range(l.tokens, int)} tokens`];
    if (l.usd) parts.push(range(l.usd, usd));
    if (l.latencyMs) parts.push(`${range(l.latencyMs, secs)} of calls`);
    if (l.turns) parts.push(`${range(l.turns, int)} turns`);
    const from =
      l.from === 'cell' ? '' : l.from === 'none' ? ' (no history: prompt estimated, answer not counted)' : ` (from its ${l.from})`;
    lines.push(`  ${l.variantId} @ ${l.model} × ${l.scenarioId}: ${parts.join(', ')}${from}`);
  }
  const total = [`${range(s.tokens, int)} tokens`];
  total.push(s.usd ? range(s.usd, usd) : `USD unknown (${s.unpricedCells} cells on a model with no price)`);
  if (s.wallMs)
    total.push(
      `wall time ${range(s.wallMs, secs)} at concurrency ${concurrency}${s.untimedCells ? ` (+ ${s.untimedCells} cells never timed)` : ''}`,
    );
  lines.push(`  total: ${total.join(', ')}`);
  if (s.noHistoryCells) lines.push(`  ${s.noHistoryCells} cells have no history: the totals undercount them`);
  return lines;
}
