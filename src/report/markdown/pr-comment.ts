/**
 * The pull-request comment (`agent-evals report --format pr-comment`): the gate's verdict, the variants
 * that regressed, improved or could not be settled, with their intervals, the error budget and a link to
 * the full report. One comment per pull request: the workflow finds it again by `PR_COMMENT_MARKER` and
 * updates it on each push. Every name is escaped for Markdown.
 */
import type { ScenarioAggregate } from '../../schema/aggregate.ts';
import type { CellVerdict } from '../../schema/result.ts';
import type { RunMeta } from '../../schema/run-meta.ts';
import { aggregateRun } from '../../score/aggregate-results.ts';
import type { GateComparison, GateReport } from '../../score/types.ts';
import { scenarioDeltas } from '../model/baseline-view.ts';
import { escapeMarkdownCell, showControls } from '../text/escape.ts';
import { type RubricTrust, trustNotes } from '../model/rubric-trust-notes.ts';
import { firstFailureReasons, rowEvidence, SUMMARY_MAX_CHARS, trustMarkdown } from './summary-md-evidence.ts';
import type { ControlComparison } from '../../score/control.ts';
import { describeControl } from '../text/control-text.ts';
import { routingGateMarkdown } from './routing-md.ts';

/** The hidden first line the workflow looks for to update its own comment instead of adding one. */
const PR_COMMENT_MARKER = '<!-- agent-evals:pr-comment -->';

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
  /**
   * The run's cells (verdicts) and the baseline's aggregates: per regressed row, its scenarios and
   * failing assertions, as summary.md has them; and the rubrics calibration flagged or never checked.
   */
  evidence?: { meta: RunMeta; results: CellVerdict[]; baselineCells?: ScenarioAggregate[]; rubricTrust?: RubricTrust };
  /** Characters at most (GitHub holds 65,536 in a comment); the "why" is cut first, with a note. */
  maxChars?: number;
  /** Each variant against the control arm (the bare model), when the run has one. */
  control?: readonly ControlComparison[];
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
  // The why (per failing row, its scenarios) goes here, cut to what the limit leaves.
  const whyAt = lines.length;
  if (input.control?.length)
    lines.push(
      '**Gain over the bare model** (control arm):',
      '',
      ...input.control.map((c) => `- ${escapeMarkdownCell(describeControl(c))}`),
      '',
    );
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
  if (input.evidence) {
    const rest = showControls(`${lines.join('\n')}\n`).length;
    const why = whyLines(gate, input.evidence).map(showControls);
    lines.splice(whyAt, 0, ...fitLines(why, (input.maxChars ?? SUMMARY_MAX_CHARS) - rest, input.reportUrl));
  }
  return showControls(`${lines.join('\n')}\n`);
}

/** Per failing row (regressed or below threshold): its sentence and scenarios; the rubric notes before them. */
function whyLines(gate: GateReport, ev: NonNullable<Parameters<typeof renderPrComment>[0]['evidence']>): string[] {
  const notes = trustNotes(ev.rubricTrust, ev.meta, new Set(ev.results.map((r) => r.scenarioId)));
  const failing = gate.comparisons.filter((c) => c.verdict === 'regressed' || c.verdict === 'below-threshold');
  const rubricNotes = trustMarkdown(notes.filter((n) => n.assertionId));
  if (!failing.length) return rubricNotes;
  const deltas = scenarioDeltas(aggregateRun(ev.results, { grader: ev.meta.grader }), ev.baselineCells);
  const reasons = firstFailureReasons(ev.results);
  const lines = [...rubricNotes, '#### Why', ''];
  for (const c of failing) {
    const [head, ...scenarios] = rowEvidence(c, deltas, reasons, notes);
    // The sentence names the model; the row's variant goes in front.
    lines.push(`- **${escapeMarkdownCell(c.variantId)}**: ${head!.replace(/^- \*\*.*?\*\*: /, '')}`, ...scenarios);
  }
  return [...lines, ''];
}

/** The lines that fit in `budget` characters, cut at a line with a note saying where the rest is. */
function fitLines(lines: string[], budget: number, reportUrl: string | undefined): string[] {
  const total = lines.reduce((n, l) => n + l.length + 1, 0);
  if (total <= budget) return lines;
  const where = reportUrl
    ? `the [full report](${encodeURI(reportUrl).replace(/[()]/g, encodeURIComponent)})`
    : 'the full report (summary.md, index.html)';
  const note = `> Cut here to stay within GitHub's size limit: the rest is in ${where}.`;
  const kept: string[] = [];
  let size = note.length + 2;
  for (const line of lines) {
    if (size + line.length + 1 > budget) break;
    kept.push(line);
    size += line.length + 1;
  }
  return [...kept, '', note, ''];
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

/** The pull-request comment for a run its budget stopped: no verdict, what ran, how to finish it. */
export function renderStoppedPrComment(text: string): string {
  return `${[PR_COMMENT_MARKER, '### ⏸️ agent-evals: stopped by its budget', '', text.replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'))].join('\n')}\n`;
}
