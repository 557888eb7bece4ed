import type { LatencyMiss } from './latency.ts';
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

type PairVerdict = 'better' | 'worse' | 'inconclusive';

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
  /** 95% interval of `diff` (Newcombe's paired score interval); absent when there are no pairs. */
  diffInterval?: Interval;
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

/**
 * Cells that were answered or attempted (scored or provider error), by where the answer came from:
 * a model call, promptfoo's response cache, a recording (`--replay`), or the baseline (carried).
 */
export interface SourceCounts {
  live: number;
  cache: number;
  replay: number;
  baseline: number;
}

export interface RunSummary {
  runId: string;
  variants: VariantModelSummary[];
  pairwise: PairwiseComparison[];
  flaky: FlakyAssertion[];
  /** Set by `summarizeRun`; hand-built summaries may leave it out. */
  sources?: SourceCounts;
  /** A panel of graders: how far they agreed (absent with one grader or no rubric). */
  judges?: JudgeAgreement;
  /** Each variant × model against its agent's control arm (the bare model); absent without control cells. */
  control?: ControlComparison[];
}

// ---------------------------------------------------------------------------------------------
// Judge agreement (issue 15): a panel of graders on the run's rubric assertions.

/** One rubric assertion of one scenario: in how many graded cells the graders all agreed. */
export interface RubricAgreement {
  scenarioId: string;
  assertionId: string;
  /** Cells where the panel graded it. */
  cells: number;
  /** Cells where every grader gave the same verdict. */
  unanimous: number;
  /** Cells where they did not (a grader that could not grade counts as not agreeing). */
  split: number;
  /** Split cells with no majority: a grading error, not a verdict. */
  undecided: number;
}

/** One grader of the panel: how often it voted with the majority that decided a cell. */
interface GraderAgreement {
  grader: string;
  /** Verdicts it gave. */
  votes: number;
  /** Cells a majority decided, where it voted or failed to. */
  decided: number;
  /** Of those, the cells where its verdict was the majority's. */
  withMajority: number;
  couldNotGrade: number;
}

/** A cell where the graders split on a rubric, for the reports to point at. */
export interface SplitCell {
  variantId: string;
  model: string;
  scenarioId: string;
  repeat: number;
  assertionId: string;
  decided: 'pass' | 'fail' | 'none';
  votes: Array<{ grader: string; pass?: boolean }>;
}

export interface JudgeAgreement {
  rubrics: RubricAgreement[];
  graders: GraderAgreement[];
  /** The first split cells, at most MAX_SPLIT_CELLS. */
  splits: SplitCell[];
  splitCount: number;
}

// ---------------------------------------------------------------------------------------------
// Gate (issue 6): the current run against the baseline, per variant × model.

/**
 * `regressed`: pass rate dropped significantly (discrete Holm-adjusted). `below-threshold`: an absolute bar of the
 * config was missed (with or without a baseline, whatever the comparison says); both fail the gate.
 * `improved`: rose significantly. `unchanged`: no significant change and either no observed difference
 * or the prompt did not change. `inconclusive`: the prompt changed, the rate moved, not significantly.
 * `not-comparable`: every scenario's assertions, grader or scenario changed since the baseline.
 * `new`: nothing to compare with (no baseline, or a variant × model the baseline lacks).
 */
export type GateVerdict = 'regressed' | 'below-threshold' | 'improved' | 'unchanged' | 'inconclusive' | 'not-comparable' | 'new';

export type NotComparableReason = 'scenario-changed' | 'assertions-changed' | 'grader-changed';

/** A scenario left out of the comparison because what it measures changed. Listed, never gated. */
export interface NotComparableScenario {
  agent: string;
  variantId: string;
  model: string;
  scenarioId: string;
  reasons: NotComparableReason[];
}

/**
 * Which absolute bar was missed. `passRate` / `agent` / `variant`: the variant × model pass rate (the most
 * specific bar that is set applies: variant, then agent, then the global one). `scenario`: one
 * scenario's pass rate. `critical`: a critical assertion failed with `criticalMustPass`.
 */
export type BreachScope = 'passRate' | 'agent' | 'variant' | 'scenario' | 'critical';

export interface ThresholdBreach {
  scope: BreachScope;
  agent: string;
  variantId: string;
  model: string;
  scenarioId?: string;
  assertionId?: string;
  runs: number;
  passes: number;
  /** Observed rate (point estimate) and the bar it fell below. */
  rate: number;
  threshold: number;
  interval: Interval | null;
}

/** The statistical comparison behind a verdict, over the scenarios comparable with the baseline. */
export interface GateStatComparison {
  /** `mcnemar-exact`: paired by (scenario, repeat); `fisher-exact`: pooled counts, unpaired. */
  test: 'mcnemar-exact' | 'fisher-exact';
  /** Rates over exactly the data the test used (the pairs, or the pooled comparable cells). */
  baseline: RateWithInterval;
  current: RateWithInterval;
  /** Paired test only: number of pairs and discordant pairs. */
  pairs?: number;
  baselineOnly?: number;
  currentOnly?: number;
  /** current − baseline, −1..1, with a 95% interval (Newcombe, paired or unpaired). */
  diff: number;
  diffInterval: Interval | null;
  pValue: number;
  /**
   * The smallest p-value this test could have given whatever the outcome, given its discordant pairs
   * (McNemar) or margins (Fisher): above alpha, it could never be significant. Set by `gateRun`.
   */
  minAttainableP?: number;
  /**
   * Adjusted across the gate's comparisons with new evidence by discrete Holm (carried ones keep 1):
   * a comparison counts by the chance its test had of a p-value this small, so one that could not
   * give it (no discordant pair, say) counts for nothing. Does not depend on alpha.
   */
  adjustedP: number;
  comparedScenarios: number;
}

export interface GateComparison {
  agent: string;
  variantId: string;
  model: string;
  verdict: GateVerdict;
  /** One short sentence per reason for the verdict, for summaries. */
  reasons: string[];
  /** The variant's prompt differs from the baseline's in at least one compared scenario. */
  variantChanged: boolean;
  /**
   * Every compared cell was carried from the baseline (`--changed-since`): nothing new was measured,
   * so the comparison is `unchanged` and not tested (its p is 1 by construction). `gateRun` always sets it.
   */
  carried?: boolean;
  /** Every scored cell of this variant × model in the current run (what thresholds judge). */
  current: RateWithInterval;
  comparison: GateStatComparison | null;
  /** For `inconclusive`: roughly how many more repeats per scenario would settle it, if any would. */
  moreRepeats?: number;
  notComparable: NotComparableScenario[];
  /** Scenarios of this run the baseline does not have. */
  newScenarios: string[];
  breaches: ThresholdBreach[];
  /** Over `thresholds.p95LatencyMs`: the p95 and the bar (a miss like `breaches`, verdict `below-threshold`). */
  latencyMisses?: LatencyMiss[];
  /** Scored, but no live answer recorded a latency (replayed, cached, carried): p95LatencyMs could not be checked. */
  latencyUnmeasured?: boolean;
}

export interface GateReport {
  /**
   * 0 pass, 1 regression or threshold miss, 3 could not measure (provider errors over the budget,
   * or nothing scored at all). 1 outranks 3; see `gateRun`.
   */
  exitCode: 0 | 1 | 3;
  /** One line saying why, e.g. `nothing to evaluate` or `2 regressed, provider errors 14% > 10%`. */
  reason: string;
  nothingToEvaluate: boolean;
  /** Regressions first, then improved, inconclusive, not-comparable, new, unchanged; then by key. */
  comparisons: GateComparison[];
  breaches: ThresholdBreach[];
  notComparable: NotComparableScenario[];
  errorBudget: { errors: number; plannedCells: number; rate: number; budget: number; exceeded: boolean };
  alpha: number;
  /** Routing suites: each agent's recall and precision judged (`score/routing-gate.ts`); absent when the run has none. */
  routing?: RoutingGateItem[];
}

/** A routing request whose decision moved against a figure (`score/routing-gate.ts`). */
export interface MovedRequest {
  scenarioId: string;
  repeat: number;
  expected: string;
  /** Where it went in the baseline, and now. */
  from: string;
  to: string;
}

export interface RoutingGateItem {
  suite: string;
  /** The variant under test, its agent and the model. */
  agent: string;
  variantId: string;
  model: string;
  /** The agent of the suite (or `none`) whose figure this is. */
  sibling: string;
  figure: 'recall' | 'precision';
  verdict: 'regressed' | 'below-threshold' | 'improved' | 'unchanged' | 'inconclusive' | 'new';
  current: RateWithInterval;
  baseline?: RateWithInterval;
  /** Exact paired test over the (case, repeat) pairs decided in both runs; absent without a baseline. */
  pValue?: number;
  adjustedP?: number;
  /** The pairs that moved against this figure: requests the agent lost (recall) or took wrongly (precision). */
  moved: MovedRequest[];
  reason: string;
  /** The runtime program's version differed between the baseline's decisions and these (`runtime a → b`). */
  runtimeChange?: string;
}

// ---------------------------------------------------------------------------------------------
// The control arm (issue 28): each variant against the bare model (`score/control.ts`).

/**
 * `gain`: the variant passed significantly more often than the bare model; `worse`: significantly less;
 * `no-measurable-gain`: neither (or nothing to pair), the report's "no measurable gain over the bare model".
 */
export type ControlVerdict = 'gain' | 'no-measurable-gain' | 'worse';

export interface ControlComparison {
  agent: string;
  variantId: string;
  controlId: string;
  model: string;
  /** (scenario, repeat) pairs both scored. */
  pairs: number;
  /** Discordant pairs: only the variant passed / only the control passed. */
  variantOnly: number;
  controlOnly: number;
  /** Pass rates over the pairs. */
  variant: RateWithInterval;
  control: RateWithInterval;
  /** variant − control over the pairs, −1..1, with Newcombe's paired 95% interval. */
  diff: number;
  diffInterval: Interval | null;
  pValue: number;
  /** Discrete Holm across the run's control comparisons. */
  adjustedP: number;
  verdict: ControlVerdict;
}
