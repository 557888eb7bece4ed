import type { GateComparison, GateReport, Interval } from '../score/types.ts';
import { formatDiff, formatInterval, formatP, formatRate } from './matrix.ts';

/**
 * Plain-text pieces of a gate verdict shared by the HTML and Markdown renderers (callers escape).
 */

/**
 * The gate's verdict in two or three words. Exit 1 says what failed it: a significant drop
 * (`regression`), a missed bar of the config (`below threshold`), or both; a miss is not a regression.
 * @example gateHeadline(gate) // 'below threshold'
 */
export function gateHeadline(gate: GateReport): string {
  if (gate.exitCode === 0) return 'passed';
  if (gate.exitCode === 3) return 'could not measure';
  const regressed = gate.comparisons.some((c) => c.verdict === 'regressed');
  const missed = gate.breaches.length > 0;
  return regressed && missed ? 'regression and threshold miss' : missed ? 'below threshold' : 'regression';
}

/** `regressed` comparisons first, as `gateRun` already orders them; `unchanged` left for a count. */
export function notableComparisons(gate: GateReport): GateComparison[] {
  return gate.comparisons.filter((c) => c.verdict !== 'unchanged');
}

/** e.g. `62% [41–79%] vs baseline 90% [74–97%], −28 pts [−49–−8], mcnemar-exact Holm p=0.012` */
export function describeComparison(c: GateComparison): string {
  const s = c.comparison;
  const now = `${formatRate(c.current.rate)} ${formatInterval(c.current.interval)}`.trim();
  if (!s) return now;
  return `${formatRate(s.current.rate)} ${formatInterval(s.current.interval)} vs baseline ${formatRate(s.baseline.rate)} ${formatInterval(s.baseline.interval)}, ${formatDiff(s.diff)} ${diffInterval(s.diffInterval)}, ${s.test} Holm ${formatP(s.adjustedP)} over ${s.comparedScenarios} scenario${s.comparedScenarios === 1 ? '' : 's'}`.replace(
    / {2,}/g,
    ' ',
  );
}

function diffInterval(i: Interval | null): string {
  if (!i) return '';
  const pts = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(Math.round(x * 100))}`;
  return `[${pts(i.low)} to ${pts(i.high)} pts]`;
}

export function errorBudgetText(gate: GateReport): string {
  const b = gate.errorBudget;
  return `provider errors ${b.errors}/${b.plannedCells} (${formatRate(b.rate)}, budget ${formatRate(b.budget)})${b.exceeded ? ' — over budget' : ''}`;
}
