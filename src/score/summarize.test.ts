import { describe, expect, it } from 'vitest';
import type { CellResult } from '../schema/result.ts';
import { findFlakyAssertions, summarizeRun } from './summarize.ts';
import { mcnemarExactP, wilsonInterval } from './stats.ts';
import { assertion, cell } from '../../test/support/cells.ts';

/** Variant × scenario outcomes, one repeat: `pass` lists which scenarios pass. */
function oneRepeat(variantId: string, model: string, scenarios: number, pass: (i: number) => boolean): CellResult[] {
  return Array.from({ length: scenarios }, (_, i) => cell({ variantId, model, scenarioId: `s${i}`, status: pass(i) ? 'pass' : 'fail' }));
}

describe('summarizeRun: per variant × model', () => {
  const results: CellResult[] = [
    cell({
      variantId: 'rev/a',
      scenarioId: 's1',
      repeat: 0,
      status: 'pass',
      score: 1,
      latencyMs: 100,
      tokens: { prompt: 10, completion: 5, total: 15 },
      cost: 0.01,
      assertions: [assertion('cites', true), assertion('tone', true, { kind: 'rubric' })],
    }),
    cell({
      variantId: 'rev/a',
      scenarioId: 's1',
      repeat: 1,
      status: 'fail',
      score: 0.5,
      latencyMs: 300,
      tokens: { prompt: 10, completion: 7, total: 17 },
      cost: 0.02,
      assertions: [assertion('cites', false), assertion('tone', true, { kind: 'rubric', gradingError: true })],
    }),
    cell({
      variantId: 'rev/a',
      scenarioId: 's2',
      repeat: 0,
      status: 'pass',
      score: 0.75,
      latencyMs: 200,
      assertions: [assertion('cites', true)],
    }),
    cell({
      variantId: 'rev/a',
      scenarioId: 's2',
      repeat: 1,
      status: 'error',
      latencyMs: 120_000,
      tokens: { prompt: 10, completion: 0, total: 10 },
      cost: 0.005,
      error: 'timeout',
    }),
    cell({ variantId: 'rev/a', scenarioId: 's3', repeat: 0, status: 'not-run', error: 'no key' }),
    cell({ variantId: 'rev/a', scenarioId: 's3', repeat: 1, status: 'not-recorded' }),
  ];
  const summary = summarizeRun('run-1', results);
  const v = summary.variants[0]!;

  it("counts answers by where they came from (live, promptfoo's cache, a recording, the baseline)", () => {
    const sourced = summarizeRun('run-1', [
      cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 0, status: 'pass', source: 'cache' }),
      cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 1, status: 'fail', source: 'cache' }),
      cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 2, status: 'error', source: 'live' }),
      cell({ variantId: 'rev/a', scenarioId: 's2', repeat: 0, status: 'pass', source: 'replay' }),
      cell({ variantId: 'rev/a', scenarioId: 's2', repeat: 1, status: 'pass', source: 'baseline' }),
      cell({ variantId: 'rev/a', scenarioId: 's2', repeat: 2, status: 'not-run', source: 'live' }),
    ]);
    expect(sourced.sources).toEqual({ live: 1, cache: 2, replay: 1, baseline: 1 });
  });

  it('counts every status and keeps unscored cells out of the pass rate', () => {
    expect(summary.runId).toBe('run-1');
    expect(summary.variants).toHaveLength(1);
    expect(v.counts).toEqual({ total: 6, run: 3, passed: 2, failed: 1, errors: 1, notRun: 1, notRecorded: 1 });
    expect(v.passRate.rate).toBeCloseTo(2 / 3, 12);
    expect(v.passRate.interval).toEqual(wilsonInterval(2, 3));
  });

  it('mean score over scored cells with a bootstrap interval that brackets it', () => {
    expect(v.meanScore.mean).toBeCloseTo((1 + 0.5 + 0.75) / 3, 12);
    expect(v.meanScore.interval!.low).toBeGreaterThanOrEqual(0.5);
    expect(v.meanScore.interval!.high).toBeLessThanOrEqual(1);
    expect(v.meanScore.interval!.low).toBeLessThan(v.meanScore.mean!);
  });

  it('is the same for results in any order', () => {
    expect(summarizeRun('run-1', [...results].reverse())).toEqual(summary);
  });

  it('per-scenario and per-assertion rates; grader failures are not judged', () => {
    expect(v.scenarios.map((s) => [s.scenarioId, s.passed, s.runs])).toEqual([
      ['s1', 1, 2],
      ['s2', 1, 1],
    ]);
    expect(v.assertions.map((a) => [a.scenarioId, a.assertionId, a.passed, a.runs])).toEqual([
      ['s1', 'cites', 1, 2],
      ['s1', 'tone', 1, 1],
      ['s2', 'cites', 1, 1],
    ]);
  });

  it('latency from answered cells; tokens and cost from every cell that reports them', () => {
    // Nearest rank: p95 of three values is the third.
    expect(v.latencyMs).toEqual({ p50: 200, p95: 300 });
    expect(v.tokens).toEqual({ prompt: 30, completion: 12, total: 42 });
    expect(v.cost).toBeCloseTo(0.035, 12);
  });
});

describe('summarizeRun: pairwise comparisons', () => {
  it('pairs by (scenario, repeat), exact McNemar, Holm across every pair of the run', () => {
    const results = [
      // Model m1: a passes s0 only; b passes s1..s9 → a-only 1, b-only 9.
      ...oneRepeat('rev/a', 'm1', 10, (i) => i === 0),
      ...oneRepeat('rev/b', 'm1', 10, (i) => i !== 0),
      // Model m2: identical outcomes.
      ...oneRepeat('rev/a', 'm2', 10, (i) => i < 5),
      ...oneRepeat('rev/b', 'm2', 10, (i) => i < 5),
      // Another agent on m1: never compared with rev.
      ...oneRepeat('plan/x', 'm1', 10, () => true),
    ];
    const { pairwise } = summarizeRun('r', results);
    expect(pairwise.map((p) => [p.agent, p.model, p.a, p.b])).toEqual([
      ['rev', 'm1', 'rev/a', 'rev/b'],
      ['rev', 'm2', 'rev/a', 'rev/b'],
    ]);
    const [m1, m2] = pairwise;
    expect(m1).toMatchObject({ pairs: 10, aOnly: 1, bOnly: 9, verdict: 'better' });
    expect(m1!.diff).toBeCloseTo(0.8, 12);
    expect(m1!.pValue).toBeCloseTo(0.0215, 4);
    // Holm with two tests: min p doubled.
    expect(m1!.adjustedP).toBeCloseTo(2 * mcnemarExactP(1, 9), 12);
    expect(m1!.diffInterval!.low).toBeGreaterThan(0);
    expect(m2).toMatchObject({ pairs: 10, aOnly: 0, bOnly: 0, diff: 0, pValue: 1, adjustedP: 1, verdict: 'inconclusive' });
    expect(m2!.moreRepeats).toBeUndefined();
  });

  it('worse when a beats b; inconclusive with an estimate of more repeats', () => {
    const worse = summarizeRun('r', [...oneRepeat('rev/a', 'm1', 12, () => true), ...oneRepeat('rev/b', 'm1', 12, (i) => i < 2)]);
    expect(worse.pairwise[0]).toMatchObject({ aOnly: 10, bOnly: 0, verdict: 'worse' });

    const unclear = summarizeRun('r', [...oneRepeat('rev/a', 'm1', 6, (i) => i < 3), ...oneRepeat('rev/b', 'm1', 6, (i) => i < 5)]);
    const p = unclear.pairwise[0]!;
    expect(p).toMatchObject({ aOnly: 0, bOnly: 2, verdict: 'inconclusive' });
    // 2 one-way discordant pairs in 6 → six needed (2/64 < 0.05): 3× the single repeat → 2 more.
    expect(p.moreRepeats).toBe(2);
  });

  it('variants that share no scored pair are not a test and do not count towards Holm', () => {
    const results = [
      ...oneRepeat('rev/a', 'm1', 10, (i) => i === 0),
      ...oneRepeat('rev/b', 'm1', 10, (i) => i !== 0),
      cell({ variantId: 'rev/a', model: 'm2', scenarioId: 'only-a', status: 'pass' }),
      cell({ variantId: 'rev/b', model: 'm2', scenarioId: 'only-b', status: 'fail' }),
    ];
    const [m1, m2] = summarizeRun('r', results).pairwise;
    expect(m1!.adjustedP).toBe(m1!.pValue);
    expect(m2).toMatchObject({ pairs: 0, adjustedP: 1, verdict: 'inconclusive' });
    expect(m2!.diffInterval).toBeUndefined();
  });

  it('skips pairs where either cell was not scored', () => {
    const results = [
      cell({ variantId: 'rev/a', scenarioId: 's1', status: 'pass' }),
      cell({ variantId: 'rev/b', scenarioId: 's1', status: 'error' }),
      cell({ variantId: 'rev/a', scenarioId: 's2', status: 'fail' }),
      cell({ variantId: 'rev/b', scenarioId: 's2', status: 'pass' }),
      cell({ variantId: 'rev/a', scenarioId: 's3', repeat: 1, status: 'pass' }),
      cell({ variantId: 'rev/b', scenarioId: 's3', repeat: 0, status: 'pass' }),
    ];
    expect(summarizeRun('r', results).pairwise[0]).toMatchObject({ pairs: 1, aOnly: 0, bOnly: 1 });
  });
});

describe('findFlakyAssertions', () => {
  const repeats = (variantId: string, scenarioId: string, id: string, passes: boolean[]) =>
    passes.map((pass, repeat) =>
      cell({ variantId, scenarioId, repeat, status: pass ? 'pass' : 'fail', assertions: [assertion(id, pass)] }),
    );

  it('ranks by disagreement, then by evidence; stable assertions are not flaky', () => {
    const results = [
      ...repeats('rev/a', 's1', 'quarter', [true, false, false, false]),
      ...repeats('rev/a', 's2', 'half-of-two', [true, false]),
      ...repeats('rev/a', 's3', 'stable', [true, true, true]),
      ...repeats('rev/a', 's4', 'half-of-four', [false, true, true, false]),
      ...repeats('rev/a', 's5', 'always-fails', [false, false]),
    ];
    const flaky = findFlakyAssertions(results);
    expect(flaky.map((f) => [f.assertionId, f.passes, f.repeats, f.flakiness])).toEqual([
      ['half-of-four', 2, 4, 1],
      ['half-of-two', 1, 2, 1],
      ['quarter', 1, 4, 0.5],
    ]);
    expect(summarizeRun('r', results).flaky).toEqual(flaky);
  });

  it('separates models and ignores unjudged and unscored outcomes', () => {
    const results = [
      cell({ variantId: 'rev/a', scenarioId: 's1', model: 'm1', repeat: 0, status: 'pass', assertions: [assertion('x', true)] }),
      cell({ variantId: 'rev/a', scenarioId: 's1', model: 'm2', repeat: 1, status: 'fail', assertions: [assertion('x', false)] }),
      cell({
        variantId: 'rev/a',
        scenarioId: 's1',
        model: 'm1',
        repeat: 1,
        status: 'fail',
        assertions: [assertion('x', false, { gradingError: true })],
      }),
      cell({ variantId: 'rev/a', scenarioId: 's1', model: 'm1', repeat: 2, status: 'error', assertions: [assertion('x', false)] }),
    ];
    expect(findFlakyAssertions(results)).toEqual([]);
  });
});
