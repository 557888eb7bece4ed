import { describe, expect, it } from 'vitest';
import { ScenarioAggregate } from '../schema/aggregate.ts';
import { aggregateRun, summarizeAggregates } from './aggregate-results.ts';
import { assertion, cell } from '../../test/support/cells.ts';

describe('aggregateRun', () => {
  const results = [
    cell({ variantId: 'rev/b', scenarioId: 's1', repeat: 0, status: 'pass', score: 1 }),
    cell({
      variantId: 'rev/a',
      scenarioId: 's2',
      repeat: 0,
      status: 'pass',
      score: 1,
      assertions: [assertion('tone', true, { kind: 'rubric' })],
    }),
    cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 3, status: 'not-recorded' }),
    cell({
      variantId: 'rev/a',
      scenarioId: 's1',
      repeat: 1,
      status: 'fail',
      score: 0.5,
      assertions: [
        assertion('cites', false, { critical: true }),
        assertion('short', true),
        assertion('tone', true, { kind: 'rubric', gradingError: true }),
      ],
    }),
    cell({
      variantId: 'rev/a',
      scenarioId: 's1',
      repeat: 0,
      status: 'pass',
      score: 1,
      assertions: [assertion('cites', true, { critical: true }), assertion('short', true), assertion('tone', true, { kind: 'rubric' })],
    }),
    cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 4, status: 'error', error: '429' }),
    cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 5, status: 'not-run' }),
  ];
  const out = aggregateRun(results, { grader: 'openai:gpt-4.1' });

  it('one valid aggregate per variant × model × scenario, in key order', () => {
    expect(out.map((a) => [a.variantId, a.scenarioId])).toEqual([
      ['rev/a', 's1'],
      ['rev/a', 's2'],
      ['rev/b', 's1'],
    ]);
    for (const a of out) expect(ScenarioAggregate.parse(a)).toEqual(a);
    expect(aggregateRun([...results].reverse(), { grader: 'openai:gpt-4.1' })).toEqual(out);
  });

  it('counts, score sum and one letter per repeat (a missing repeat is N)', () => {
    expect(out[0]).toMatchObject({ runs: 2, passes: 1, errors: 1, notRun: 2, scoreSum: 1.5, outcomes: 'PFNNEN' });
  });

  it('per-assertion counts mark critical ones and skip unjudged outcomes', () => {
    expect(out[0]!.assertions).toEqual({
      cites: { runs: 2, passes: 1, critical: true },
      short: { runs: 2, passes: 2 },
      tone: { runs: 1, passes: 1 },
    });
  });

  it('counts cells carried from the baseline, so the gate can tell new evidence from old', () => {
    const mixed = aggregateRun([
      cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 0, status: 'pass', source: 'baseline' }),
      cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 1, status: 'fail', source: 'baseline' }),
      cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 2, status: 'pass', source: 'live' }),
    ]);
    expect(mixed[0]).toMatchObject({ runs: 3, carried: 2 });
    expect(ScenarioAggregate.parse(mixed[0])).toEqual(mixed[0]);
    // Nothing carried: no field, so history lines stay as they were.
    expect(out[0]).not.toHaveProperty('carried');
  });

  it('records the grader only for scenarios with graded assertions', () => {
    expect(out[0]!.grader).toBe('openai:gpt-4.1');
    expect(out[2]!.grader).toBeUndefined();
    expect(aggregateRun(results, {})[0]!.grader).toBeUndefined();
  });
});

describe('summarizeAggregates', () => {
  it('rolls scenarios up per variant × model', () => {
    const results = [
      cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 0, status: 'pass', score: 1 }),
      cell({ variantId: 'rev/a', scenarioId: 's1', repeat: 1, status: 'fail', score: 0.2 }),
      cell({ variantId: 'rev/a', scenarioId: 's2', repeat: 0, status: 'error' }),
      cell({ variantId: 'rev/a', scenarioId: 's2', repeat: 1, status: 'pass', score: 0.9 }),
      cell({ variantId: 'rev/a', model: 'm2', scenarioId: 's1', status: 'not-run' }),
    ];
    const [m1, m2] = summarizeAggregates(aggregateRun(results, {}));
    expect(m1).toMatchObject({ variantId: 'rev/a', model: 'm1', errors: 1, notRun: 0 });
    expect(m1!.passRate).toMatchObject({ runs: 3, passed: 2 });
    expect(m1!.meanScore).toBeCloseTo(0.7, 12);
    expect(m1!.scenarios.map((s) => s.scenarioId)).toEqual(['s1', 's2']);
    expect(m2).toMatchObject({ model: 'm2', notRun: 1, meanScore: null });
    expect(m2!.passRate.rate).toBeNull();
  });
});
