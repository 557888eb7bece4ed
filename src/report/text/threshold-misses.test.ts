import { describe, expect, it } from 'vitest';
import { Thresholds } from '../../schema/eval-config.ts';
import { aggs } from '../../../test/support/cells.ts';
import { renderThresholdMisses } from './threshold-misses.ts';

describe('renderThresholdMisses', () => {
  // 1 of 14 passed: what `eval` without `--ci` used to pass over in silence.
  const weak = aggs('rev/a', ['PFFFFFF', 'FFFFFFF']);
  const strong = aggs('rev/b', ['PPPPPPP', 'PPPPPPP']);

  it('names each missed bar per variant × model, as the config spells it', () => {
    const lines = renderThresholdMisses([...weak, ...strong], Thresholds.parse({ passRate: 0.5, scenarios: { s2: 0.1 } }));
    expect(lines).toEqual([
      'below threshold: 1 of 2 variant × model misses a bar of the config (`agent-evals gate` and `eval --ci` exit 1 on this)',
      '  rev/a @ m1: passRate 7% < 50% (1/14)',
      '  rev/a @ m1: scenarios.s2 0% < 10% (0/7)',
    ]);
  });

  it('nothing missed, or no bars set: no lines', () => {
    expect(renderThresholdMisses(strong, Thresholds.parse({ passRate: 0.5 }))).toEqual([]);
    expect(renderThresholdMisses(weak, Thresholds.parse({}))).toEqual([]);
  });

  it('critical assertions and the most specific bar', () => {
    const cells = aggs('rev/a', ['PPPP']).map((c) => ({ ...c, assertions: { 'no-secrets': { runs: 4, passes: 3, critical: true } } }));
    expect(
      renderThresholdMisses(cells, Thresholds.parse({ passRate: 0.1, variants: { 'rev/a': 1 }, criticalMustPass: true })).slice(1),
    ).toEqual(['  rev/a @ m1: criticalMustPass s1 / no-secrets passed 3 of 4 times']);
    expect(renderThresholdMisses(weak, Thresholds.parse({ passRate: 0.1, agents: { rev: 0.5 } })).slice(1)).toEqual([
      '  rev/a @ m1: agents.rev 7% < 50% (1/14)',
    ]);
  });
});
