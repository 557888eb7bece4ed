/**
 * The CI gate's verdict logic (issue 6): the current run's aggregates against the baseline's, per
 * variant × model, plus the absolute thresholds and the provider-error budget. Pure: data in, data out;
 * the command turns `exitCode` into the process exit code.
 */
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import type { Thresholds } from '../schema/eval-config.ts';
import { summarizeAggregates, type VariantModelAggregate } from './aggregate-results.ts';
import { checkThresholds, describeBreach } from './thresholds.ts';
import { type DiscreteTest, discreteHolmAdjust } from './discrete-holm.ts';
import { compareScenarios, type ScenarioTest } from './compare-scenarios.ts';
import { byKey } from './summarize.ts';
import { describeLatencyMiss, type LatencyMiss, latencyMisses, type LatencyStat } from './latency.ts';
import { isControlVariantId } from '../shared/control-arm.ts';
import { gateRouting, type RoutingGateItem, routingTests } from './routing-gate.ts';
import type { GateComparison, GateReport, GateVerdict, NotComparableReason, NotComparableScenario } from './types.ts';

export interface GateInput {
  current: ScenarioAggregate[];
  /** Absent when there is no baseline yet: thresholds only, every variant × model is `new`. */
  baseline?: ScenarioAggregate[];
  thresholds: Thresholds;
  /** Cells this run set out to measure; 0 when nothing was affected ("nothing to evaluate"). */
  plannedCells: number;
  /** p50 / p95 per variant × model of the run (`latencyStats`), for `thresholds.p95LatencyMs`. */
  latency?: readonly LatencyStat[];
}

const VERDICT_ORDER: Record<GateVerdict, number> = {
  regressed: 0,
  'below-threshold': 1,
  improved: 2,
  inconclusive: 3,
  'not-comparable': 4,
  new: 5,
  unchanged: 6,
};

/** Threshold misses named in the gate's one-line reason; the rest are counted. */
const MISSES_IN_REASON = 3;

const SEP = '\u0000';
const scenarioKey = (s: ScenarioAggregate) => [s.agent, s.variantId, s.model, s.scenarioId].join(SEP);

/**
 * Judge the current run against the baseline.
 *
 * Per variant × model, only scenarios whose scenario hash, assertion-set hash and grader match the
 * baseline are compared (the others are listed as not comparable, never gated); a changed variant
 * hash is exactly what is being compared. The test is exact McNemar over (scenario, repeat) pairs
 * when every compared scenario carries usable per-repeat outcomes on both sides, else Fisher's exact
 * test on the pooled counts. p-values are adjusted across the variant × model comparisons by discrete
 * Holm (`discrete-holm.ts`, issue 24): each comparison counts by the chance its exact test had of a
 * p-value that small, so one that could not give it (no discordant pair, say) counts for nothing. Plain
 * Holm counted every comparison: two unchanged variants turned a 6/6 → 0/6 drop (p = 1/32) into 3/32,
 * and which of them were in the family depended on which files `--changed-since` saw change (a
 * scenario's title edited re-ran it, 1/32 became 2/32), not on what they showed. A comparison whose
 * every compared cell was carried from the baseline (`--changed-since`) re-reads the baseline's own
 * outcomes: its p is 1 by construction, so it is `unchanged`, not tested, and adds nothing either.
 *
 * Routing suites (`routing-gate.ts`): each suite agent's recall and precision is tested too, in the same family
 * (each side's adjustment counts the other's tests); a significant drop or a figure under `thresholds.routing`
 * fails the gate like a regression.
 *
 * Exit codes, in precedence order:
 * - 0 with "nothing to evaluate" when no cell was planned (affected-only run with nothing affected);
 * - 1 when any verdict is `regressed` (a significant drop) or `below-threshold` (an absolute bar of the
 *   config missed, whatever the baseline says: labelled as a miss, not as a regression). This outranks 3:
 *   the regression is evidence from cells that did answer (errors never count as failures), and it
 *   asks the author to fix the change, where 3 only asks for a re-run; re-running first would spend
 *   model calls on a change already known to be worse. The over-budget errors still appear in
 *   `errorBudget` and `reason`, so both problems are visible;
 * - 3 when provider errors / planned cells exceed `thresholds.errorBudget`, or nothing was scored:
 *   a gate that could not measure must not pass as green;
 * - 0 otherwise.
 * @example gateRun({ current, baseline: baseline.cells, thresholds, plannedCells: 40 }).exitCode // 0
 */
export function gateRun(input: GateInput): GateReport {
  const { thresholds, plannedCells } = input;
  const alpha = thresholds.alpha;
  const errorBudget = errorBudgetOf(input);
  if (plannedCells === 0) {
    return {
      exitCode: 0,
      reason: 'nothing to evaluate',
      nothingToEvaluate: true,
      comparisons: [],
      breaches: [],
      notComparable: [],
      errorBudget,
      alpha,
    };
  }
  // The control arm (the bare model) is a reference, not a regression target: it is not compared, not held
  // to the thresholds, and not in the family of tests the correction counts (its cells still count in the
  // error budget: they were planned and paid for).
  const gated = (cells: ScenarioAggregate[]) => cells.filter((s) => !isControlVariantId(s.variantId));
  const judged: GateInput = { ...input, current: gated(input.current), ...(input.baseline ? { baseline: gated(input.baseline) } : {}) };
  // Routing tests and variant × model comparisons are one family: each side's adjustment counts the other's tests.
  const routingFamily = judged.current.some((s) => s.routing) ? routingTests(judged) : [];
  const { comparisons, tests } = compareVariants(judged, routingFamily);
  const routing = routingItems(judged, tests);
  const routingFailed = routing?.filter((i) => i.verdict === 'regressed' || i.verdict === 'below-threshold') ?? [];
  const slow = comparisons.flatMap((c) => c.latencyMisses ?? []);
  const unmeasured = input.thresholds.p95LatencyMs === undefined ? 0 : comparisons.filter((c) => c.latencyUnmeasured).length;
  const breaches = comparisons.flatMap((c) => c.breaches);
  const notComparable = comparisons.flatMap((c) => c.notComparable);
  const regressed = comparisons.filter((c) => c.verdict === 'regressed').length;
  const missing = comparisons.filter((c) => c.breaches.length > 0 || (c.latencyMisses?.length ?? 0) > 0).length;
  const scored = input.current.reduce((sum, s) => sum + s.runs, 0);

  const notes: string[] = [];
  if (regressed > 0) notes.push(`${regressed} variant × model regressed`);
  if (missing > 0) {
    const all = [
      ...breaches.map((b) => `${b.variantId} @ ${b.model} ${describeBreach(b)}`),
      ...slow.map((m) => `${m.variantId} @ ${m.model} ${describeLatencyMiss(m)}`),
    ];
    const named = all.slice(0, MISSES_IN_REASON);
    const more = all.length > MISSES_IN_REASON ? `, +${all.length - MISSES_IN_REASON} more` : '';
    notes.push(`${missing} variant × model below threshold: ${named.join(', ')}${more}`);
  }
  if (errorBudget.exceeded)
    notes.push(
      `provider errors ${pct(errorBudget.rate)} of ${plannedCells} planned cells exceed the budget of ${pct(thresholds.errorBudget)}`,
    );
  if (scored === 0) notes.push('no cell was scored: nothing was measured');
  if (routingFailed.length) notes.push(routingNote(routingFailed));

  // A bar checked on no live latency would pass on nothing: said, not passed silently (and not failed:
  // a replayed run cannot measure latency).
  const unchecked =
    unmeasured > 0
      ? `; p95LatencyMs not checked for ${unmeasured} variant × model: no live answer recorded a latency (replayed, cached or carried)`
      : '';
  const exitCode = regressed > 0 || missing > 0 || routingFailed.length > 0 ? 1 : errorBudget.exceeded || scored === 0 ? 3 : 0;
  const reason =
    (notes.length > 0 ? notes.join('; ') : input.baseline === undefined ? 'no baseline: thresholds met' : 'no regression') + unchecked;
  return {
    exitCode,
    reason,
    nothingToEvaluate: false,
    comparisons,
    breaches,
    notComparable,
    errorBudget,
    alpha,
    ...(routing ? { routing } : {}),
  };
}

/** Routing suites' figures judged, when the run has routing cells. */
function routingItems(input: GateInput, family: DiscreteTest[]): RoutingGateItem[] | undefined {
  if (!input.current.some((s) => s.routing)) return undefined;
  return gateRouting({
    current: input.current,
    ...(input.baseline ? { baseline: input.baseline } : {}),
    alpha: input.thresholds.alpha,
    family,
    ...(input.thresholds.routing ? { thresholds: input.thresholds.routing } : {}),
  });
}

function routingNote(failed: RoutingGateItem[]): string {
  const first = failed[0]!;
  const more = failed.length > 1 ? ` (+${failed.length - 1} more)` : '';
  return `routing ${first.verdict === 'regressed' ? 'regressed' : 'below threshold'}: ${first.suite} with ${first.variantId} @ ${first.model}: ${first.reason}${more}`;
}

/** Provider errors against the planned cells (errors never count as failures, but too many fail the gate). */
function errorBudgetOf(input: GateInput): GateReport['errorBudget'] {
  const errors = input.current.reduce((sum, s) => sum + s.errors, 0);
  const rate = input.plannedCells > 0 ? errors / input.plannedCells : 0;
  return {
    errors,
    plannedCells: input.plannedCells,
    rate,
    budget: input.thresholds.errorBudget,
    exceeded: rate > input.thresholds.errorBudget,
  };
}

/** Each variant × model against its baseline, adjusted (discrete Holm) across every test on new evidence, in verdict order. */
function compareVariants(
  input: GateInput,
  routingFamily: readonly DiscreteTest[],
): { comparisons: GateReport['comparisons']; tests: DiscreteTest[] } {
  const { alpha } = input.thresholds;
  const baselineByKey = new Map((input.baseline ?? []).map((s) => [scenarioKey(s), s]));
  const slow = latencyMisses(input.latency ?? [], input.thresholds.p95LatencyMs);
  const same = (x: { agent: string; variantId: string; model: string }, vm: VariantModelAggregate) =>
    x.agent === vm.agent && x.variantId === vm.variantId && x.model === vm.model;
  const drafts = summarizeAggregates(input.current).map((vm) => ({
    ...draftComparison(vm, baselineByKey, input.baseline !== undefined, input.thresholds),
    latencyMisses: slow.filter((m) => same(m, vm)),
    latencyUnmeasured: vm.passRate.runs > 0 && !(input.latency ?? []).some((l) => same(l, vm)),
  }));
  const tested = drafts.filter((d) => d.stat !== null && !d.carried);
  const tests = tested.map((d) => ({ p: d.stat!.pValue, support: d.support }));
  const adjusted = discreteHolmAdjust([...tests, ...routingFamily]);
  tested.forEach((d, i) => {
    d.stat!.adjustedP = adjusted[i]!;
  });
  // Comparisons whose test could reach alpha at all: the most that can share the level with a settled one.
  const canReach = tested.filter((d) => d.support[0]! <= alpha);
  const comparisons = drafts.map((d) => decide(d, alpha, canReach.length + (canReach.includes(d) ? 0 : 1)));
  const sorted = comparisons.sort(
    (x, y) =>
      VERDICT_ORDER[x.verdict] - VERDICT_ORDER[y.verdict] ||
      byKey(x.agent, y.agent) ||
      byKey(x.variantId, y.variantId) ||
      byKey(x.model, y.model),
  );
  return { comparisons: sorted, tests };
}

interface Draft extends ScenarioTest {
  vm: VariantModelAggregate;
  hasBaseline: boolean;
  variantChanged: boolean;
  /** Every compared cell was carried from the baseline: no new evidence, so no test. */
  carried: boolean;
  /** Scenarios comparable with the baseline. */
  compared: number;
  notComparable: NotComparableScenario[];
  newScenarios: string[];
  breaches: GateComparison['breaches'];
  /** Over `thresholds.p95LatencyMs`. */
  latencyMisses?: LatencyMiss[];
  /** Scored, but no live cell recorded a latency. */
  latencyUnmeasured?: boolean;
}

function draftComparison(
  vm: VariantModelAggregate,
  baselineByKey: Map<string, ScenarioAggregate>,
  baselineGiven: boolean,
  thresholds: Thresholds,
): Draft {
  const pairs: Array<[base: ScenarioAggregate, cur: ScenarioAggregate]> = [];
  const notComparable: NotComparableScenario[] = [];
  const newScenarios: string[] = [];
  for (const cur of vm.scenarios) {
    const base = baselineByKey.get(scenarioKey(cur));
    if (!base) {
      newScenarios.push(cur.scenarioId);
      continue;
    }
    const reasons: NotComparableReason[] = [];
    if (base.scenarioHash !== cur.scenarioHash) reasons.push('scenario-changed');
    if (base.assertionsHash !== cur.assertionsHash) reasons.push('assertions-changed');
    if (base.grader !== cur.grader) reasons.push('grader-changed');
    if (reasons.length > 0)
      notComparable.push({ agent: vm.agent, variantId: vm.variantId, model: vm.model, scenarioId: cur.scenarioId, reasons });
    else pairs.push([base, cur]);
  }
  const hasBaseline = baselineGiven && newScenarios.length < vm.scenarios.length;
  const { stat, support, moreRepeats } = compareScenarios(pairs);
  return {
    vm,
    hasBaseline,
    variantChanged: pairs.some(([base, cur]) => base.variantHash !== cur.variantHash),
    carried: pairs.length > 0 && pairs.every(([, cur]) => (cur.carried ?? 0) >= cur.runs),
    compared: pairs.length,
    stat,
    support,
    moreRepeats,
    notComparable,
    newScenarios: baselineGiven ? newScenarios : [],
    breaches: checkThresholds(vm, thresholds),
  };
}

function decide(d: Draft, alpha: number, sharing: number): GateComparison {
  const { vm, stat } = d;
  let { verdict, reasons, moreRepeats } = verdictOf(d, alpha, sharing);
  const slow = d.latencyMisses ?? [];
  if (d.breaches.length > 0 || slow.length > 0) {
    // A miss is named first and as what it is: the blessed run gated against itself misses the same
    // bars, and calling that a "regression" (of an unchanged prompt) would send the author looking
    // for a change that is not there. A significant drop stays `regressed`, its misses listed too.
    if (verdict !== 'regressed') verdict = 'below-threshold';
    const misses = [
      ...d.breaches.map((b) => `below threshold: ${describeBreach(b)}${b.scope === 'critical' ? '' : ` (${b.passes}/${b.runs})`}`),
      ...slow.map((m) => `over threshold: ${describeLatencyMiss(m)}`),
    ];
    reasons = verdict === 'regressed' ? [...reasons, ...misses] : [...misses, ...reasons];
  }
  return {
    agent: vm.agent,
    variantId: vm.variantId,
    model: vm.model,
    verdict,
    reasons,
    variantChanged: d.variantChanged,
    carried: d.carried,
    current: vm.passRate,
    comparison: stat,
    ...(moreRepeats !== undefined ? { moreRepeats } : {}),
    notComparable: d.notComparable,
    newScenarios: d.newScenarios,
    breaches: d.breaches,
    ...(slow.length ? { latencyMisses: slow } : {}),
    ...(d.latencyUnmeasured ? { latencyUnmeasured: true } : {}),
  };
}

/**
 * The verdict against the baseline alone (thresholds aside), with the reason a reader is given.
 * `sharing`: this comparison and the others whose test could reach alpha at all.
 */
function verdictOf(d: Draft, alpha: number, sharing: number): { verdict: GateVerdict; reasons: string[]; moreRepeats?: number } {
  const { stat } = d;
  if (!d.hasBaseline) return { verdict: 'new', reasons: ['no baseline to compare with'] };
  if (d.carried)
    return {
      verdict: 'unchanged',
      reasons: ['carried from the baseline: not measured again (its variant and scenarios did not change), so not tested'],
    };
  if (!stat) {
    if (d.compared === 0)
      return {
        verdict: 'not-comparable',
        reasons: ['every scenario shared with the baseline changed since (scenario, assertions or grader)'],
      };
    return { verdict: 'inconclusive', reasons: ['no scored cells on one side to compare with the baseline'] };
  }
  const change = `pass rate ${num(stat.baseline.rate)} → ${num(stat.current.rate)} (${signed(stat.diff)}, 95% CI ${interval(stat.diffInterval)}), adjusted p = ${stat.adjustedP.toPrecision(2)}`;
  if (stat.adjustedP < alpha)
    return {
      verdict: stat.diff < 0 ? 'regressed' : 'improved',
      reasons: [change + (d.variantChanged ? '' : '; the prompt did not change (model or provider drift?)')],
    };
  if (stat.diff === 0 || !d.variantChanged)
    return {
      verdict: 'unchanged',
      reasons: [d.variantChanged ? `no difference observed: ${change}` : `prompt unchanged, no significant difference: ${change}`],
    };
  // Settle at alpha / (comparisons that could reach alpha, this one included): with each of them adding
  // at most p, discrete Holm's first step then rejects, so the estimate errs high. Comparisons that could
  // not reach alpha add nothing below it, so they do not move the estimate.
  const moreRepeats = d.moreRepeats(alpha / Math.max(1, sharing));
  const settle =
    moreRepeats !== undefined
      ? `about ${moreRepeats} more repeat${moreRepeats === 1 ? '' : 's'} per scenario would settle it`
      : 'no practical number of repeats would settle it';
  return { verdict: 'inconclusive', reasons: [`${change}; ${settle}`], moreRepeats };
}

const num = (x: number | null) => (x === null ? '–' : x.toFixed(2));
const signed = (x: number) => (x > 0 ? '+' : x < 0 ? '−' : '±') + Math.abs(x).toFixed(2);
const interval = (i: { low: number; high: number } | null) => (i ? `${signed(i.low)}..${signed(i.high)}` : '–');
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
