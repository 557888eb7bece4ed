/**
 * The routing figures and the routing gate in Markdown (pure), for summary.md and the PR comment: the same as the
 * HTML Routing section, in text. Decisions come from model output: every cell is escaped.
 */
import { escapeMarkdownCell as cell } from '../text/escape.ts';
import { NONE, type RoutingFigures } from '../../score/routing-figures.ts';
import type { RoutingGateItem } from '../../score/routing-gate.ts';
import type { RateWithInterval } from '../../score/types.ts';

const label = (name: string) => (name === NONE ? 'none' : name);
const pct = (r: RateWithInterval) =>
  r.rate === null
    ? '–'
    : `${Math.round(r.rate * 100)}% (${r.passed}/${r.runs}${r.interval ? `, ${Math.round(r.interval.low * 100)}–${Math.round(r.interval.high * 100)}%` : ''})`;

/** `### Routing` with, per suite × variant × model, the matrix, recall and precision, collisions and misrouted requests. */
export function routingMarkdown(figures: readonly RoutingFigures[], gate?: readonly RoutingGateItem[]): string[] {
  if (figures.length === 0) return [];
  const lines = ['### Routing', '', ...routingGateMarkdown(gate)];
  for (const f of figures) {
    lines.push(`#### ${cell(f.suite)} · ${cell(f.variantId)} @ ${cell(f.model)}: ${f.correct}/${f.decisions} correct`, '');
    lines.push(
      `| expected ↓ chosen → | ${f.labels.map((l) => cell(label(l))).join(' | ')} |`,
      `|---|${f.labels.map(() => '---:').join('|')}|`,
    );
    for (const [i, row] of f.labels.entries())
      lines.push(`| ${cell(label(row))} | ${f.matrix[i]!.map((n, j) => (i === j && n > 0 ? `**${n}**` : String(n))).join(' | ')} |`);
    lines.push('', '| agent | recall | precision |', '|---|---|---|');
    for (const a of f.agents) lines.push(`| ${cell(label(a.agent))} | ${pct(a.recall)} | ${pct(a.precision)} |`);
    lines.push('');
    for (const c of f.collisions)
      lines.push(
        `- collision: ${cell(c.a)} ↔ ${cell(c.b)}: ${c.aToB} and ${c.bToA} requests taken from each other (${Math.round(c.rate * 100)}%)`,
      );
    for (const m of f.misrouted.slice(0, 20))
      lines.push(
        `- misrouted: ${cell(m.scenarioId)}: expected ${cell(label(m.expected))}, went to ${cell(label(m.chosen))} (repeat ${m.repeats.map((r) => r + 1).join(', ')})`,
      );
    if (f.misrouted.length > 20) lines.push(`- … and ${f.misrouted.length - 20} more misrouted requests in the HTML report`);
    lines.push('');
  }
  return lines;
}

/** The routing gate's failures, one line each with the requests that moved; nothing when it passed. */
export function routingGateMarkdown(items: readonly RoutingGateItem[] | undefined): string[] {
  const failed = (items ?? []).filter((i) => i.verdict === 'regressed' || i.verdict === 'below-threshold');
  if (failed.length === 0) return [];
  return [
    ...failed.map((i) => `- **routing ${i.verdict}** ${cell(i.suite)} · ${cell(i.variantId)} @ ${cell(i.model)}: ${cell(i.reason)}`),
    '',
  ];
}
