/**
 * The pull-request comment (`agent-evals report --format pr-comment`): the gate's verdict, the variants
 * that regressed, improved or could not be settled, with their intervals, the error budget and a link to
 * the full report. One comment per pull request: the workflow finds it again by `PR_COMMENT_MARKER` and
 * updates it on each push. Every name is escaped for Markdown.
 */
import type { GateComparison, GateReport } from '../score/types.ts';
import { escapeMarkdownCell } from './escape.ts';
import { routingGateMarkdown } from './routing-md.ts';

/** The hidden first line the workflow looks for to update its own comment instead of adding one. */
export const PR_COMMENT_MARKER = '<!-- agent-evals:pr-comment -->';

const SHOWN: ReadonlyArray<GateComparison['verdict']> = ['regressed', 'below-threshold', 'improved', 'inconclusive'];
const HEADLINE: Record<GateReport['exitCode'], string> = {
  0: '✅ agent-evals: no regression',
  1: '❌ agent-evals: regression or missed threshold',
  3: '⚠️ agent-evals: could not measure',
};

/**
 * @example
 * renderPrComment({ gate, runId: '20261130-101500-ab12', reportUrl: 'https://github.com/o/r/actions/runs/1' })
 * // '<!-- agent-evals:pr-comment -->\n### ✅ agent-evals: no regression\n…'
 */
export function renderPrComment(input: {
  gate: GateReport;
  runId: string;
  reportUrl?: string;
  baselineSource?: string;
  /** Scenarios run without reference examples (meta.json `uncalibrated`): said under the verdicts. */
  uncalibrated?: readonly string[];
}): string {
  const { gate } = input;
  const rows = gate.comparisons.filter((c) => SHOWN.includes(c.verdict));
  const budget = gate.errorBudget;
  const lines = [PR_COMMENT_MARKER, `### ${HEADLINE[gate.exitCode]}`, '', escapeMarkdownCell(gate.reason), ''];
  if (rows.length > 0) {
    lines.push('| verdict | variant | model | baseline → now | change (95% CI) | adjusted p |', '|---|---|---|---|---|---|');
    for (const c of rows) lines.push(row(c));
    lines.push('');
  }
  lines.push(...routingGateMarkdown(gate.routing));
  const others = gate.comparisons.length - rows.length;
  if (others > 0) lines.push(`${others} other variant × model unchanged or new.`, '');
  const uncalibrated = input.uncalibrated ?? [];
  if (uncalibrated.length) {
    const one = uncalibrated.length === 1;
    const ids = uncalibrated.map((id) => `\`${id.replace(/`/g, '')}\``).join(', ');
    lines.push(
      `⚠️ uncalibrated: scenario${one ? '' : 's'} ${ids} ${one ? 'has' : 'have'} no reference examples: nothing checked ${one ? 'its' : 'their'} assertions, so ${one ? 'its' : 'their'} verdicts are uncalibrated.`,
      '',
    );
  }
  lines.push(
    `Provider errors: ${budget.errors} of ${budget.plannedCells} planned cells (${pct(budget.rate)}, budget ${pct(budget.budget)})${budget.exceeded ? ' — over the budget' : ''}.`,
  );
  const where = [
    `run \`${input.runId.replace(/`/g, '')}\``,
    ...(input.baselineSource ? [`baseline ${escapeMarkdownCell(input.baselineSource)}`] : []),
    ...(input.reportUrl ? [`[full report](${encodeURI(input.reportUrl).replace(/[()]/g, encodeURIComponent)})`] : []),
  ];
  lines.push('', where.join(' · '));
  return `${lines.join('\n')}\n`;
}

function row(c: GateComparison): string {
  const s = c.comparison;
  const rates = s ? `${pct(s.baseline.rate)} → ${pct(s.current.rate)}` : `— → ${pct(c.current.rate)}`;
  const change = s ? `${points(s.diff)}${s.diffInterval ? ` [${points(s.diffInterval.low)}, ${points(s.diffInterval.high)}]` : ''}` : '—';
  const p = s ? (s.adjustedP < 0.001 ? '< 0.001' : s.adjustedP.toFixed(3)) : '—';
  return `| ${c.verdict} | ${escapeMarkdownCell(c.variantId)} | ${escapeMarkdownCell(c.model)} | ${rates} | ${change} | ${p} |`;
}

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
const points = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(Math.round(x * 100))} pts`;
