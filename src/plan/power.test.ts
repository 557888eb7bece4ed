import { describe, expect, it } from 'vitest';
import { pairedPower, repeatsNeeded } from './power.ts';

/**
 * An independent computation of the exact McNemar test's power: every outcome (b, c, concordant) of n
 * pairs enumerated with its trinomial probability, each tested with a two-sided exact binomial p-value
 * computed here from a log-factorial table (none of stats.ts), as R's binom.test defines it.
 */
function bruteForcePower(n: number, discordance: number, effect: number, alpha: number): number {
  const logFact = [0];
  for (let i = 1; i <= n; i++) logFact.push(logFact[i - 1]! + Math.log(i));
  const p10 = discordance / 2;
  const p01 = discordance / 2 + effect;
  const pc = 1 - p10 - p01;
  const pValue = (b: number, d: number) => {
    if (d === 0) return 1;
    const pmf = (i: number) => Math.exp(logFact[d]! - logFact[i]! - logFact[d - i]! - d * Math.LN2);
    const observed = pmf(b);
    let total = 0;
    for (let i = 0; i <= d; i++) if (pmf(i) <= observed * (1 + 1e-7)) total += pmf(i);
    return Math.min(1, total);
  };
  const term = (k: number, p: number) => (k === 0 ? 0 : p === 0 ? -Infinity : k * Math.log(p));
  let power = 0;
  for (let b = 0; b <= n; b++) {
    for (let c = 0; b + c <= n; c++) {
      const logP = logFact[n]! - logFact[b]! - logFact[c]! - logFact[n - b - c]! + term(b, p10) + term(c, p01) + term(n - b - c, pc);
      if (pValue(b, b + c) < alpha) power += Math.exp(logP);
    }
  }
  return power;
}

describe('pairedPower: the exact power of the gate paired test', () => {
  const cases = [
    { pairs: 30, discordance: 0.2, effect: 0.2, alpha: 0.05 },
    { pairs: 60, discordance: 0.1, effect: 0.1, alpha: 0.05 },
    { pairs: 80, discordance: 0, effect: 0.1, alpha: 0.05 },
    { pairs: 120, discordance: 0.2, effect: 0.1, alpha: 0.025 },
    { pairs: 150, discordance: 0.1, effect: 0.1, alpha: 0.05 },
  ];
  for (const c of cases) {
    it(`equals a brute-force enumeration: ${JSON.stringify(c)}`, () => {
      expect(pairedPower(c)).toBeCloseTo(bruteForcePower(c.pairs, c.discordance, c.effect, c.alpha), 9);
    });
  }

  it('grows with the pairs and the effect, and is 0 for no effect', () => {
    const at = (pairs: number, effect = 0.1) => pairedPower({ pairs, discordance: 0.2, effect, alpha: 0.05 });
    expect(at(50)).toBeLessThan(at(200));
    expect(at(50, 0.1)).toBeLessThan(at(50, 0.2));
    expect(at(50, 0)).toBe(0);
  });
});

describe('repeatsNeeded', () => {
  it('is the first repeat count whose pairs reach 80 % power by brute force, the one before it short of it', () => {
    for (const c of [
      { scenarios: 8, discordance: 0.2, effect: 0.2, alpha: 0.05 },
      { scenarios: 10, discordance: 0.1, effect: 0.1, alpha: 0.05 },
      { scenarios: 6, discordance: 0.2, effect: 0.1, alpha: 0.025 },
    ]) {
      const r = repeatsNeeded({ ...c, maxRepeats: 100 })!;
      expect(r).toBeGreaterThan(1);
      expect(bruteForcePower(r * c.scenarios, c.discordance, c.effect, c.alpha)).toBeGreaterThanOrEqual(0.8);
      expect(bruteForcePower((r - 1) * c.scenarios, c.discordance, c.effect, c.alpha)).toBeLessThan(0.8);
    }
  });

  it('matches the order of magnitude the literature gives: 10 points at 10-30 % discordance take ~80-240 pairs', () => {
    const pairs = (d: number) => repeatsNeeded({ scenarios: 1, discordance: d, effect: 0.1, alpha: 0.05, maxRepeats: 1000 })!;
    expect(pairs(0)).toBeGreaterThan(60);
    expect(pairs(0)).toBeLessThan(100);
    expect(pairs(0.2)).toBeGreaterThan(200);
    expect(pairs(0.2)).toBeLessThan(260);
  });

  it('says undefined beyond the repeats allowed', () => {
    expect(repeatsNeeded({ scenarios: 1, discordance: 0.3, effect: 0.05, alpha: 0.05, maxRepeats: 10 })).toBeUndefined();
  });
});
