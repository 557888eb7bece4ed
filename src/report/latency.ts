/**
 * Latency in the reports (issue 28): p50 and p95 per variant × model (nearest rank, `score/latency.ts`),
 * per model turn for agent runtimes, and the change against the baseline run's figures (kept in its
 * history line). Pure.
 */
import type { HistoryEntry, LatencyFigures } from '../schema/aggregate.ts';
import type { CellVerdict } from '../schema/result.ts';
import { latencyStats, type LatencyStat } from '../score/latency.ts';
import { escapeMarkdownCell as cell } from './escape.ts';
import { type Html, html } from './html-tag.ts';

const HOW =
  'Latency of scored cells (errors left out), nearest rank: p = the value at rank ⌈q·n⌉ of the n sorted latencies. Per turn: each agent cell’s latency ÷ its model turns. Change: against the baseline run.';

/** The baseline run's latency figures, from its history line; undefined when it has none. */
export function baselineLatencyOf(
  history: readonly HistoryEntry[] | undefined,
  baselineRunId: string | undefined,
): LatencyFigures[] | undefined {
  if (!baselineRunId) return undefined;
  return history?.find((e) => e.runId === baselineRunId)?.latency;
}

/** The run's own latency: a cell carried from the baseline (`--changed-since`) keeps the baseline run's. */
export function measuredLatency(results: readonly CellVerdict[]): LatencyStat[] {
  return latencyStats(results.filter((r) => r.source !== 'baseline'));
}

const ms = (x: number) => `${Math.round(x)} ms`;

/** `+120 ms (+15%)`, `−80 ms (−10%)`, `±0 ms`. */
function change(now: number, then: number | undefined): string {
  if (then === undefined) return '–';
  const d = Math.round(now - then);
  const pct = then > 0 ? ` (${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(Math.round(((now - then) / then) * 100))}%)` : '';
  return `${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d)} ms${pct}`;
}

interface Row {
  s: LatencyStat;
  base?: LatencyFigures;
}

function rows(current: readonly LatencyStat[], baseline: readonly LatencyFigures[] | undefined): Row[] {
  return current.map((s) => {
    const base = baseline?.find((b) => b.agent === s.agent && b.variantId === s.variantId && b.model === s.model);
    return base ? { s, base } : { s };
  });
}

const turnText = (t: LatencyStat['turn']) => (t ? `${ms(t.p50)} / ${ms(t.p95)}` : '–');

/** summary.md: one table, or nothing when no cell recorded a latency. */
export function latencyMarkdown(current: readonly LatencyStat[], baseline?: readonly LatencyFigures[]): string[] {
  if (!current.length) return [];
  const lines = [
    '### Latency',
    '',
    HOW,
    '',
    '| variant | model | cells | p50 | p95 | p50 change | p95 change | per turn p50 / p95 |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const { s, base } of rows(current, baseline))
    lines.push(
      `| ${cell(s.variantId)} | ${cell(s.model)} | ${s.n} | ${ms(s.p50)} | ${ms(s.p95)} | ${change(s.p50, base?.p50)} | ${change(s.p95, base?.p95)} | ${turnText(s.turn)} |`,
    );
  lines.push('');
  return lines;
}

/** index.html: the section, or nothing when no cell recorded a latency. */
export function renderLatencySection(current: readonly LatencyStat[], baseline?: readonly LatencyFigures[]): Html | '' {
  if (!current.length) return '';
  const body = rows(current, baseline).map(
    ({ s, base }) =>
      html`<tr><td>${s.variantId}</td><td>${s.model}</td><td>${s.n}</td><td>${ms(s.p50)}</td><td>${ms(s.p95)}</td><td>${change(s.p50, base?.p50)}</td><td>${change(s.p95, base?.p95)}</td><td>${turnText(s.turn)}</td></tr>`,
  );
  return html`<section id="latency"><h2>Latency</h2><p class="muted">${HOW}</p>
<table class="latency"><thead><tr><th>variant</th><th>model</th><th>cells</th><th>p50</th><th>p95</th><th>p50 change</th><th>p95 change</th><th>per turn p50 / p95</th></tr></thead><tbody>${body}</tbody></table></section>`;
}
