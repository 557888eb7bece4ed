/**
 * One run's results → the numbers behind the reports: per variant × model rates with intervals,
 * paired comparisons between variants, flaky assertions. Pure.
 */
import { isScored, type CellVerdict } from '../schema/result.ts';
import { bootstrapMeanInterval, hashSeed, holmAdjust, mcnemarExactP, mean, newcombePairedDiffInterval } from './stats.ts';
import { moreRepeatsPaired } from './more-repeats.ts';
import { nearestRank } from './latency.ts';
import { compareWithControl } from './control.ts';
import { isControlVariantId } from '../shared/control-arm.ts';
import { rateOf } from './rate.ts';
import type { CellCounts, FlakyAssertion, PairwiseComparison, RunSummary, SourceCounts, VariantModelSummary } from './types.ts';

/** Stable string order for keys (locale-independent). */
export function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Items grouped by key, groups and items in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const SEP = '\u0000';

/**
 * Summarize one run: per variant × model counts and rates, pairwise comparisons between variants of
 * the same agent on the same model, and flaky assertions. Deterministic for the same results in any
 * order (groups are sorted by key; bootstrap seeds come from the group key).
 * @example summarizeRun('2025-01-01T00-00-00Z', results).variants[0]?.passRate.rate // 0.8
 */
export function summarizeRun(runId: string, results: CellVerdict[], opts: { alpha?: number } = {}): RunSummary {
  const alpha = opts.alpha ?? 0.05;
  const groups = groupBy(results, (r) => [r.agent, r.variantId, r.model].join(SEP));
  const keys = [...groups.keys()].sort(byKey);
  const variants = keys.map((key) => summarizeVariantModel(key, groups.get(key)!));
  // The control arm is compared with each variant apart (its own family), never in the variants' pairs.
  const control = compareWithControl(results, alpha);
  return {
    runId,
    variants,
    pairwise: comparePairs(
      results.filter((r) => !isControlVariantId(r.variantId)),
      alpha,
    ),
    flaky: findFlakyAssertions(results),
    sources: countSources(results),
    ...(control.length ? { control } : {}),
  };
}

/**
 * Answered or attempted cells (not `not-run` / `not-recorded`) by source; a result without one counts
 * as live (results written before sources were recorded).
 * @example countSources(results).cache // 180
 */
export function countSources(results: readonly CellVerdict[]): SourceCounts {
  const counts: SourceCounts = { live: 0, cache: 0, replay: 0, baseline: 0 };
  for (const r of results) if (r.status !== 'not-run' && r.status !== 'not-recorded') counts[r.source ?? 'live']++;
  return counts;
}

function summarizeVariantModel(key: string, group: CellVerdict[]): VariantModelSummary {
  // A fixed order makes float sums and the bootstrap's draws independent of result order.
  const cells = [...group].sort((a, b) => byKey(a.scenarioId, b.scenarioId) || a.repeat - b.repeat);
  const first = cells[0]!;
  const scored = cells.filter((c) => isScored(c.status));
  const counts: CellCounts = {
    total: cells.length,
    run: scored.length,
    passed: scored.filter((c) => c.status === 'pass').length,
    failed: scored.filter((c) => c.status === 'fail').length,
    errors: cells.filter((c) => c.status === 'error').length,
    notRun: cells.filter((c) => c.status === 'not-run').length,
    notRecorded: cells.filter((c) => c.status === 'not-recorded').length,
  };
  const scores = scored.map((c) => c.score);

  const scenarios = [...groupBy(scored, (c) => c.scenarioId)]
    .sort(([a], [b]) => byKey(a, b))
    .map(([scenarioId, list]) => ({ scenarioId, ...rateOf(list.filter((c) => c.status === 'pass').length, list.length) }));

  const outcomes = scored.flatMap((c) => judged(c).map((a) => ({ scenarioId: c.scenarioId, assertionId: a.id, pass: a.pass })));
  const assertions = [...groupBy(outcomes, (o) => o.scenarioId + SEP + o.assertionId)]
    .sort(([a], [b]) => byKey(a, b))
    .map(([, list]) => ({
      scenarioId: list[0]!.scenarioId,
      assertionId: list[0]!.assertionId,
      ...rateOf(list.filter((o) => o.pass).length, list.length),
    }));

  // Latency of answered cells only: an error's latency is mostly a timeout and would skew p95.
  const latencies = scored.flatMap((c) => (c.latencyMs === undefined ? [] : [c.latencyMs]));
  // Tokens and cost over every cell that reports them: failed calls are paid for too.
  const tokens = { prompt: 0, completion: 0, total: 0 };
  let cost = 0;
  for (const c of cells) {
    if (c.tokens) {
      tokens.prompt += c.tokens.prompt;
      tokens.completion += c.tokens.completion;
      tokens.total += c.tokens.total;
    }
    cost += c.cost ?? 0;
  }

  return {
    agent: first.agent,
    variantId: first.variantId,
    model: first.model,
    counts,
    passRate: rateOf(counts.passed, counts.run),
    meanScore: { mean: mean(scores), interval: bootstrapMeanInterval(scores, { seed: hashSeed(key) }) },
    scenarios,
    assertions,
    // Nearest rank, as every latency figure of the reports (`latency.ts`).
    latencyMs: latencies.length > 0 ? { p50: nearestRank(latencies, 0.5)!, p95: nearestRank(latencies, 0.95)! } : null,
    tokens,
    cost,
  };
}

/** Assertions that were actually judged: a grader failure is not the agent's pass or fail. */
function judged(cell: CellVerdict) {
  return cell.assertions.filter((a) => !a.gradingError);
}

/**
 * Every pair of variants of the same agent on the same model (a before b in id order), paired by
 * (scenario, repeat) over cells both scored. Exact McNemar per pair; Holm across all pairs of the run.
 */
function comparePairs(results: CellVerdict[], alpha: number): PairwiseComparison[] {
  const scored = results.filter((r) => isScored(r.status));
  const byAgentModel = groupBy(scored, (r) => r.agent + SEP + r.model);
  const raw: Array<Omit<PairwiseComparison, 'adjustedP' | 'verdict' | 'moreRepeats'> & { perScenario: number }> = [];

  for (const key of [...byAgentModel.keys()].sort(byKey)) {
    const cells = byAgentModel.get(key)!;
    const byVariant = groupBy(cells, (c) => c.variantId);
    const ids = [...byVariant.keys()].sort(byKey);
    const outcome = new Map(
      ids.map((id) => [id, new Map(byVariant.get(id)!.map((c) => [c.scenarioId + SEP + c.repeat, c.status === 'pass']))]),
    );
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const pair = pairOutcomes(outcome.get(ids[i]!)!, outcome.get(ids[j]!)!);
        raw.push({ agent: cells[0]!.agent, model: cells[0]!.model, a: ids[i]!, b: ids[j]!, ...pair });
      }
    }
  }

  // Pairs that share no scored (scenario, repeat) test nothing and do not count towards Holm's m.
  const tested = raw.filter((r) => r.pairs > 0);
  const adjusted = new Map(holmAdjust(tested.map((r) => r.pValue)).map((p, i) => [tested[i]!, p]));
  return raw.map((entry): PairwiseComparison => {
    const { perScenario, ...r } = entry;
    const adjustedP = adjusted.get(entry) ?? 1;
    if (adjustedP < alpha) return { ...r, adjustedP, verdict: r.bOnly > r.aOnly ? 'better' : 'worse' };
    // Holm's strictest step tests at alpha / m: settling there settles whatever this pair's rank.
    const moreRepeats = moreRepeatsPaired({
      firstOnly: r.aOnly,
      secondOnly: r.bOnly,
      repeats: perScenario,
      alpha: alpha / Math.max(1, tested.length),
    });
    return { ...r, adjustedP, verdict: 'inconclusive', ...(moreRepeats !== undefined ? { moreRepeats } : {}) };
  });
}

/** Two variants' outcomes paired by (scenario, repeat): the discordant counts, McNemar's p, the difference b − a. */
function pairOutcomes(a: Map<string, boolean>, b: Map<string, boolean>) {
  const t = { both: 0, firstOnly: 0, secondOnly: 0, neither: 0 };
  const scenarios = new Set<string>();
  for (const [pairKey, aPass] of a) {
    const bPass = b.get(pairKey);
    if (bPass === undefined) continue;
    scenarios.add(pairKey.slice(0, pairKey.indexOf(SEP)));
    if (aPass && bPass) t.both++;
    else if (aPass) t.firstOnly++;
    else if (bPass) t.secondOnly++;
    else t.neither++;
  }
  const pairs = t.both + t.firstOnly + t.secondOnly + t.neither;
  const interval = newcombePairedDiffInterval(t);
  return {
    pairs,
    aOnly: t.firstOnly,
    bOnly: t.secondOnly,
    diff: pairs > 0 ? (t.secondOnly - t.firstOnly) / pairs : 0,
    ...(interval ? { diffInterval: interval } : {}),
    pValue: mcnemarExactP(t.firstOnly, t.secondOnly),
    perScenario: scenarios.size > 0 ? pairs / scenarios.size : 0,
  };
}

/**
 * Assertions whose outcome disagrees across repeats of the same cell (variant × model × scenario),
 * most flaky first: by flakiness, then by number of repeats (more evidence first), then by key.
 */
export function findFlakyAssertions(results: CellVerdict[]): FlakyAssertion[] {
  const outcomes = results
    .filter((r) => isScored(r.status))
    .flatMap((r) =>
      judged(r).map((a) => ({ variantId: r.variantId, model: r.model, scenarioId: r.scenarioId, assertionId: a.id, pass: a.pass })),
    );
  const flaky: Array<FlakyAssertion & { key: string }> = [];
  for (const [key, list] of groupBy(outcomes, (o) => [o.variantId, o.model, o.scenarioId, o.assertionId].join(SEP))) {
    const passes = list.filter((o) => o.pass).length;
    const repeats = list.length;
    if (passes === 0 || passes === repeats) continue;
    const { variantId, model, scenarioId, assertionId } = list[0]!;
    flaky.push({
      key,
      variantId,
      model,
      scenarioId,
      assertionId,
      repeats,
      passes,
      flakiness: (2 * Math.min(passes, repeats - passes)) / repeats,
    });
  }
  return flaky.sort((x, y) => y.flakiness - x.flakiness || y.repeats - x.repeats || byKey(x.key, y.key)).map(({ key: _key, ...f }) => f);
}
