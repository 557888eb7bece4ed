import type { GateReport } from '../score/types.ts';
import { describeComparison, errorBudgetText, GATE_HEADLINE, notableComparisons } from './gate-text.ts';

/**
 * The gate's verdict as console lines: the headline with the exit code, then regressions first (as
 * `gateRun` orders them), each with its interval and reasons; unchanged ones only counted. Pure.
 * @example renderGateConsole(gate, 'origin/main:reports/baseline.json').forEach((l) => ctx.out(l))
 */
export function renderGateConsole(gate: GateReport, baselineSource?: string): string[] {
  const lines = [`gate: ${GATE_HEADLINE[gate.exitCode]} (exit ${gate.exitCode}): ${gate.reason}`];
  if (gate.nothingToEvaluate) return lines;
  lines.push(`  baseline: ${baselineSource ?? 'none (thresholds only)'} · ${errorBudgetText(gate)}`);
  for (const c of notableComparisons(gate)) {
    // The reasons already say how many more repeats would settle an inconclusive verdict.
    lines.push(`  ${c.verdict.padEnd(14)} ${c.variantId} @ ${c.model}: ${describeComparison(c)}`);
    for (const reason of c.reasons) lines.push(`  ${''.padEnd(14)}   ${reason}`);
  }
  const unchanged = gate.comparisons.filter((c) => c.verdict === 'unchanged').length;
  if (unchanged) lines.push(`  ${'unchanged'.padEnd(14)} ${unchanged} variant × model`);
  for (const n of gate.notComparable) {
    lines.push(`  not gated: ${n.variantId} @ ${n.model} / ${n.scenarioId} (${n.reasons.join(', ')})`);
  }
  return lines;
}
