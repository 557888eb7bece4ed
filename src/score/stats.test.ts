import { describe, expect, it } from 'vitest';
import {
  binomialTwoSidedP,
  bootstrapMeanInterval,
  createRng,
  fisherExactP,
  holmAdjust,
  mcnemarExactP,
  newcombeDiffInterval,
  newcombePairedDiffInterval,
  percentile,
  wilsonInterval,
} from './stats.ts';
import { MAX_MORE_REPEATS, moreRepeatsPaired, moreRepeatsUnpaired } from './more-repeats.ts';

describe('wilsonInterval', () => {
  it.each([
    // Known values: Newcombe (1998) table I for 81/263; the others are the closed form z²/(n+z²) etc.
    [0, 10, 0, 0.2775],
    [5, 10, 0.2366, 0.7634],
    [10, 10, 0.7225, 1],
    [81, 263, 0.2553, 0.3662],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i → [%f, %f]', (x, n, low, high) => {
    const i = wilsonInterval(x, n)!;
    expect(i.low).toBeCloseTo(low, 4);
    expect(i.high).toBeCloseTo(high, 4);
  });

  it('is exact at the ends and null for no data', () => {
    expect(wilsonInterval(0, 3)!.low).toBe(0);
    expect(wilsonInterval(3, 3)!.high).toBe(1);
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});

describe('exact tests', () => {
  it('McNemar from discordant counts matches the exact binomial', () => {
    // b=1, c=9: 2·P(X ≤ 1 | n=10, ½) = 2·11/1024.
    expect(mcnemarExactP(1, 9)).toBeCloseTo(22 / 1024, 10);
    expect(mcnemarExactP(9, 1)).toBeCloseTo(22 / 1024, 10);
    expect(mcnemarExactP(0, 6)).toBeCloseTo(2 / 64, 12);
    expect(mcnemarExactP(0, 5)).toBeCloseTo(2 / 32, 12);
    expect(mcnemarExactP(3, 3)).toBe(1);
    expect(mcnemarExactP(0, 0)).toBe(1);
    // Large counts stay accurate (scipy.stats.binomtest(200, 460).pvalue).
    expect(mcnemarExactP(200, 260)).toBeCloseTo(0.0058839224731, 9);
  });

  it('binomial two-sided test with p ≠ ½ uses the minimum-likelihood rule', () => {
    // scipy.stats.binomtest(3, 20, 0.3).pvalue
    expect(binomialTwoSidedP(3, 20, 0.3)).toBeCloseTo(0.2204182673807, 9);
  });

  it("Fisher's exact test matches known values", () => {
    // Fisher's tea-tasting table [[3,1],[1,3]].
    expect(fisherExactP(3, 4, 1, 4)).toBeCloseTo(0.4857142857, 8);
    // 0/10 vs 10/10: 2 / C(20,10).
    expect(fisherExactP(0, 10, 10, 10)).toBeCloseTo(2 / 184756, 12);
    // scipy.stats.fisher_exact([[30, 970], [45, 955]]).pvalue
    expect(fisherExactP(30, 1000, 45, 1000)).toBeCloseTo(0.0988018395, 8);
    expect(fisherExactP(0, 0, 3, 4)).toBe(1);
  });
});

describe('holmAdjust', () => {
  it('matches the textbook step-down example (R p.adjust "holm")', () => {
    expect(holmAdjust([0.01, 0.04, 0.03, 0.005])).toEqual([0.03, 0.06, 0.06, 0.02]);
  });

  it('caps at 1, keeps order, handles no tests', () => {
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([0.02])).toEqual([0.02]);
    expect(holmAdjust([])).toEqual([]);
  });
});

describe('difference intervals', () => {
  it('Newcombe unpaired method 10: 56/70 − 48/80 (Newcombe 1998, example b)', () => {
    const i = newcombeDiffInterval(48, 80, 56, 70)!;
    expect(i.low).toBeCloseTo(0.0524, 4);
    expect(i.high).toBeCloseTo(0.3339, 4);
    expect(newcombeDiffInterval(0, 0, 1, 2)).toBeNull();
  });

  it('Newcombe paired: Altman et al. (2000) table 6.2, same formula as biostatUZH::confIntPairedProportion', () => {
    // first = 19/41, second = 14/41 → second − first = −0.122.
    const i = newcombePairedDiffInterval({ both: 14, firstOnly: 5, secondOnly: 0, neither: 22 })!;
    expect(i.low).toBeCloseTo(-0.2265, 4);
    expect(i.high).toBeCloseTo(-0.0115, 4);
    expect(newcombePairedDiffInterval({ both: 0, firstOnly: 0, secondOnly: 0, neither: 0 })).toBeNull();
  });

  it('paired interval is narrower than unpaired when pairs agree', () => {
    const paired = newcombePairedDiffInterval({ both: 30, firstOnly: 1, secondOnly: 6, neither: 13 })!;
    const unpaired = newcombeDiffInterval(31, 50, 36, 50)!;
    expect(paired.high - paired.low).toBeLessThan(unpaired.high - unpaired.low);
    expect(paired.low).toBeLessThan(0.1);
    expect(paired.high).toBeGreaterThan(0.1);
  });
});

describe('percentile', () => {
  it('interpolates linearly (R type 7)', () => {
    expect(percentile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBeCloseTo(19.05, 10);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('bootstrapMeanInterval', () => {
  const values = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0.5, 0.25];

  it('is reproducible for a seed and varies with it', () => {
    const a = bootstrapMeanInterval(values, { seed: 3 });
    expect(bootstrapMeanInterval(values, { seed: 3 })).toEqual(a);
    expect(bootstrapMeanInterval(values, { seed: 4 })).not.toEqual(a);
  });

  it('brackets the mean and stays within the data range', () => {
    const m = values.reduce((s, v) => s + v, 0) / values.length;
    const i = bootstrapMeanInterval(values, { seed: 9 })!;
    expect(i.low).toBeLessThan(m);
    expect(i.high).toBeGreaterThan(m);
    expect(i.low).toBeGreaterThanOrEqual(0);
    expect(i.high).toBeLessThanOrEqual(1);
  });

  it('degenerates honestly', () => {
    expect(bootstrapMeanInterval([])).toBeNull();
    expect(bootstrapMeanInterval([0.4, 0.4, 0.4])).toEqual({ low: 0.4, high: 0.4 });
  });

  it('the generator is deterministic and uniform-ish', () => {
    const r1 = createRng(42);
    const r2 = createRng(42);
    const xs = Array.from({ length: 10_000 }, () => r1());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => r2()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  });
});

describe('more repeats to settle', () => {
  it('scales the discordant pairs until exact McNemar rejects', () => {
    // 1 vs 4 discordant over 3 repeats: +3 → 2·(1+…)/2^10 ≈ 0.11; +4 → 10 vs 2 of 12 → 0.039.
    expect(moreRepeatsPaired({ firstOnly: 1, secondOnly: 4, repeats: 3, alpha: 0.05 })).toBe(4);
    expect(mcnemarExactP(2, 10)).toBeLessThan(0.05);
    expect(mcnemarExactP(2, 8)).toBeGreaterThan(0.05);
  });

  it('a stricter level needs more repeats', () => {
    const loose = moreRepeatsPaired({ firstOnly: 1, secondOnly: 4, repeats: 3, alpha: 0.05 })!;
    const strict = moreRepeatsPaired({ firstOnly: 1, secondOnly: 4, repeats: 3, alpha: 0.005 })!;
    expect(strict).toBeGreaterThan(loose);
  });

  it('is undefined when there is no difference or it is too small to ever settle', () => {
    expect(moreRepeatsPaired({ firstOnly: 3, secondOnly: 3, repeats: 5, alpha: 0.05 })).toBeUndefined();
    expect(moreRepeatsPaired({ firstOnly: 1000, secondOnly: 1001, repeats: 1, alpha: 0.05 })).toBeUndefined();
    expect(moreRepeatsUnpaired({ x1: 5, n1: 10, x2: 5, n2: 10, repeats: 2, alpha: 0.05 })).toBeUndefined();
  });

  it('unpaired: grows both groups until Fisher rejects', () => {
    const e = moreRepeatsUnpaired({ x1: 6, n1: 10, x2: 9, n2: 10, repeats: 2, alpha: 0.05 })!;
    expect(e).toBeGreaterThan(0);
    expect(e).toBeLessThanOrEqual(MAX_MORE_REPEATS);
    const scale = (k: number) => (2 + k) / 2;
    const p = (k: number) =>
      fisherExactP(
        Math.round(0.6 * Math.round(10 * scale(k))),
        Math.round(10 * scale(k)),
        Math.round(0.9 * Math.round(10 * scale(k))),
        Math.round(10 * scale(k)),
      );
    expect(p(e)).toBeLessThan(0.05);
    expect(p(e - 1)).toBeGreaterThanOrEqual(0.05);
  });
});
