/**
 * The statistical test behind one gate comparison (see `gateRun`): the baseline's scenarios against the
 * current run's, paired by repeat (exact McNemar) where every scenario's outcomes allow it, else pooled
 * (Fisher's exact test), with every p-value the test could have given for the family correction. Pure.
 */
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import { fisherSupport, mcnemarSupport } from './discrete-holm.ts';
import { moreRepeatsPaired, moreRepeatsUnpaired } from './more-repeats.ts';
import { fisherExactP, mcnemarExactP, newcombeDiffInterval, newcombePairedDiffInterval } from './stats.ts';
import { rateOf } from './rate.ts';
import type { GateStatComparison } from './types.ts';

/** A comparison's test: its statistics, the p-values it could have given, and the repeats that would settle it. */
export interface ScenarioTest {
  /** `null` when there is nothing to compare (no comparable scenario, or nothing scored on one side). */
  stat: GateStatComparison | null;
  /** Every p-value the test could have given under no change, ascending, ending at 1 (see `discrete-holm.ts`). */
  support: readonly number[];
  /** Extra repeats per scenario, given the level to settle at. */
  moreRepeats: (level: number) => number | undefined;
}

/** Whether the per-repeat letters agree with the counts, so pairing by repeat is trustworthy. */
function hasUsableOutcomes(s: ScenarioAggregate): boolean {
  let p = 0;
  let f = 0;
  for (const ch of s.outcomes) {
    if (ch === 'P') p++;
    else if (ch === 'F') f++;
  }
  return p === s.passes && p + f === s.runs;
}

/** The paired test (McNemar over repeats) when every scenario's outcomes allow pairing, else Fisher's on pooled counts. */
export function compareScenarios(pairs: Array<[ScenarioAggregate, ScenarioAggregate]>): ScenarioTest {
  const none = { stat: null, support: [1], moreRepeats: () => undefined };
  if (pairs.length === 0) return none;
  if (pairs.every(([b, c]) => hasUsableOutcomes(b) && hasUsableOutcomes(c))) {
    const paired = pairedComparison(pairs);
    if (paired) return paired;
  }
  return unpairedComparison(pairs) ?? none;
}

/** Repeat i of the baseline against repeat i now, over every scenario: McNemar's exact test on the discordant pairs. */
function pairedComparison(pairs: Array<[ScenarioAggregate, ScenarioAggregate]>): ScenarioTest | undefined {
  const t = { both: 0, firstOnly: 0, secondOnly: 0, neither: 0 };
  let pairedScenarios = 0;
  for (const [b, c] of pairs) {
    let any = false;
    for (let i = 0; i < Math.min(b.outcomes.length, c.outcomes.length); i++) {
      const bp = b.outcomes[i];
      const cp = c.outcomes[i];
      if ((bp !== 'P' && bp !== 'F') || (cp !== 'P' && cp !== 'F')) continue;
      any = true;
      if (bp === 'P' && cp === 'P') t.both++;
      else if (bp === 'P') t.firstOnly++;
      else if (cp === 'P') t.secondOnly++;
      else t.neither++;
    }
    if (any) pairedScenarios++;
  }
  const n = t.both + t.firstOnly + t.secondOnly + t.neither;
  if (n === 0) return undefined;
  // Conditional on the number of discordant pairs, as the exact test is.
  const support = mcnemarSupport(t.firstOnly + t.secondOnly);
  const stat: GateStatComparison = {
    test: 'mcnemar-exact',
    baseline: rateOf(t.both + t.firstOnly, n),
    current: rateOf(t.both + t.secondOnly, n),
    pairs: n,
    baselineOnly: t.firstOnly,
    currentOnly: t.secondOnly,
    diff: (t.secondOnly - t.firstOnly) / n,
    diffInterval: newcombePairedDiffInterval(t),
    pValue: mcnemarExactP(t.firstOnly, t.secondOnly),
    minAttainableP: support[0]!,
    adjustedP: 1,
    comparedScenarios: pairs.length,
  };
  const repeats = n / pairedScenarios;
  return {
    stat,
    support,
    moreRepeats: (level) => moreRepeatsPaired({ firstOnly: t.firstOnly, secondOnly: t.secondOnly, repeats, alpha: level }),
  };
}

/** Pooled counts over the comparable scenarios: Fisher's exact test. */
function unpairedComparison(pairs: Array<[ScenarioAggregate, ScenarioAggregate]>): ScenarioTest | undefined {
  let x1 = 0,
    n1 = 0,
    x2 = 0,
    n2 = 0;
  for (const [b, c] of pairs) {
    x1 += b.passes;
    n1 += b.runs;
    x2 += c.passes;
    n2 += c.runs;
  }
  if (n1 === 0 || n2 === 0) return undefined;
  // Conditional on the margins (group sizes and passes in all), as Fisher's test is.
  const support = fisherSupport(n1, n2, x1 + x2);
  const stat: GateStatComparison = {
    test: 'fisher-exact',
    baseline: rateOf(x1, n1),
    current: rateOf(x2, n2),
    diff: x2 / n2 - x1 / n1,
    diffInterval: newcombeDiffInterval(x1, n1, x2, n2),
    pValue: fisherExactP(x1, n1, x2, n2),
    minAttainableP: support[0]!,
    adjustedP: 1,
    comparedScenarios: pairs.length,
  };
  const repeats = n2 / pairs.length;
  return { stat, support, moreRepeats: (level) => moreRepeatsUnpaired({ x1, n1, x2, n2, repeats, alpha: level }) };
}
