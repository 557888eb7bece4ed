import type { GateReport } from '../../score/types.ts';
import { showControls } from './escape.ts';
import { describeComparison, errorBudgetText, gateHeadline, notableComparisons } from './gate-text.ts';

/** The longest verdict, `below-threshold`. */
const VERDICT_WIDTH = 15;

/**
 * The gate's verdict as console lines: the headline with the exit code, then regressions first (as
 * `gateRun` orders them), each with its interval and reasons; unchanged ones only counted. Pure.
 * @example renderGateConsole(gate, 'origin/main:reports/baseline.json').forEach((l) => ctx.out(l))
 */
export function renderGateConsole(gate: GateReport, baselineSource?: string): string[] {
  const lines = [`gate: ${gateHeadline(gate)} (exit ${gate.exitCode}): ${gate.reason}`];
  if (gate.nothingToEvaluate) return lines.map(showControls);
  lines.push(`  baseline: ${baselineSource ?? 'none (thresholds only)'} · ${errorBudgetText(gate)}`);
  lines.push(...verdictLines(gate));
  return lines.map(showControls);
}

/**
 * `eval` without `--ci`, against a baseline: the gate's verdicts in the gate's words, under a line that
 * counts them; no exit code (eval's stays its own: `--ci` or `agent-evals gate` gates). Pure.
 * @example renderEvalVerdicts(gate, 'reports/baseline.json (run 20260101-000000-ab12)')
 * // ['against the baseline reports/baseline.json (run …): 1 regressed, 1 unchanged (not gated: …)', '  regressed …']
 */
export function renderEvalVerdicts(gate: GateReport, baselineSource: string): string[] {
  if (gate.nothingToEvaluate) return [];
  const counts = new Map<string, number>();
  for (const c of gate.comparisons) counts.set(c.verdict, (counts.get(c.verdict) ?? 0) + 1);
  const said = [...counts].map(([verdict, n]) => `${n} ${verdict}`).join(', ');
  return [
    '',
    `against the baseline ${baselineSource}: ${said || 'nothing compared'} (not gated: \`eval --ci\` or \`agent-evals gate\` sets the exit code)`,
    ...verdictLines(gate),
  ].map(showControls);
}

/** One line per notable comparison (regressions first, as `gateRun` orders them) with its reasons; unchanged ones counted. */
function verdictLines(gate: GateReport): string[] {
  const lines: string[] = [];
  for (const c of notableComparisons(gate)) {
    // The reasons already say how many more repeats would settle an inconclusive verdict.
    lines.push(`  ${c.verdict.padEnd(VERDICT_WIDTH)} ${c.variantId} @ ${c.model}: ${describeComparison(c)}`);
    for (const reason of c.reasons) lines.push(`  ${''.padEnd(VERDICT_WIDTH)}   ${reason}`);
  }
  const unchanged = gate.comparisons.filter((c) => c.verdict === 'unchanged');
  const carried = unchanged.filter((c) => c.carried).length;
  if (unchanged.length)
    lines.push(
      `  ${'unchanged'.padEnd(VERDICT_WIDTH)} ${unchanged.length} variant × model${carried ? ` (${carried} carried from the baseline, not tested)` : ''}`,
    );
  for (const n of gate.notComparable) {
    lines.push(`  not gated: ${n.variantId} @ ${n.model} / ${n.scenarioId} (${n.reasons.join(', ')})`);
  }
  return lines;
}
