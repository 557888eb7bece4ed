/**
 * Builders for synthetic results and aggregates in the scoring tests. Test support only.
 */
import type { ScenarioAggregate } from '../../src/schema/aggregate.ts';
import type { AssertionOutcome, CellResult, CellStatus } from '../../src/schema/result.ts';

/** One result line with sensible defaults; `status` decides `score` unless given. */
export function cell(over: Partial<CellResult> & { variantId: string; scenarioId: string; status: CellStatus }): CellResult {
  const scored = over.status === 'pass' || over.status === 'fail';
  return {
    cellId: `${over.variantId}|${over.model ?? 'm1'}|${over.scenarioId}|${over.repeat ?? 0}`,
    agent: over.variantId.split('/')[0]!,
    variantHash: `vh-${over.variantId}`,
    scenarioHash: `sh-${over.scenarioId}`,
    assertionsHash: `ah-${over.scenarioId}`,
    model: 'm1',
    repeat: 0,
    assertions: [],
    score: scored && over.status === 'pass' ? 1 : 0,
    finishedAt: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

export function assertion(id: string, pass: boolean, over: Partial<AssertionOutcome> = {}): AssertionOutcome {
  return { id, kind: 'contains', pass, score: pass ? 1 : 0, weight: 1, critical: false, ...over };
}

/**
 * A scenario aggregate from its per-repeat letters: `agg('rev/a', 's1', 'PPF')`. Counts follow the
 * letters unless overridden.
 */
export function agg(variantId: string, scenarioId: string, outcomes: string, over: Partial<ScenarioAggregate> = {}): ScenarioAggregate {
  const count = (ch: string) => [...outcomes].filter((c) => c === ch).length;
  const passes = count('P');
  const runs = passes + count('F');
  return {
    variantId,
    variantHash: `vh-${variantId}`,
    agent: variantId.split('/')[0]!,
    model: 'm1',
    scenarioId,
    scenarioHash: `sh-${scenarioId}`,
    assertionsHash: `ah-${scenarioId}`,
    runs,
    passes,
    errors: count('E'),
    notRun: count('N'),
    scoreSum: passes,
    outcomes,
    assertions: {},
    ...over,
  };
}

/** The same letters for scenarios s1..sN. */
export function aggs(variantId: string, outcomes: readonly string[], over: Partial<ScenarioAggregate> = {}): ScenarioAggregate[] {
  return outcomes.map((o, i) => agg(variantId, `s${i + 1}`, o, over));
}
