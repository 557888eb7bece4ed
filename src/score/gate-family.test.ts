/**
 * Issue 24, "bystanders decide the verdict": which comparisons share the gate's multiple-comparison
 * family. A comparison that cannot reach significance whatever its outcome (its smallest attainable
 * exact p above alpha, e.g. no discordant pair) must not dilute the others (Tarone–Holm).
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import { Thresholds } from '../schema/eval-config.ts';
import { gateRun } from './gate.ts';
import { mcnemarExactP } from './stats.ts';
import { agg } from '../../test/support/cells.ts';

const AUDITOR = 'security/auditor';
const edited = { variantHash: 'vh-edited' };
const planned = (cells: ScenarioAggregate[]) => cells.reduce((n, c) => n + c.outcomes.length, 0);
const gate = (current: ScenarioAggregate[], baseline: ScenarioAggregate[], thresholds = Thresholds.parse({})) =>
  gateRun({ current, baseline, thresholds, plannedCells: planned(current) });
const auditorOf = (report: ReturnType<typeof gateRun>) => report.comparisons.find((c) => c.variantId === AUDITOR)!;

// security-auditor 6/6 → 0/6: six discordant pairs, all one way. Exact McNemar p = 2·½⁶ = 1/32 = 0.03125.
const P = mcnemarExactP(6, 0);
const auditorBase = agg(AUDITOR, 'audit', 'PPPPPP');
const auditorNow = agg(AUDITOR, 'audit', 'FFFFFF', edited);
/** A bystander measured again with exactly the baseline's outcomes: no discordant pair, p = 1 whatever happens. */
const steady = (variantId: string, over: Partial<ScenarioAggregate> = {}) => agg(variantId, 'review', 'PPPPPP', over);

describe('gateRun: the family of comparisons (issue 24)', () => {
  it('6/6 → 0/6 beside two unchanged variants is regressed at p = 1/32, not inconclusive at 3/32', () => {
    const report = gate(
      [auditorNow, steady('review/a'), steady('review/b')],
      [auditorBase, steady('review/a'), steady('review/b')],
      Thresholds.parse({ passRate: 0, criticalMustPass: false }),
    );
    const c = auditorOf(report);
    expect(c.verdict).toBe('regressed');
    expect(c.comparison).toMatchObject({ baselineOnly: 6, currentOnly: 0 });
    expect(c.comparison!.pValue).toBeCloseTo(1 / 32, 15);
    expect(c.comparison!.minAttainableP).toBeCloseTo(1 / 32, 15);
    expect(c.comparison!.adjustedP).toBe(c.comparison!.pValue);
    // The bystanders: nothing they could show would be significant, so they are not in the family.
    for (const b of report.comparisons.filter((x) => x.variantId !== AUDITOR))
      expect(b.comparison).toMatchObject({ pValue: 1, minAttainableP: 1, adjustedP: 1 });
    // Thresholds are extra: a statistical regression fails the gate with passRate 0 and no critical rule.
    expect(report.exitCode).toBe(1);
    expect(report.reason).toBe('1 variant × model regressed');
  });

  it('stays regressed at p = 1/32 whatever bystanders that cannot reach significance do', () => {
    // Up to five discordant pairs in six repeats: smallest attainable p ≥ 2·½⁵ = 0.0625 > 0.05.
    const shapes = ['PPPPPP', 'FFFFFF', 'FPPPPP', 'PFPFPF', 'FFFFFP', 'PPFFFF'];
    const bases = ['PPPPPP', 'FFFFFF', 'PPPPPF', 'PFPFPP', 'PPPPPP', 'FFPPPF']; // 0, 0, 2, 1, 5 and 5 discordant
    let checked = 0;
    for (let count = 0; count <= 5; count++) {
      for (let shift = 0; shift < shapes.length; shift++) {
        const ids = Array.from({ length: count }, (_, i) => `bystander/v${i}`);
        const now = ids.map((id, i) =>
          agg(id, 'review', shapes[(i + shift) % shapes.length]!, {
            ...(i % 2 ? edited : {}),
            ...(i % 3 === 2 ? { carried: 3 } : {}),
          }),
        );
        const base = ids.map((id, i) => agg(id, 'review', bases[(i + shift) % bases.length]!));
        const c = auditorOf(gate([auditorNow, ...now], [auditorBase, ...base]));
        expect([count, shift, c.verdict, c.comparison!.adjustedP]).toEqual([count, shift, 'regressed', P]);
        checked++;
      }
    }
    expect(checked).toBe(36);
  });

  it('--changed-since, with or without an unrelated scenario re-run (its title edited), moves no p-value', () => {
    const baseline = [auditorBase, steady('review/a'), steady('review/b')];
    // Full run: every bystander measured again.
    const full = gate([auditorNow, steady('review/a'), steady('review/b')], baseline);
    // Affected-only: the bystanders carried from the baseline.
    const carried = gate([auditorNow, steady('review/a', { carried: 6 }), steady('review/b', { carried: 6 })], baseline);
    // Affected-only after a title edit of review/a's scenario: that scenario re-run for review/a.
    const titleEdit = gate([auditorNow, steady('review/a'), steady('review/b', { carried: 6 })], baseline);
    const ps = (r: ReturnType<typeof gateRun>) => r.comparisons.map((c) => [c.variantId, c.comparison!.adjustedP]);
    expect(P).toBeCloseTo(1 / 32, 15);
    expect(ps(full)).toEqual([
      [AUDITOR, P],
      ['review/a', 1],
      ['review/b', 1],
    ]);
    expect(ps(carried)).toEqual(ps(full));
    expect(ps(titleEdit)).toEqual(ps(full));
    expect([full, carried, titleEdit].map((r) => auditorOf(r).verdict)).toEqual(['regressed', 'regressed', 'regressed']);
  });

  it('a noisy bystander counts only by its chance of a p-value as small as 1/32', () => {
    // 20 discordant pairs split 10/10: P(p ≤ 1/32) = 2·P(X ≤ 4 | n = 20, ½) = 2·(1 + 20 + 190 + 1140 + 4845)/2²⁰
    // = 12392/1048576 ≈ 0.011818 (its next attainable p, 2·P(X ≤ 5) ≈ 0.0414, is above 1/32).
    // Adjusted: 1/32 + 12392/1048576 ≈ 0.043068 < 0.05. (Holm: 2/32 = 0.0625, inconclusive.)
    const noisy = 'PF'.repeat(10);
    const flipped = 'FP'.repeat(10);
    const report = gate(
      [auditorNow, ...Array.from({ length: 2 }, (_, i) => agg('other/x', `r${i}`, noisy))],
      [auditorBase, ...Array.from({ length: 2 }, (_, i) => agg('other/x', `r${i}`, i === 0 ? flipped : noisy))],
    );
    const c = auditorOf(report);
    expect(c.verdict).toBe('regressed');
    expect(c.comparison!.adjustedP).toBeCloseTo(1 / 32 + 12392 / 1048576, 12);
  });

  it('a bystander that could reach significance is a comparison like any other and shares the family', () => {
    // Two 6/6 → 0/6 drops: each could have given 1/32 by chance, so each adjusted p is 1/32 + 1/32 = 1/16.
    const report = gate([auditorNow, agg('other/x', 'review', 'FFFFFF', edited)], [auditorBase, agg('other/x', 'review', 'PPPPPP')]);
    expect(report.comparisons.map((c) => [c.variantId, c.verdict, c.comparison!.adjustedP])).toEqual([
      ['other/x', 'inconclusive', 2 * P],
      [AUDITOR, 'inconclusive', 2 * P],
    ]);
  });

  it('how many more repeats would settle it does not depend on bystanders that cannot reach significance', () => {
    // One one-way discordant pair in 4 repeats (alone: 18 more repeats, see gate.test.ts).
    const small = [agg('rev/a', 's1', 'PPPF', edited), ...['s2', 's3', 's4', 's5'].map((s) => agg('rev/a', s, 'PPPP', edited))];
    const base = ['s1', 's2', 's3', 's4', 's5'].map((s) => agg('rev/a', s, 'PPPP'));
    const alone = gate(small, base).comparisons[0]!;
    const beside = gate([...small, steady('review/a'), steady('review/b')], [...base, steady('review/a'), steady('review/b')]);
    const c = beside.comparisons.find((x) => x.variantId === 'rev/a')!;
    expect(alone.moreRepeats).toBe(18);
    expect(c.moreRepeats).toBe(18);
  });
});
