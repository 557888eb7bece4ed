/**
 * Shapes produced by the pure scoring layer (`src/score/`) and consumed by reports and the gate.
 * Scores and rates are 0..1 everywhere.
 */

/** A two-sided 95% interval. */
export interface Interval {
  low: number;
  high: number;
}

export interface CellCounts {
  /** Cells planned for this variant × model. */
  total: number;
  /** Scored cells (pass + fail). */
  run: number;
  passed: number;
  failed: number;
  errors: number;
  notRun: number;
  notRecorded: number;
}

export interface RateWithInterval {
  runs: number;
  passed: number;
  /** passed / runs, or null when nothing was scored. */
  rate: number | null;
  /** Wilson score interval. */
  interval: Interval | null;
}

/** Per variant × model: the numbers behind one cell of the overview matrix. */
export interface VariantModelSummary {
  agent: string;
  variantId: string;
  model: string;
  counts: CellCounts;
  passRate: RateWithInterval;
  /** Mean of cell scores with a bootstrap 95% interval. */
  meanScore: { mean: number | null; interval: Interval | null };
  scenarios: Array<{ scenarioId: string } & RateWithInterval>;
  assertions: Array<{ scenarioId: string; assertionId: string } & RateWithInterval>;
  latencyMs: { p50: number; p95: number } | null;
  tokens: { prompt: number; completion: number; total: number };
  /** USD summed over cells that report it. */
  cost: number;
}

export type PairVerdict = 'better' | 'worse' | 'inconclusive';

/** Variant `b` compared to variant `a` (same agent, same model), paired by (scenario, repeat). */
export interface PairwiseComparison {
  agent: string;
  model: string;
  a: string;
  b: string;
  /** Pairs where both cells were scored. */
  pairs: number;
  /** Discordant pairs: a passed and b failed / b passed and a failed. */
  aOnly: number;
  bOnly: number;
  /** passRate(b) − passRate(a) over the pairs, −1..1. */
  diff: number;
  /** Exact two-sided McNemar p-value. */
  pValue: number;
  /** Holm-adjusted across every pair of the run. */
  adjustedP: number;
  /** `better` means b is better than a. */
  verdict: PairVerdict;
  /** For inconclusive verdicts: roughly how many more repeats per scenario would settle it, if any would. */
  moreRepeats?: number;
}

export interface FlakyAssertion {
  variantId: string;
  model: string;
  scenarioId: string;
  assertionId: string;
  repeats: number;
  passes: number;
  /** min(passes, fails) / repeats × 2: 0 = stable, 1 = half and half. */
  flakiness: number;
}

export interface RunSummary {
  runId: string;
  variants: VariantModelSummary[];
  pairwise: PairwiseComparison[];
  flaky: FlakyAssertion[];
}
