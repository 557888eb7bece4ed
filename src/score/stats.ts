/**
 * Small, exact statistics for pass/fail data. Pure: no I/O, no clock, no `Math.random` — every random
 * draw comes from a seeded generator so reports and tests are reproducible.
 */
import type { Interval } from './types.ts';

/** The 97.5% standard normal quantile: two-sided 95% intervals. */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval for a binomial proportion (95% by default). `null` when nothing was observed.
 * Unlike the Wald interval it stays inside 0..1 and is honest at 0/n and n/n.
 * @example wilsonInterval(5, 10) // { low: 0.2366, high: 0.7634 }
 */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // Exact ends at 0/n and n/n, where rounding would otherwise leave 0.9999999999999999.
  return { low: successes <= 0 ? 0 : clamp01(centre - half), high: successes >= n ? 1 : clamp01(centre + half) };
}

/**
 * A deterministic uniform generator on [0, 1) (mulberry32). Same seed → same sequence everywhere.
 * @example const rng = createRng(42); rng(); // 0.6011...
 */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit FNV-1a hash of a string: turns a stable key into a bootstrap seed. */
export function hashSeed(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Percentile bootstrap 95% interval of the mean, drawn with a seeded generator (reproducible).
 * `null` for no values. A single value or identical values give a zero-width interval.
 * @example bootstrapMeanInterval([0.2, 0.9, 1], { seed: 7 })
 */
export function bootstrapMeanInterval(
  values: readonly number[],
  opts: { resamples?: number; seed?: number; level?: number } = {},
): Interval | null {
  const n = values.length;
  if (n === 0) return null;
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const rng = createRng(opts.seed ?? 1);
  const means: number[] = new Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(rng() * n)]!;
    means[r] = sum / n;
  }
  means.sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  // A resampled mean lies within the data's range; clamping only removes summation rounding.
  const lo = values.reduce((m, v) => Math.min(m, v), Infinity);
  const hi = values.reduce((m, v) => Math.max(m, v), -Infinity);
  const clamp = (x: number) => Math.min(hi, Math.max(lo, x));
  return { low: clamp(quantileSorted(means, tail)), high: clamp(quantileSorted(means, 1 - tail)) };
}

/**
 * The q-quantile (0..1) with linear interpolation between order statistics (R type 7, numpy default).
 * `null` for no values.
 * @example percentile([1, 2, 3, 4], 0.5) // 2.5
 */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  return quantileSorted(
    [...values].sort((x, y) => x - y),
    q,
  );
}

function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  return a + (sorted[hi]! - a) * (pos - lo);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7): about 15 significant digits, enough for exact tests. */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const xm = x - 1;
  let a = c[0]!;
  const t = xm + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (xm + i);
  return 0.5 * Math.log(2 * Math.PI) + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln C(n, k). */
export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** P(X = k) for X ~ Binomial(n, p). */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log(1 - p));
}

/** Relative slack when comparing point probabilities (and p-values), as R's `binom.test` / `fisher.test` do. */
export const REL_EPS = 1e-7;

/**
 * Exact two-sided binomial test: the probability, under Binomial(n, p), of an outcome no more likely
 * than `k` (the "minimum likelihood" definition used by R's `binom.test`).
 * @example binomialTwoSidedP(1, 10) // 0.0215
 */
export function binomialTwoSidedP(k: number, n: number, p = 0.5): number {
  if (n <= 0) return 1;
  const observed = binomialPmf(k, n, p);
  let total = 0;
  for (let i = 0; i <= n; i++) {
    const pi = binomialPmf(i, n, p);
    if (pi <= observed * (1 + REL_EPS)) total += pi;
  }
  return Math.min(1, total);
}

/**
 * Exact two-sided McNemar test from the discordant counts of a paired comparison: b pairs where only
 * the first passed, c pairs where only the second did. Under no difference, b ~ Binomial(b + c, ½).
 * Concordant pairs carry no information about the difference and do not enter. 1 when b + c = 0.
 * @example mcnemarExactP(1, 9) // 0.0215
 */
export function mcnemarExactP(b: number, c: number): number {
  const n = b + c;
  const k = Math.min(b, c);
  if (2 * k >= n) return 1;
  // Symmetric null: p = 2·P(X ≤ k). Summed from k down, where terms shrink, stopping once they no
  // longer change the total — keeps large counts (the more-repeats search) cheap.
  let tail = 0;
  for (let i = k; i >= 0; i--) {
    const term = binomialPmf(i, n, 0.5);
    tail += term;
    if (term < tail * 1e-17) break;
  }
  return Math.min(1, 2 * tail);
}

/**
 * Fisher's exact two-sided test for two independent proportions x1/n1 vs x2/n2: the probability,
 * with all margins fixed, of a table no more likely than the observed one. 1 when either group is empty.
 * @example fisherExactP(3, 4, 1, 4) // 0.4857
 */
export function fisherExactP(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 1;
  const successes = x1 + x2;
  const n = n1 + n2;
  const logDenom = logChoose(n, successes);
  const pmf = (k: number) => Math.exp(logChoose(n1, k) + logChoose(n2, successes - k) - logDenom);
  const observed = pmf(x1);
  let total = 0;
  for (let k = Math.max(0, successes - n2); k <= Math.min(n1, successes); k++) {
    const pk = pmf(k);
    if (pk <= observed * (1 + REL_EPS)) total += pk;
  }
  return Math.min(1, total);
}

/**
 * Holm's step-down adjustment for multiple comparisons (controls the family-wise error rate).
 * Returns adjusted p-values in the input order; reject where adjusted < alpha.
 * @example holmAdjust([0.01, 0.04, 0.03, 0.005]) // [0.03, 0.06, 0.06, 0.02]
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const adjusted: number[] = new Array(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/**
 * 95% interval for the difference of two independent proportions x2/n2 − x1/n1 (Newcombe's hybrid
 * score method 10, built from the two Wilson intervals). `null` when either group is empty.
 * @example newcombeDiffInterval(48, 80, 56, 70) // { low: 0.0524, high: 0.3339 }
 */
export function newcombeDiffInterval(x1: number, n1: number, x2: number, n2: number): Interval | null {
  const w1 = wilsonInterval(x1, n1);
  const w2 = wilsonInterval(x2, n2);
  if (!w1 || !w2) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const d = p2 - p1;
  return {
    low: Math.max(-1, d - Math.hypot(p2 - w2.low, w1.high - p1)),
    high: Math.min(1, d + Math.hypot(w2.high - p2, p1 - w1.low)),
  };
}

/**
 * 95% interval for a paired difference of proportions, second minus first (Newcombe 1998, method 10
 * for paired data: the two marginal Wilson intervals combined with the phi correlation of the pairs).
 * @example newcombePairedDiffInterval({ both: 14, firstOnly: 5, secondOnly: 0, neither: 22 }) // { low: -0.2265, high: -0.0115 }
 * `both` pairs where both passed, `firstOnly` / `secondOnly` the discordant pairs, `neither` the rest.
 * `null` when there are no pairs.
 */
export function newcombePairedDiffInterval(t: { both: number; firstOnly: number; secondOnly: number; neither: number }): Interval | null {
  const n = t.both + t.firstOnly + t.secondOnly + t.neither;
  if (n === 0) return null;
  const x1 = t.both + t.firstOnly;
  const x2 = t.both + t.secondOnly;
  const w1 = wilsonInterval(x1, n)!;
  const w2 = wilsonInterval(x2, n)!;
  const p1 = x1 / n;
  const p2 = x2 / n;
  const d = p2 - p1;
  const marginals = (t.both + t.firstOnly) * (t.secondOnly + t.neither) * (t.both + t.secondOnly) * (t.firstOnly + t.neither);
  // Newcombe's corrected phi: a positive cross-product is shrunk by n/2 (a continuity correction), so
  // the correlation only narrows the interval when the pairing really is informative.
  const cross = t.both * t.neither - t.firstOnly * t.secondOnly;
  const corrected = cross > n / 2 ? cross - n / 2 : Math.min(cross, 0);
  const phi = marginals === 0 ? 0 : corrected / Math.sqrt(marginals);
  const lowSq = (p2 - w2.low) ** 2 - 2 * phi * (p2 - w2.low) * (w1.high - p1) + (w1.high - p1) ** 2;
  const highSq = (w2.high - p2) ** 2 - 2 * phi * (w2.high - p2) * (p1 - w1.low) + (p1 - w1.low) ** 2;
  return {
    low: Math.max(-1, d - Math.sqrt(Math.max(0, lowSq))),
    high: Math.min(1, d + Math.sqrt(Math.max(0, highSq))),
  };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
