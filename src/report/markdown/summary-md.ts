import { budgetStopText } from '../text/budget-stop.ts';
import { SUMMARY_MAX_CHARS } from './summary-md-evidence.ts';

export { SUMMARY_MAX_CHARS };
import type { CellVerdict } from '../../schema/result.ts';
import type { RunMeta } from '../../schema/run-meta.ts';
import type { GateReport, RunSummary } from '../../score/types.ts';
import { escapeMarkdownCell as cell, showControls } from '../text/escape.ts';
import { routingMarkdown } from './routing-md.ts';
import { routingFigures } from '../../score/routing-figures.ts';
import { aggregateRun } from '../../score/aggregate-results.ts';
import { scenarioDeltas, type BaselineView } from '../model/baseline-view.ts';
import { approximations, regressionEvidence, trajectoryFailures, trustMarkdown } from './summary-md-evidence.ts';
import { type RubricTrust, trustNotes } from '../model/rubric-trust-notes.ts';
import { describeComparison, errorBudgetText, extraReasons, gateHeadline, notableComparisons } from '../text/gate-text.ts';
import { countSources } from '../../score/summarize.ts';
import { judgesMarkdown } from '../text/judges-text.ts';
import { describeMode } from '../model/run-mode.ts';
import { describeCellCounts } from '../model/cell-counts.ts';
import { controlMarkdown } from './control-md.ts';
import { baselineLatencyOf, measuredLatency } from '../model/latency-view.ts';
import { latencyMarkdown } from './latency-md.ts';
import type { HistoryEntry } from '../../schema/aggregate.ts';
import { bestKey, buildMatrix, cellText, describePair, formatInterval, formatRate, orderPairs } from '../model/matrix-view.ts';

/**
 * `reports/summary.md`: compact Markdown for a PR comment or a CI job summary. Bad news first:
 * gate regressions, then significant pairwise losses; then the matrix; then what was carried over.
 */

interface SummaryInput {
  meta: RunMeta;
  results: CellVerdict[];
  summary: RunSummary;
  gate?: GateReport;
  /** Where the HTML report will be (an artifact URL in CI); default `index.html` next to this file. */
  htmlUrl?: string;
  /** The baseline, for the scenarios and prompt diff behind a regression. */
  baseline?: BaselineView;
  /** What calibration says of the rubrics the verdicts rest on: said beside them. */
  rubricTrust?: RubricTrust;
  /** History lines: the baseline run's latency figures, for the change in latency. */
  history?: readonly HistoryEntry[];
}

/**
 * @example
 * await writeFile('reports/summary.md', renderSummaryMarkdown({ meta, results, summary }));
 */
export function renderSummaryMarkdown(input: SummaryInput, maxChars = SUMMARY_MAX_CHARS): string {
  const { meta, results, summary } = input;
  const lines: string[] = [`## agent-evals · run \`${meta.runId.replace(/`/g, '')}\``, ''];
  const git = [meta.git.branch, meta.git.commit?.slice(0, 12)]
    .filter(Boolean)
    .map((s) => cell(s))
    .join(' @ ');
  lines.push(
    `${describeCellCounts(results, meta.plannedCells)} · ${describeMode(meta.mode, summary.sources ?? countSources(results))}${git ? ` · ${git}` : ''} · [full HTML report](${encodeURI(input.htmlUrl ?? 'index.html')})`,
    '',
  );

  const notes = trustNotes(input.rubricTrust, meta, new Set(results.map((r) => r.scenarioId)));
  // Scenarios without reference examples have their own line below; the rubrics are said here, and both beside each scenario.
  const trust = notes.filter((n) => n.assertionId);
  if (input.gate) {
    const deltas = scenarioDeltas(aggregateRun(results, { grader: meta.grader }), input.baseline?.cells);
    lines.push(
      ...renderGateMarkdown(input.gate),
      '',
      ...trustMarkdown(trust),
      ...regressionEvidence(input.gate, meta, results, deltas, input.baseline, notes),
    );
  } else lines.push(...trustMarkdown(trust));
  lines.push(...trajectoryFailures(results), ...approximations(results));
  if (results.some((r) => r.routing))
    lines.push(...routingMarkdown(routingFigures(aggregateRun(results, { grader: meta.grader })), input.gate?.routing));

  const pairs = orderPairs(summary.pairwise);
  const worse = pairs.filter((p) => p.verdict === 'worse');
  if (worse.length) {
    lines.push('### ⚠️ Worse variants', '', ...worse.map((p) => `- ${cell(describePair(p))}${interval(summary, p.b, p.model)}`), '');
  }

  lines.push(...matrixMarkdown(summary));
  lines.push(...controlMarkdown(summary.control));
  lines.push(...latencyMarkdown(measuredLatency(results), baselineLatencyOf(input.history, input.baseline?.runId)));

  const others = pairs.filter((p) => p.verdict !== 'worse');
  if (others.length) {
    lines.push('### Comparisons', '', ...others.slice(0, 20).map((p) => `- ${cell(describePair(p))}`));
    if (others.length > 20) lines.push(`- … and ${others.length - 20} more in the HTML report`);
    lines.push('');
  }

  lines.push(...judgesMarkdown(summary.judges));

  const carried = results.filter((r) => r.source === 'baseline').length;
  if (carried || meta.carriedFrom) {
    lines.push(
      `> ${carried} of ${results.length} cells were carried over from ${meta.carriedFrom ? `run \`${meta.carriedFrom.replace(/`/g, '')}\`` : 'the baseline'} without calling a model (their variant and scenario did not change).`,
      '',
    );
  }
  const stopped = budgetStopText(meta, results.filter((r) => r.source !== 'baseline').length);
  if (stopped) lines.push(`> ⏸️ ${stopped}`, '');
  if (meta.sandbox === 'none')
    lines.push(
      '> ⚠️ sandbox: none — the agent programs of this run ran unjailed, with access to every file, key and network of the machine.',
      '',
    );
  if (meta.uncalibrated?.length) {
    const ids = meta.uncalibrated.map((id) => `\`${id.replace(/`/g, '')}\``);
    const one = ids.length === 1;
    lines.push(
      `> ⚠️ uncalibrated: scenario${one ? '' : 's'} ${ids.join(', ')} ${one ? 'has' : 'have'} no reference examples: nothing checked ${one ? 'its' : 'their'} assertions, so ${one ? 'its' : 'their'} verdicts are uncalibrated.`,
      '',
    );
  }
  const notRun = Object.entries(meta.notRun);
  if (notRun.length) lines.push(...notRun.map(([model, why]) => `> ${cell(model)} did not run: ${cell(why)}`), '');
  if (summary.flaky.length) {
    const top = summary.flaky
      .slice(0, 5)
      .map((f) => `${cell(f.variantId)}/${cell(f.model)}/${cell(f.scenarioId)}: ${cell(f.assertionId)} ${f.passes}/${f.repeats}`);
    lines.push(`Flaky assertions: ${top.join('; ')}${summary.flaky.length > 5 ? `; +${summary.flaky.length - 5} more` : ''}`, '');
  }
  // Control characters anywhere (file names an agent made, prompts in the diff) are shown, not passed on.
  return truncate(showControls(`${lines.join('\n').trimEnd()}\n`), maxChars, input.htmlUrl ?? 'index.html');
}

/** Cuts at a line boundary under `max` characters, closes an open code fence, and says what was left out. */
function truncate(text: string, max: number, htmlUrl: string): string {
  if (text.length <= max) return text;
  const kept: string[] = [];
  let size = 0;
  let fence: string | undefined;
  let details = 0;
  for (const line of text.split('\n')) {
    if (size + line.length + 1 > max - 300) break;
    kept.push(line);
    size += line.length + 1;
    const f = line.match(/^(`{3,})/)?.[1];
    if (f && (!fence || f === fence)) fence = fence ? undefined : f;
    if (!fence) details += line.startsWith('<details>') ? 1 : line.startsWith('</details>') ? -1 : 0;
  }
  if (fence) kept.push(fence);
  for (; details > 0; details--) kept.push('', '</details>');
  return `${kept.join('\n').trimEnd()}\n\n> Cut here to stay within GitHub's size limit: ${text.length - size} more characters in the [full HTML report](${encodeURI(htmlUrl)}).\n`;
}

function matrixMarkdown(summary: RunSummary): string[] {
  const m = buildMatrix(summary);
  if (!m.rows.length) return [];
  const lines = [
    '### Pass rate by variant and model',
    '',
    '95% Wilson intervals; ★ a variant that beat every other of its agent on that model (paired test, Holm-adjusted); no star for a tie.',
    '',
  ];
  lines.push(`| variant | ${m.models.map(cell).join(' | ')} |`, `|---|${m.models.map(() => '---').join('|')}|`);
  for (const r of m.rows)
    lines.push(
      `| ${cell(r.variantId)} | ${m.models.map((model) => cell(cellText(r.cells[model], m.best.has(bestKey(r.variantId, model))))).join(' | ')} |`,
    );
  lines.push('');
  return lines;
}

function renderGateMarkdown(gate: GateReport): string[] {
  const icon = gate.exitCode === 0 ? '✅' : gate.exitCode === 1 ? '❌' : '⚠️';
  const lines = [
    `### ${icon} Gate: ${gateHeadline(gate)} (exit ${gate.exitCode})`,
    '',
    `${cell(gate.reason)} · ${errorBudgetText(gate)}`,
    '',
  ];
  const notable = notableComparisons(gate);
  for (const c of notable) {
    // The gate's reasons already say how many more repeats would settle an inconclusive verdict.
    const more =
      c.moreRepeats && !c.reasons.some((r) => r.includes('would settle it'))
        ? `; ~${c.moreRepeats} more repeats per scenario would settle it`
        : '';
    // The rate change is said once, by describeComparison; the gate's own sentence for it is left out.
    const reasons = extraReasons(c);
    const why = reasons.length ? ` — ${reasons.map(cell).join('; ')}` : '';
    lines.push(`- **${c.verdict}** ${cell(c.variantId)} @ ${cell(c.model)}: ${cell(describeComparison(c))}${more}${why}`);
  }
  const unchanged = gate.comparisons.length - notable.length;
  const carried = gate.comparisons.filter((c) => c.verdict === 'unchanged' && c.carried).length;
  if (unchanged) lines.push(`- ${unchanged} unchanged${carried ? ` (${carried} carried from the baseline, not tested)` : ''}`);
  if (gate.notComparable.length) {
    const shown = gate.notComparable
      .slice(0, 10)
      .map((n) => `${cell(n.variantId)} @ ${cell(n.model)} / ${cell(n.scenarioId)} (${n.reasons.join(', ')})`);
    lines.push(
      `- not comparable, not gated: ${shown.join('; ')}${gate.notComparable.length > 10 ? `; +${gate.notComparable.length - 10} more` : ''}`,
    );
  }
  return lines;
}

function interval(summary: RunSummary, variantId: string, model: string): string {
  const v = summary.variants.find((x) => x.variantId === variantId && x.model === model);
  return v && v.passRate.rate !== null
    ? ` — ${cell(variantId)} now ${formatRate(v.passRate.rate)} ${cell(formatInterval(v.passRate.interval))}`
    : '';
}
