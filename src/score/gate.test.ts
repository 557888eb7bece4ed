import { describe, expect, it } from 'vitest';
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import { Thresholds } from '../schema/eval-config.ts';
import { aggregateRun } from './aggregate-results.ts';
import { gateRun, type GateInput } from './gate.ts';
import { mcnemarExactP } from './stats.ts';
import { agg, aggs, cell } from '../../test/support/cells.ts';

const defaults = Thresholds.parse({});
const planned = (cells: ScenarioAggregate[]) => cells.reduce((n, c) => n + c.outcomes.length, 0);
const gate = (current: ScenarioAggregate[], baseline: ScenarioAggregate[] | undefined, over: Partial<GateInput> = {}) =>
  gateRun({ current, baseline, thresholds: defaults, plannedCells: planned(current), ...over });
/** The variant's prompt changed: a new hash, the same id. */
const edited = { variantHash: 'vh-edited' };
const five = (letters: string) => Array.from({ length: 5 }, () => letters);

describe('gateRun: comparisons with the baseline', () => {
  it('improved: a significant rise in paired pass rate, exit 0', () => {
    const report = gate(aggs('rev/a', five('PPPP'), edited), aggs('rev/a', five('FFFP')));
    const [c] = report.comparisons;
    expect(c).toMatchObject({ verdict: 'improved', variantChanged: true });
    expect(c!.comparison).toMatchObject({ test: 'mcnemar-exact', pairs: 20, baselineOnly: 0, currentOnly: 15, comparedScenarios: 5 });
    expect(c!.comparison!.diff).toBeCloseTo(0.75, 12);
    expect(c!.comparison!.pValue).toBeCloseTo(mcnemarExactP(0, 15), 15);
    expect(c!.comparison!.diffInterval!.low).toBeGreaterThan(0);
    expect(report.exitCode).toBe(0);
  });

  it('regressed: a significant drop, exit 1, interval below zero', () => {
    const report = gate(aggs('rev/a', five('FFFP'), edited), aggs('rev/a', five('PPPP')));
    const [c] = report.comparisons;
    expect(c!.verdict).toBe('regressed');
    expect(c!.comparison!.diff).toBeCloseTo(-0.75, 12);
    expect(c!.comparison!.diffInterval!.high).toBeLessThan(0);
    expect(c!.reasons[0]).toMatch(/1\.00 → 0\.25/);
    expect(report.exitCode).toBe(1);
    expect(report.reason).toMatch(/1 variant × model regressed/);
  });

  it('noise only: equal discordance is unchanged, a small drop is inconclusive with more repeats', () => {
    const flat = gate(aggs('rev/a', five('PFPP'), edited), aggs('rev/a', five('PPFP')));
    expect(flat.comparisons[0]).toMatchObject({ verdict: 'unchanged' });
    expect(flat.comparisons[0]!.comparison).toMatchObject({ baselineOnly: 5, currentOnly: 5, diff: 0, pValue: 1 });
    expect(flat.exitCode).toBe(0);

    const small = gate(aggs('rev/a', ['PPPF', 'PPPP', 'PPPP', 'PPPP', 'PPPP'], edited), aggs('rev/a', five('PPPP')));
    const [c] = small.comparisons;
    expect(c!.verdict).toBe('inconclusive');
    // One one-way discordant pair in 4 repeats: 6 are needed (2/64 < 0.05) → 4 × 5.5 repeats → 18 more.
    expect(c!.moreRepeats).toBe(18);
    expect(c!.reasons[0]).toMatch(/about 18 more repeats per scenario/);
    expect(small.exitCode).toBe(0);
  });

  it('a prompt that did not change and moved within noise is unchanged', () => {
    const report = gate(aggs('rev/a', ['PPPF', 'PPPP', 'PPPP', 'PPPP', 'PPPP']), aggs('rev/a', five('PPPP')));
    expect(report.comparisons[0]).toMatchObject({ verdict: 'unchanged', variantChanged: false });
  });

  it('adjusted across variant × model comparisons: two marginal drops are not regressions', () => {
    // Each: 6 one-way discordant pairs, p = 2/64 ≈ 0.031 < 0.05; each could have given it by chance, so
    // each adjusted p is 2/64 + 2/64 = 0.0625 (discrete Holm, as Holm).
    const drop = ['FFPP', 'FFPP', 'FFPP', 'PPPP', 'PPPP'];
    const current = [...aggs('rev/a', drop, edited), ...aggs('rev/a', drop, { ...edited, model: 'm2' })];
    const baseline = [...aggs('rev/a', five('PPPP')), ...aggs('rev/a', five('PPPP'), { model: 'm2' })];
    const report = gate(current, baseline);
    expect(report.comparisons.map((c) => [c.model, c.verdict])).toEqual([
      ['m1', 'inconclusive'],
      ['m2', 'inconclusive'],
    ]);
    expect(report.comparisons[0]!.comparison!.pValue).toBeCloseTo(2 / 64, 12);
    expect(report.comparisons[0]!.comparison!.adjustedP).toBeCloseTo(4 / 64, 12);
    expect(report.exitCode).toBe(0);
    // The same drop alone is significant.
    expect(gate(aggs('rev/a', drop, edited), aggs('rev/a', five('PPPP'))).comparisons[0]!.verdict).toBe('regressed');
  });

  it('falls back to Fisher’s exact test when per-repeat outcomes cannot be paired', () => {
    // Baseline written without letters (e.g. an older or merged file): counts only.
    const baseline = aggs('rev/a', five('PPPP')).map((a) => ({ ...a, outcomes: '' }));
    const report = gate(aggs('rev/a', five('FFFP'), edited), baseline);
    const [c] = report.comparisons;
    expect(c!.comparison).toMatchObject({ test: 'fisher-exact', baseline: { runs: 20, passed: 20 }, current: { runs: 20, passed: 5 } });
    expect(c!.comparison!.pairs).toBeUndefined();
    expect(c!.verdict).toBe('regressed');
  });

  it('orders regressions first', () => {
    const current = [...aggs('rev/a', five('PPPP'), edited), ...aggs('rev/b', five('FFFP'), edited)];
    const baseline = [...aggs('rev/a', five('FFFP')), ...aggs('rev/b', five('PPPP'))];
    expect(gate(current, baseline).comparisons.map((c) => [c.variantId, c.verdict])).toEqual([
      ['rev/b', 'regressed'],
      ['rev/a', 'improved'],
    ]);
  });
});

describe('gateRun: comparisons carried from the baseline (--changed-since)', () => {
  // 7 of 10 pairs drop one way: McNemar p = 2/128 ≈ 0.016; Holm over five tests made it 0.078.
  const drop = ['FFFFFFFPPP'];
  const allPass = ['PPPPPPPPPP'];
  const others = ['rev/b', 'rev/c', 'rev/d', 'rev/e'];
  /** The four unchanged variants' cells as an affected-only run writes them: the baseline's outcomes, `source: 'baseline'`. */
  const carriedCells = aggregateRun(
    others.flatMap((variantId) =>
      Array.from({ length: 10 }, (_, repeat) => cell({ variantId, scenarioId: 's1', repeat, status: 'pass', source: 'baseline' })),
    ),
  );
  const baseline = [...aggs('rev/a', allPass), ...others.flatMap((v) => aggs(v, allPass))];

  it('the same 7-of-10 drop is regressed alone and beside four carried variants', () => {
    const alone = gate(aggs('rev/a', drop, edited), aggs('rev/a', allPass));
    expect(alone.comparisons[0]!.verdict).toBe('regressed');

    const beside = gate([...aggs('rev/a', drop, edited), ...carriedCells], baseline);
    const [a, ...rest] = beside.comparisons;
    expect(a).toMatchObject({ variantId: 'rev/a', verdict: 'regressed', carried: false });
    // Only the comparison with new evidence is tested: a family of one.
    expect(a!.comparison!.adjustedP).toBeCloseTo(a!.comparison!.pValue, 15);
    expect(a!.comparison!.pValue).toBeCloseTo(2 / 128, 12);
    expect(rest.map((c) => [c.variantId, c.verdict, c.carried])).toEqual(others.map((v) => [v, 'unchanged', true]));
    expect(rest[0]!.reasons.join(' ')).toMatch(/carried from the baseline/);
    expect(beside.exitCode).toBe(1);
  });

  it('a scenario re-run beside carried ones is tested, and adds to the family only what it could show', () => {
    const rerun = (letters: string) => [
      ...aggs('rev/a', drop, edited),
      agg('rev/b', 's1', letters, { carried: 8 }), // two repeats measured again, eight carried
      ...carriedCells.filter((c) => c.variantId !== 'rev/b'),
    ];
    // Re-run alike (issue 24): no discordant pair, its p is 1 whatever happens, the drop keeps 2/128.
    const alike = gate(rerun('PPPPPPPPPP'), baseline);
    expect(alike.comparisons.find((c) => c.variantId === 'rev/b')).toMatchObject({ carried: false, verdict: 'unchanged' });
    expect(alike.comparisons[0]!.comparison!.adjustedP).toBe(alike.comparisons[0]!.comparison!.pValue);
    // Re-run with both repeats failing: 2 discordant pairs, smallest attainable p 2·¼ = 0.5, still nothing below 2/128.
    const worse = gate(rerun('PPPPPPPPFF'), baseline);
    const b = worse.comparisons.find((c) => c.variantId === 'rev/b')!.comparison!;
    expect(b.baselineOnly).toBe(2);
    expect(b.minAttainableP).toBeCloseTo(0.5, 12);
    expect(worse.comparisons[0]!.comparison!.adjustedP).toBe(worse.comparisons[0]!.comparison!.pValue);
  });
});

describe('gateRun: fingerprints', () => {
  it('a scenario whose assertions changed is listed and never gated', () => {
    const current = aggs('rev/a', ['FFFF', 'PPPP', 'PPPP'], edited);
    current[0] = { ...current[0]!, assertionsHash: 'ah-new' };
    const report = gate(current, aggs('rev/a', ['PPPP', 'PPPP', 'PPPP']));
    const [c] = report.comparisons;
    // The collapse of s1 would be a regression; it is not compared.
    expect(c!.verdict).toBe('unchanged');
    expect(c!.comparison).toMatchObject({ comparedScenarios: 2, pairs: 8 });
    expect(report.notComparable).toEqual([
      { agent: 'rev', variantId: 'rev/a', model: 'm1', scenarioId: 's1', reasons: ['assertions-changed'] },
    ]);
    expect(report.exitCode).toBe(0);
  });

  it('not-comparable when every shared scenario changed: scenario, grader', () => {
    const current = [agg('rev/a', 's1', 'FFFF', { scenarioHash: 'sh-new' }), agg('rev/a', 's2', 'FFFF', { grader: 'judge-2' })];
    const baseline = [agg('rev/a', 's1', 'PPPP'), agg('rev/a', 's2', 'PPPP', { grader: 'judge-1' })];
    const report = gate(current, baseline);
    expect(report.comparisons[0]).toMatchObject({ verdict: 'not-comparable', comparison: null });
    expect(report.notComparable.map((n) => [n.scenarioId, n.reasons])).toEqual([
      ['s1', ['scenario-changed']],
      ['s2', ['grader-changed']],
    ]);
    expect(report.exitCode).toBe(0);
  });

  it('new scenarios and new variant × models are not compared', () => {
    const current = [...aggs('rev/a', five('PPPP')), agg('rev/a', 's9', 'FFFF'), ...aggs('rev/a', five('PPPP'), { model: 'm3' })];
    const report = gate(current, aggs('rev/a', five('PPPP')));
    const byModel = Object.fromEntries(report.comparisons.map((c) => [c.model, c]));
    expect(byModel.m1).toMatchObject({ verdict: 'unchanged', newScenarios: ['s9'] });
    expect(byModel.m1!.comparison!.comparedScenarios).toBe(5);
    expect(byModel.m3).toMatchObject({ verdict: 'new', comparison: null });
  });
});

describe('gateRun: thresholds', () => {
  const half = aggs('rev/a', five('PPFF'));

  it('no baseline: thresholds only; below the bar is a threshold miss, exit 1', () => {
    const ok = gate(half, undefined);
    expect(ok.comparisons[0]).toMatchObject({ verdict: 'new', breaches: [] });
    expect(ok).toMatchObject({ exitCode: 0, reason: 'no baseline: thresholds met' });

    const below = gate(half, undefined, { thresholds: Thresholds.parse({ passRate: 0.8 }) });
    expect(below.comparisons[0]!.verdict).toBe('below-threshold');
    expect(below.breaches).toEqual([
      expect.objectContaining({ scope: 'passRate', variantId: 'rev/a', model: 'm1', runs: 20, passes: 10, rate: 0.5, threshold: 0.8 }),
    ]);
    expect(below.exitCode).toBe(1);
  });

  it('the blessed run against itself: a threshold miss is labelled as such, never as a regression', () => {
    // 1 of 14 passed against passRate 0.5, the prompt unchanged since the baseline (it is the baseline).
    const run = aggs('rev/a', ['PFFFFFF', 'FFFFFFF']);
    const report = gate(run, run, { thresholds: Thresholds.parse({ passRate: 0.5 }) });
    const [c] = report.comparisons;
    expect(c!.verdict).toBe('below-threshold');
    expect(c!.reasons[0]).toBe('below threshold: passRate 7% < 50% (1/14)');
    expect([report.reason, ...c!.reasons].join(' ')).not.toMatch(/regress/);
    expect(report.reason).toBe('1 variant × model below threshold: rev/a @ m1 passRate 7% < 50%');
    expect(report.exitCode).toBe(1);
  });

  it('a significant drop that also misses a bar is regressed, and the miss is named too', () => {
    const report = gate(aggs('rev/a', five('FFFP'), edited), aggs('rev/a', five('PPPP')), {
      thresholds: Thresholds.parse({ passRate: 0.5 }),
    });
    expect(report.comparisons[0]!.verdict).toBe('regressed');
    expect(report.comparisons[0]!.reasons).toContain('below threshold: passRate 25% < 50% (5/20)');
    expect(report.reason).toBe('1 variant × model regressed; 1 variant × model below threshold: rev/a @ m1 passRate 25% < 50%');
    expect(report.exitCode).toBe(1);
  });

  it('the most specific bar applies: variant over agent over the global one', () => {
    const lenientVariant = gate(half, undefined, {
      thresholds: Thresholds.parse({ passRate: 0.8, agents: { rev: 0.9 }, variants: { 'rev/a': 0.4 } }),
    });
    expect(lenientVariant.exitCode).toBe(0);
    const strictAgent = gate(half, undefined, { thresholds: Thresholds.parse({ passRate: 0.3, agents: { rev: 0.6 } }) });
    expect(strictAgent.breaches.map((b) => [b.scope, b.threshold])).toEqual([['agent', 0.6]]);
    // A rate equal to its bar meets it.
    expect(gate(half, undefined, { thresholds: Thresholds.parse({ passRate: 0.5 }) }).exitCode).toBe(0);
  });

  it('per-scenario bars', () => {
    const current = aggs('rev/a', ['PPPP', 'PPPF', 'PFFF']);
    const report = gate(current, current, { thresholds: Thresholds.parse({ scenarios: { s2: 0.75, s3: 0.5 } }) });
    expect(report.breaches.map((b) => [b.scope, b.scenarioId, b.rate])).toEqual([['scenario', 's3', 0.25]]);
    expect(report.comparisons[0]!.verdict).toBe('below-threshold');
    expect(report.comparisons[0]!.reasons[0]).toBe('below threshold: scenarios.s3 25% < 50% (1/4)');
    expect(report.exitCode).toBe(1);
  });

  it('criticalMustPass: one failed critical assertion is a breach', () => {
    const current = aggs('rev/a', five('PPPP'));
    current[1] = { ...current[1]!, assertions: { 'no-secrets': { runs: 4, passes: 3, critical: true }, style: { runs: 4, passes: 1 } } };
    const strict = gate(current, undefined, { thresholds: Thresholds.parse({ criticalMustPass: true }) });
    expect(strict.breaches).toEqual([
      expect.objectContaining({ scope: 'critical', scenarioId: 's2', assertionId: 'no-secrets', runs: 4, passes: 3, threshold: 1 }),
    ]);
    expect(strict.comparisons[0]!.reasons[0]).toBe('below threshold: criticalMustPass s2 / no-secrets passed 3 of 4 times');
    expect(strict.exitCode).toBe(1);
    expect(gate(current, undefined).exitCode).toBe(0);
  });
});

describe('gateRun: exit codes', () => {
  it('provider errors over the budget: exit 3, not green', () => {
    const current = aggs('rev/a', five('PPEE'));
    const report = gate(current, aggs('rev/a', five('PPPP')));
    expect(report.errorBudget).toEqual({ errors: 10, plannedCells: 20, rate: 0.5, budget: 0.1, exceeded: true });
    expect(report.exitCode).toBe(3);
    expect(report.reason).toMatch(/provider errors 50% of 20 planned cells exceed the budget of 10%/);
    // Within a looser budget the same run passes.
    expect(gate(current, aggs('rev/a', five('PPPP')), { thresholds: Thresholds.parse({ errorBudget: 0.5 }) }).exitCode).toBe(0);
  });

  it('a measured regression outranks exceeded errors: exit 1, errors still reported', () => {
    const current = aggs('rev/a', ['FFFFE', 'FFFFE', 'FFFFE', 'FFFFE', 'FFFFE'], edited);
    const report = gate(current, aggs('rev/a', five('PPPPP')));
    expect(report.comparisons[0]!.verdict).toBe('regressed');
    expect(report.errorBudget.exceeded).toBe(true);
    expect(report.exitCode).toBe(1);
    expect(report.reason).toMatch(/regressed.*provider errors 20%/);
  });

  it('nothing scored at all cannot pass', () => {
    const report = gate(aggs('rev/a', five('NNNN')), aggs('rev/a', five('PPPP')));
    expect(report.exitCode).toBe(3);
    expect(report.reason).toMatch(/nothing was measured/);
  });

  it('nothing to evaluate: exit 0 with that reason', () => {
    const report = gateRun({ current: [], baseline: aggs('rev/a', five('PPPP')), thresholds: defaults, plannedCells: 0 });
    expect(report).toMatchObject({ exitCode: 0, reason: 'nothing to evaluate', nothingToEvaluate: true, comparisons: [] });
  });
});
