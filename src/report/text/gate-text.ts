import type { GateComparison, GateReport, Interval } from '../../score/types.ts';
import { formatDiff, formatInterval, formatP, formatRate } from '../model/matrix-view.ts';

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

/**
 * How the gate's p-values are adjusted for the comparisons made together, in one sentence for readers
 * (`score/discrete-holm.ts` has the method and its references).
 */
export const GATE_CORRECTION_NOTE =
  'p-values are adjusted by discrete Holm: each comparison counts by the chance its exact test had of giving a p-value that small, so one that could not (no discordant pair, say) counts for nothing';

/** e.g. `62% [41–79%] vs baseline 90% [74–97%], −28 pts [−49–−8], mcnemar-exact discrete Holm p=0.012` */
export function describeComparison(c: GateComparison): string {
  const s = c.comparison;
  const now = `${formatRate(c.current.rate)} ${formatInterval(c.current.interval)}`.trim();
  if (!s) return now;
  return `${formatRate(s.current.rate)} ${formatInterval(s.current.interval)} vs baseline ${formatRate(s.baseline.rate)} ${formatInterval(s.baseline.interval)}, ${formatDiff(s.diff)} ${diffInterval(s.diffInterval)}, ${s.test} discrete Holm ${formatP(s.adjustedP)} over ${s.comparedScenarios} scenario${s.comparedScenarios === 1 ? '' : 's'}`.replace(
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

const VERDICT_LABEL: Record<GateComparison['verdict'], string> = {
  regressed: 'Regressed',
  improved: 'Improved',
  inconclusive: 'Inconclusive',
  'below-threshold': 'Below threshold',
  unchanged: 'Unchanged',
  'not-comparable': 'Not comparable',
  new: 'New',
};

/**
 * One plain sentence per gate row, each figure said once, in one notation.
 * @example
 * gateSentence(c, 13) // 'Regressed on m1: 100% → 0% (−100 pts), 13 of 13 scenarios worse, p < 0.001, prompt changed.'
 */
export function gateSentence(c: GateComparison, moved: number | undefined): string {
  const s = c.comparison;
  const parts = [`${VERDICT_LABEL[c.verdict]} on ${c.model}`];
  if (!s) return `${parts[0]}: ${formatRate(c.current.rate)} now (${c.current.passed}/${c.current.runs}).`;
  const direction = c.verdict === 'improved' ? 'better' : c.verdict === 'regressed' ? 'worse' : s.diff < 0 ? 'worse' : 'better';
  const p = s.adjustedP < 0.001 ? 'p < 0.001' : `p = ${s.adjustedP.toFixed(3)}`;
  const cause = c.variantChanged ? 'prompt changed' : 'prompt unchanged (model or provider drift?)';
  const of = `${s.comparedScenarios} scenario${s.comparedScenarios === 1 ? '' : 's'}`;
  // Without the baseline's per-scenario counts, say how many were compared rather than guess how many moved.
  const scenarios = moved === undefined ? `over ${of}` : `${moved} of ${of} ${direction}`;
  return `${parts[0]}: ${formatRate(s.baseline.rate)} → ${formatRate(s.current.rate)} (${formatDiff(s.diff)}), ${scenarios}, ${p}, ${cause}.`;
}

/** The gate's reasons minus the rate change the sentence already states (it carries `adjusted p =`). */
export function extraReasons(c: GateComparison): string[] {
  return c.reasons.filter((r) => !r.includes('adjusted p ='));
}
