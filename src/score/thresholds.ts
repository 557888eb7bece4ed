/**
 * Absolute bars from the eval config's `thresholds`, checked against one variant × model. Pure.
 */
import type { Thresholds } from '../schema/eval-config.ts';
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import { summarizeAggregates, type VariantModelAggregate } from './aggregate-results.ts';
import { wilsonInterval } from './stats.ts';
import { isControlVariantId } from '../shared/control-arm.ts';
import type { BreachScope, ThresholdBreach } from './types.ts';

/** Guards against 0.7 vs 7/10 style float noise: a rate equal to its bar meets it. */
const EPS = 1e-12;

/**
 * Every threshold this variant × model misses, on point estimates (the interval is attached for the
 * report). The variant × model bar is the most specific one set: `variants[id]`, else `agents[name]`,
 * else `passRate`. Scenario bars apply per scenario on top. With `criticalMustPass`, each critical
 * assertion that failed in any scored cell is a breach. Nothing scored → nothing to breach (the error
 * budget covers a run that could not measure).
 * @example checkThresholds(vm, { passRate: 0.8, errorBudget: 0.1, alpha: 0.05 })
 */
export function checkThresholds(vm: VariantModelAggregate, thresholds: Thresholds): ThresholdBreach[] {
  const breaches: ThresholdBreach[] = [];
  const at = { agent: vm.agent, variantId: vm.variantId, model: vm.model };
  const below = (passes: number, runs: number, bar: number) => runs > 0 && passes / runs < bar - EPS;
  const breach = (
    scope: BreachScope,
    passes: number,
    runs: number,
    threshold: number,
    where: { scenarioId?: string; assertionId?: string } = {},
  ) => breaches.push({ scope, ...at, ...where, runs, passes, rate: passes / runs, threshold, interval: wilsonInterval(passes, runs) });

  const bar = barFor(vm, thresholds);
  if (bar && below(vm.passRate.passed, vm.passRate.runs, bar.threshold))
    breach(bar.scope, vm.passRate.passed, vm.passRate.runs, bar.threshold);

  for (const s of vm.scenarios) {
    const scenarioBar = thresholds.scenarios?.[s.scenarioId];
    if (scenarioBar !== undefined && below(s.passes, s.runs, scenarioBar))
      breach('scenario', s.passes, s.runs, scenarioBar, { scenarioId: s.scenarioId });
    if (!thresholds.criticalMustPass) continue;
    for (const [assertionId, a] of Object.entries(s.assertions)) {
      if (a.critical && below(a.passes, a.runs, 1)) breach('critical', a.passes, a.runs, 1, { scenarioId: s.scenarioId, assertionId });
    }
  }
  return breaches;
}

function barFor(vm: VariantModelAggregate, t: Thresholds): { scope: BreachScope; threshold: number } | undefined {
  const variant = t.variants?.[vm.variantId];
  if (variant !== undefined) return { scope: 'variant', threshold: variant };
  const agent = t.agents?.[vm.agent];
  if (agent !== undefined) return { scope: 'agent', threshold: agent };
  if (t.passRate !== undefined) return { scope: 'passRate', threshold: t.passRate };
  return undefined;
}

/**
 * Every threshold a run's aggregates miss, per variant × model in key order: what `gate` judges, for
 * callers that only want to say which bars were missed (e.g. `eval` without `--ci`).
 * @example findThresholdMisses(aggregateRun(results), config.thresholds).length // 0 when every bar is met
 */
export function findThresholdMisses(cells: readonly ScenarioAggregate[], thresholds: Thresholds): ThresholdBreach[] {
  // The control arm (the bare model) is held to no bar, as in the gate.
  const gated = cells.filter((c) => !isControlVariantId(c.variantId));
  return summarizeAggregates(gated).flatMap((vm) => checkThresholds(vm, thresholds));
}

/**
 * The missed bar in the config's own words, without the variant × model: `passRate 7% < 50%`,
 * `agents.reviewer 40% < 60%`, `scenarios.refund 25% < 50%`, `criticalMustPass refund / no-secrets passed 3 of 4 times`.
 */
export function describeBreach(b: ThresholdBreach): string {
  if (b.scope === 'critical') return `criticalMustPass ${b.scenarioId} / ${b.assertionId} passed ${b.passes} of ${b.runs} times`;
  const key =
    b.scope === 'passRate'
      ? 'passRate'
      : b.scope === 'agent'
        ? `agents.${b.agent}`
        : b.scope === 'variant'
          ? `variants.${b.variantId}`
          : `scenarios.${b.scenarioId}`;
  const [rate, bar] = percents(b.rate, b.threshold);
  return `${key} ${rate} < ${bar}`;
}

/** Two rates as whole percentages, with more digits only where rounding would make them look equal. */
function percents(rate: number, bar: number): [string, string] {
  for (let digits = 0; digits < 4; digits++) {
    const r = (rate * 100).toFixed(digits);
    const b = (bar * 100).toFixed(digits);
    if (r !== b) return [`${r}%`, `${b}%`];
  }
  return [`${(rate * 100).toFixed(4)}%`, `${(bar * 100).toFixed(4)}%`];
}
