/**
 * How many repeats a paired comparison needs before a change of a given size shows (issue 28). Pure.
 *
 * The gate compares a variant × model with its baseline by the exact McNemar test over (scenario, repeat)
 * pairs (`score/stats.ts` `mcnemarExactP`). Planning asks the converse: with `pairs` pairs, how likely is
 * that test to fall below α when the pass rate really moved by `effect`? The model (docs/planning-and-budgets.md):
 *
 * - `discordance` ψ₀ is the share of pairs that disagree between two runs of the *same* prompt (noise);
 * - a change of δ adds δ of pairs that flip one way: P(only the baseline passed) = ψ₀/2,
 *   P(only the new run passed) = ψ₀/2 + δ, so ψ = ψ₀ + δ of the pairs are discordant;
 * - D, the discordant pairs, is Binomial(pairs, ψ); given D = d, B (the new run's wins) is Binomial(d, π)
 *   with π = (ψ₀/2 + δ)/ψ; the test rejects when `mcnemarExactP(d − B, B) < α`.
 *
 * Power = Σ_d P(D = d) · P(reject | d), summed exactly (no normal approximation), over the d that carry
 * any probability (the mean ± 12 standard deviations).
 */
import { searchSmallest } from '../score/more-repeats.ts';
import { binomialPmf, mcnemarExactP } from '../score/stats.ts';

/** Run-to-run discordance assumed when history has too few pairs to measure it: one pair in five flips. */
export const DEFAULT_DISCORDANCE = 0.2;
/** Power planned for: the usual 80 %. */
const PLANNED_POWER = 0.8;
/** Fewer pairs than this in history: the default discordance is used instead of the measured one. */
export const MIN_HISTORY_PAIRS = 20;

interface PowerInput {
  /** Pairs compared: scenarios × repeats. */
  pairs: number;
  /** ψ₀, 0..1: share of pairs that disagree between two runs of an unchanged prompt. */
  discordance: number;
  /** δ, 0..1: the change in pass rate to detect (0.1 = ten points). */
  effect: number;
  /** The level the test must fall below. */
  alpha: number;
}

/**
 * The exact power of the gate's paired test (see the module comment for the model).
 * @example pairedPower({ pairs: 150, discordance: 0.1, effect: 0.1, alpha: 0.05 }) // 0.7455
 */
export function pairedPower(o: PowerInput): number {
  const psi = Math.min(1, o.discordance + o.effect);
  if (o.pairs <= 0 || psi <= 0 || o.effect <= 0) return 0;
  const pi = (o.discordance / 2 + o.effect) / psi;
  const mean = o.pairs * psi;
  const sd = Math.sqrt(o.pairs * psi * (1 - psi));
  const from = Math.max(0, Math.floor(mean - 12 * sd - 1));
  const to = Math.min(o.pairs, Math.ceil(mean + 12 * sd + 1));
  const critical = criticalCounts(o.alpha);
  let power = 0;
  for (let d = from; d <= to; d++) {
    const pd = binomialPmf(d, o.pairs, psi);
    if (pd === 0) continue;
    power += pd * rejectGiven(d, pi, critical(d));
  }
  return Math.min(1, power);
}

/**
 * P(reject | d discordant pairs): B ≤ k or B ≥ d − k, B ~ Binomial(d, π), k the critical count
 * (−1: no split of d pairs can reach α).
 */
function rejectGiven(d: number, pi: number, k: number): number {
  if (k < 0) return 0;
  let p = 0;
  for (let b = 0; b <= k; b++) p += binomialPmf(b, d, pi) + binomialPmf(d - b, d, pi);
  return p;
}

/**
 * k*(d): the largest minority count k < d/2 with `mcnemarExactP(k, d − k) < alpha`, or −1. The p-value
 * grows with k (the split nears even), so the search walks up from the last d's answer.
 */
function criticalCounts(alpha: number): (d: number) => number {
  const memo = new Map<number, number>();
  let last = -1;
  return (d) => {
    const known = memo.get(d);
    if (known !== undefined) return known;
    let k = Math.max(-1, Math.min(last, Math.ceil(d / 2) - 1) - 1);
    while (k >= 0 && mcnemarExactP(k, d - k) >= alpha) k--;
    while (2 * (k + 1) < d && mcnemarExactP(k + 1, d - k - 1) < alpha) k++;
    memo.set(d, k);
    last = k;
    return k;
  };
}

interface RepeatsInput {
  /** Scenarios the comparison pairs over: each repeat adds one pair per scenario. */
  scenarios: number;
  discordance: number;
  effect: number;
  alpha: number;
  /** Most repeats considered; above it the answer is `undefined` ("more than maxRepeats"). */
  maxRepeats: number;
  /** Power to reach (default {@link PLANNED_POWER}). */
  power?: number;
}

/**
 * The fewest repeats per scenario at which the paired test has the power asked for, found by doubling then
 * bisection on the repeats (the exact test's power has small saw-teeth in n, so the answer is the first
 * r found with power ≥ target whose r − 1 is below it). `undefined` beyond `maxRepeats`.
 * @example repeatsNeeded({ scenarios: 10, discordance: 0.2, effect: 0.1, alpha: 0.05, maxRepeats: 100 }) // 25
 */
export function repeatsNeeded(o: RepeatsInput): number | undefined {
  if (o.scenarios <= 0 || o.effect <= 0) return undefined;
  const target = o.power ?? PLANNED_POWER;
  const enough = (r: number) =>
    pairedPower({ pairs: r * o.scenarios, discordance: o.discordance, effect: o.effect, alpha: o.alpha }) >= target;
  return searchSmallest(enough, o.maxRepeats);
}
