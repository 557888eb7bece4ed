/**
 * The gate's family correction for discrete tests (issue 24): discrete Holm. Exact figures by hand in
 * the comments, and a fixture computed by another route (`test/fixtures/stats/discrete-holm.py`: scipy
 * p-values, each test's null distribution by brute force over every outcome, and the rejections by
 * closed testing over every intersection of hypotheses, not by the step-down shortcut).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discreteHolmAdjust, fisherSupport, mcnemarSupport, nullCdf } from './discrete-holm.ts';
import { fisherExactP, holmAdjust, mcnemarExactP } from './stats.ts';

interface FixtureCase {
  name: string;
  alpha: number;
  tests: Array<{ test: 'mcnemar'; b: number; c: number } | { test: 'fisher'; x1: number; n1: number; x2: number; n2: number }>;
  p: number[];
  support: number[][];
  adjusted: number[];
  rejected: boolean[];
  holm: number[];
  taroneHolm: number[];
}

const fixture = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '../../test/fixtures/stats/discrete-holm.json'), 'utf8'),
) as FixtureCase[];

/** Equal to 10 significant digits (scipy and the code here sum the same probabilities in other orders). */
const close = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(1e-10 * Math.max(1e-3, expected));
};

describe('the p-values an exact test can give', () => {
  it('McNemar: 2·P(X ≤ k) for X ~ Binomial(n, ½), k < n/2, then 1', () => {
    const same = (actual: number[], expected: number[]) => {
      expect(actual).toHaveLength(expected.length);
      actual.forEach((a, i) => {
        close(a, expected[i]!);
      });
    };
    same(mcnemarSupport(0), [1]); // no discordant pair: p = 1 whatever happens
    same(mcnemarSupport(1), [1]); // 2·½ = 1
    same(mcnemarSupport(5), [2 / 32, 12 / 32, 1]); // 2·1/32, 2·6/32: never below 0.0625, cannot reach 0.05
    same(mcnemarSupport(6), [2 / 64, 14 / 64, 44 / 64, 1]); // 2·1/64, 2·7/64, 2·22/64
    // Every p the test gives is attainable, and P(p ≤ that p) is that p: the test is exact.
    for (let n = 0; n <= 60; n++)
      for (let b = 0; b <= n; b++) expect(nullCdf(mcnemarSupport(n), mcnemarExactP(b, n - b))).toBe(mcnemarExactP(b, n - b));
    // Below the smallest attainable p nothing is attainable; between two, the lower one.
    expect(nullCdf(mcnemarSupport(5), 0.05)).toBe(0);
    close(nullCdf(mcnemarSupport(6), 0.2), 2 / 64);
  });

  it('Fisher: the total probability of the tables no more likely than each, then 1', () => {
    // n1 = n2 = 3 with 3 passes: hypergeometric weights 1, 9, 9, 1 (of 20); the extreme tables give 2/20.
    expect(fisherSupport(3, 3, 3)).toHaveLength(2);
    close(fisherSupport(3, 3, 3)[0]!, 0.1);
    expect(fisherSupport(0, 5, 3)).toEqual([1]);
    expect(fisherSupport(4, 4, 0)).toEqual([1]); // nobody passed: one table
    for (const [n1, n2] of [
      [7, 5],
      [12, 12],
      [3, 20],
    ] as const)
      for (let x1 = 0; x1 <= n1; x1++)
        for (let x2 = 0; x2 <= n2; x2++)
          expect(nullCdf(fisherSupport(n1, n2, x1 + x2), fisherExactP(x1, n1, x2, n2))).toBe(fisherExactP(x1, n1, x2, n2));
  });
});

describe('discreteHolmAdjust', () => {
  it('issue 24: 6/6 → 0/6 beside two comparisons with no discordant pair keeps p = 1/32', () => {
    const tests = [
      { p: mcnemarExactP(6, 0), support: mcnemarSupport(6) },
      { p: 1, support: mcnemarSupport(0) },
      { p: 1, support: mcnemarSupport(0) },
    ];
    // 1/32 + P(p ≤ 1/32 | no discordant pair) · 2 = 1/32 + 0 + 0.
    close(tests[0]!.p, 1 / 32);
    expect(discreteHolmAdjust(tests)).toEqual([tests[0]!.p, 1, 1]);
    // Holm counts the two that can never be significant: 3 × 1/32 = 0.09375 > 0.05.
    close(holmAdjust(tests.map((t) => t.p))[0]!, 3 / 32);
  });

  it('is Holm when every test can give any p-value; two 6/6 → 0/6 drops share the family', () => {
    // Each test can give each of these p-values, with that probability: F(t) = t, Holm's assumption.
    const any = [0.005, 0.01, 0.03, 0.04, 1];
    const continuous = [0.01, 0.04, 0.03, 0.005].map((p) => ({ p, support: any }));
    expect(discreteHolmAdjust(continuous)).toEqual(holmAdjust([0.01, 0.04, 0.03, 0.005]));
    // Each could have given 1/32 by chance: 1/32 + 1/32 = 1/16 > 0.05.
    const drop = { p: mcnemarExactP(6, 0), support: mcnemarSupport(6) };
    expect(discreteHolmAdjust([drop, drop])).toEqual([2 * drop.p, 2 * drop.p]);
  });

  it('does not depend on the order the comparisons come in (names, titles)', () => {
    const tests = [
      { p: 1 / 64, support: mcnemarSupport(7) },
      { p: 1 / 32, support: mcnemarSupport(6) },
      { p: 1 / 32, support: [1 / 256, 1 / 32, 1] },
      { p: 1, support: [1] },
      { p: 0.2, support: fisherSupport(5, 6, 4) },
    ];
    const forward = discreteHolmAdjust(tests);
    expect(discreteHolmAdjust([...tests].reverse()).reverse()).toEqual(forward);
    expect(discreteHolmAdjust([tests[2]!, tests[0]!, tests[4]!, tests[1]!, tests[3]!])).toEqual([
      forward[2],
      forward[0],
      forward[4],
      forward[1],
      forward[3],
    ]);
  });

  it.each(fixture.map((c) => [c.name, c] as const))('matches the independent figures: %s', (_, c) => {
    const tests = c.tests.map((t) =>
      t.test === 'mcnemar'
        ? { p: mcnemarExactP(t.b, t.c), support: mcnemarSupport(t.b + t.c) }
        : { p: fisherExactP(t.x1, t.n1, t.x2, t.n2), support: fisherSupport(t.n1, t.n2, t.x1 + t.x2) },
    );
    tests.forEach((t, i) => {
      close(t.p, c.p[i]!);
      expect(t.support).toHaveLength(c.support[i]!.length);
      t.support.forEach((s, j) => {
        close(s, c.support[i]![j]!);
      });
    });
    const adjusted = discreteHolmAdjust(tests);
    adjusted.forEach((a, i) => {
      close(a, c.adjusted[i]!);
    });
    // The step-down shortcut rejects exactly what closed testing rejects, and everything Holm and Tarone–Holm do.
    expect(adjusted.map((a) => a <= c.alpha)).toEqual(c.rejected);
    adjusted.forEach((a, i) => {
      if (c.holm[i]! <= c.alpha || c.taroneHolm[i]! <= c.alpha) expect(a).toBeLessThanOrEqual(c.alpha);
    });
    // Holm itself, for the record: the same figures as the fixture's.
    holmAdjust(c.p).forEach((h, i) => {
      close(h, c.holm[i]!);
    });
  });
});
