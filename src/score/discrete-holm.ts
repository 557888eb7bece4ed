/**
 * The gate's correction for testing many variant × model comparisons at once (issue 24): the discrete
 * Holm step-down procedure (Döhler 2010; Zhu & Guo 2019; R's `DiscreteFWER::DHolm`). Pure.
 *
 * Holm multiplies the k-th smallest p-value by the number of comparisons not yet rejected, as if each
 * could produce any p-value. An exact test on few pairs cannot: with no discordant pair McNemar's p is
 * 1 whatever happens, with five it is never below 0.0625. Discrete Holm replaces "the number of
 * comparisons" by the sum, over those comparisons, of the chance each had under no change of giving a
 * p-value at least this small: a comparison that could not have given one adds nothing, and none can
 * add more than Holm's 1 × p. It controls the family-wise error rate under any dependence, for the same
 * reason Holm does (closed testing with a Bonferroni-type test: P(any false rejection) ≤ Σ P(p_j ≤ t)),
 * rejects everything Holm and Tarone–Holm (Hommel & Krummenauer 1998) reject, and, unlike Tarone's
 * method, its adjusted p-values do not depend on the level they are compared with.
 */
import { binomialPmf, logChoose, REL_EPS } from './stats.ts';

/** A discrete test's observed p-value and every p-value it could have given under its null, ascending, ending at 1. */
export interface DiscreteTest {
  p: number;
  support: readonly number[];
}

/**
 * The p-values the exact McNemar test can give with `discordant` discordant pairs, however they split:
 * 2·P(X ≤ k) for X ~ Binomial(n, ½) and k < n/2, then 1. Its first entry is the smallest attainable p.
 * Each one is also the probability, under no change, of a p-value at most that small.
 * @example mcnemarSupport(6) // [0.03125, 0.21875, 0.6875, 1]
 */
export function mcnemarSupport(discordant: number): number[] {
  const out: number[] = [];
  let cdf = 0;
  for (let k = 0; 2 * k < discordant; k++) {
    cdf += binomialPmf(k, discordant, 0.5);
    if (2 * cdf >= 1 - REL_EPS) break;
    // Far tails of very many pairs underflow to 0: one 0 is enough.
    if (out.at(-1) !== 2 * cdf) out.push(2 * cdf);
  }
  out.push(1);
  return out;
}

/**
 * The p-values Fisher's exact test (two-sided, minimum likelihood, as `fisherExactP`) can give for
 * tables with group sizes n1, n2 and `successes` passes in all, ascending, ending at 1.
 * @example fisherSupport(3, 3, 3) // [0.1, 1]
 */
export function fisherSupport(n1: number, n2: number, successes: number): number[] {
  if (n1 <= 0 || n2 <= 0) return [1];
  const logDenom = logChoose(n1 + n2, successes);
  const pmfs: number[] = [];
  for (let k = Math.max(0, successes - n2); k <= Math.min(n1, successes); k++)
    pmfs.push(Math.exp(logChoose(n1, k) + logChoose(n2, successes - k) - logDenom));
  pmfs.sort((a, b) => a - b);
  // A table's p is the total probability of the tables no more likely than it: a prefix of `pmfs`.
  const out: number[] = [];
  let total = 0;
  let end = 0;
  for (const level of pmfs) {
    while (end < pmfs.length && pmfs[end]! <= level * (1 + REL_EPS)) total += pmfs[end++]!;
    if (total >= 1 - REL_EPS) break;
    if (out.at(-1) !== total) out.push(total);
  }
  out.push(1);
  return out;
}

/**
 * Discrete Holm adjusted p-values, in the input order; reject where adjusted < alpha (or ≤, the
 * procedure allows both). Sort the p-values ascending; the k-th adjusted value is the largest, over
 * steps up to k, of the sum over the tests from that step on of P(p_j ≤ p_(step)), capped at 1. Ties
 * in p sum over the same tests whichever comes first, so the result does not depend on input order.
 * @example
 * // 6/6 → 0/6 beside two comparisons with no discordant pair: they cannot reach 1/32, so it stays 1/32.
 * discreteHolmAdjust([{ p: 1 / 32, support: mcnemarSupport(6) }, { p: 1, support: [1] }, { p: 1, support: [1] }]) // [0.03125, 1, 1]
 */
export function discreteHolmAdjust(tests: readonly DiscreteTest[]): number[] {
  const order = tests.map((t, i) => ({ p: t.p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const adjusted: number[] = new Array(tests.length);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    let sum = 0;
    for (let r = rank; r < order.length && sum < 1; r++) sum += nullCdf(tests[order[r]!.i]!.support, p);
    running = Math.max(running, Math.min(1, sum));
    adjusted[i] = running;
  });
  return adjusted;
}

/**
 * P(p ≤ x) under the test's null: the largest attainable p-value not above x (an exact test's p-value
 * is the probability of an outcome at least as extreme), 0 when none is. An attainable value equal to x
 * up to rounding (REL_EPS) gives x itself, so equal p-values count equally whichever test gave them.
 */
export function nullCdf(support: readonly number[], x: number): number {
  let lo = 0;
  let hi = support.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (support[mid]! <= x * (1 + REL_EPS)) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return 0;
  const attained = support[lo - 1]!;
  return attained >= x * (1 - REL_EPS) ? x : attained;
}
