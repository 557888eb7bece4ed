/**
 * "How many more repeats would settle it?" for inconclusive comparisons. Pure.
 */
import { fisherExactP, mcnemarExactP } from './stats.ts';

/** Beyond this many extra repeats per scenario we say no practical number would settle it. */
export const MAX_MORE_REPEATS = 1000;

/**
 * Roughly how many more repeats per scenario would settle an inconclusive paired comparison.
 *
 * Method: assume the observed rates hold. Adding `e` repeats to the `repeats` already run scales every
 * count by (repeats + e) / repeats; the discordant pairs grow in proportion and keep their observed
 * split. Return the smallest `e` at which the exact McNemar test on the scaled counts falls below
 * `alpha`. `undefined` when the difference is 0 (no number of repeats would settle it) or when more
 * than {@link MAX_MORE_REPEATS} would be needed. Callers that correct for multiple comparisons pass
 * the strictest level they will test at (Holm: alpha / m; the gate's discrete Holm: alpha / the number
 * of comparisons whose test could reach alpha at all), so the estimate errs on the high side.
 * Pairs need both sides: for the gate the repeats go to the baseline too (raise `repeats`, bless again).
 * @example moreRepeatsPaired({ firstOnly: 1, secondOnly: 4, repeats: 3, alpha: 0.05 }) // 4
 */
export function moreRepeatsPaired(o: { firstOnly: number; secondOnly: number; repeats: number; alpha: number }): number | undefined {
  const discordant = o.firstOnly + o.secondOnly;
  if (o.firstOnly === o.secondOnly || o.repeats <= 0) return undefined;
  const majorShare = Math.max(o.firstOnly, o.secondOnly) / discordant;
  return searchSmallest((e) => {
    const scale = (o.repeats + e) / o.repeats;
    const d = Math.round(discordant * scale);
    const major = Math.round(d * majorShare);
    return mcnemarExactP(d - major, major) < o.alpha;
  });
}

/**
 * Like {@link moreRepeatsPaired} for an unpaired comparison: both groups grow by (repeats + e) / repeats
 * at their observed pass rates until Fisher's exact test falls below `alpha`.
 */
export function moreRepeatsUnpaired(o: {
  x1: number;
  n1: number;
  x2: number;
  n2: number;
  repeats: number;
  alpha: number;
}): number | undefined {
  if (o.n1 <= 0 || o.n2 <= 0 || o.repeats <= 0 || o.x1 / o.n1 === o.x2 / o.n2) return undefined;
  return searchSmallest((e) => {
    const scale = (o.repeats + e) / o.repeats;
    const n1 = Math.round(o.n1 * scale);
    const n2 = Math.round(o.n2 * scale);
    return fisherExactP(Math.round((o.x1 / o.n1) * n1), n1, Math.round((o.x2 / o.n2) * n2), n2) < o.alpha;
  });
}

/**
 * Smallest e in 1..max with `settles(e)`, by doubling then bisection; `undefined` when even `max` does not
 * settle. The tests it serves are monotone in e up to rounding, which is all "roughly how many" needs.
 * @example searchSmallest((e) => e * e >= 10) // 4
 */
export function searchSmallest(settles: (e: number) => boolean, max = MAX_MORE_REPEATS): number | undefined {
  let hi = 1;
  while (!settles(hi)) {
    if (hi >= max) return undefined;
    hi = Math.min(max, hi * 2);
  }
  let lo = Math.floor(hi / 2);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (settles(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
