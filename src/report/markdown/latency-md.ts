/** The latency table in summary.md (issue 28). Pure. */
import type { LatencyFigures } from '../../schema/aggregate.ts';
import type { LatencyStat } from '../../score/latency.ts';
import { escapeMarkdownCell as cell } from '../text/escape.ts';
import { latencyRows } from '../model/latency-view.ts';
import { LATENCY_HOW, latencyChange, ms, turnText } from '../text/latency-text.ts';

/** summary.md: one table, or nothing when no cell recorded a latency. */
export function latencyMarkdown(current: readonly LatencyStat[], baseline?: readonly LatencyFigures[]): string[] {
  if (!current.length) return [];
  const lines = [
    '### Latency',
    '',
    LATENCY_HOW,
    '',
    '| variant | model | cells | p50 | p95 | p50 change | p95 change | per turn p50 / p95 |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const { s, base } of latencyRows(current, baseline))
    lines.push(
      `| ${cell(s.variantId)} | ${cell(s.model)} | ${s.n} | ${ms(s.p50)} | ${ms(s.p95)} | ${latencyChange(s.p50, base?.p50)} | ${latencyChange(s.p95, base?.p95)} | ${turnText(s.turn)} |`,
    );
  lines.push('');
  return lines;
}
