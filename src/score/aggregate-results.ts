/**
 * Results → counts per variant × model × scenario (`ScenarioAggregate`): what history lines, the
 * baseline and the gate hold instead of raw outputs. Pure.
 */
import { needsGrader } from '../assertions/registry.ts';
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import { isScored, type AssertionOutcome, type CellVerdict, type CellStatus } from '../schema/result.ts';
import { rateOf } from './rate.ts';
import { byKey } from './summarize.ts';
import type { RateWithInterval } from './types.ts';

const SEP = '\u0000';

const LETTER: Record<CellStatus, 'P' | 'F' | 'E' | 'N'> = {
  pass: 'P',
  fail: 'F',
  error: 'E',
  'not-run': 'N',
  'not-recorded': 'N',
};

/** Default test for "this assertion needed the grader": rubric-style kinds (`rubric`, `llm-rubric`). */
export function isGradedAssertion(a: AssertionOutcome): boolean {
  return needsGrader(a.kind);
}

/**
 * Aggregate one run's results per agent × variant × model × scenario, sorted by those keys.
 * `outcomes` holds one letter per repeat index (a repeat with no result is `N`), so a later
 * comparison can pair by (scenario, repeat). `carried` counts cells taken over from the baseline
 * (`source: 'baseline'`), so the gate can leave comparisons without new evidence out of its tests. `grader` is recorded only for scenarios with graded
 * assertions, so changing the grader makes only those scenarios not comparable.
 * @example aggregateRun(results, { grader: 'openai:chat:gpt-4.1' })[0]?.outcomes // 'PPF'
 */
export function aggregateRun(
  results: CellVerdict[],
  opts: { grader?: string; isGraded?: (a: AssertionOutcome) => boolean } = {},
): ScenarioAggregate[] {
  const isGraded = opts.isGraded ?? isGradedAssertion;
  const groups = new Map<string, CellVerdict[]>();
  for (const r of results) {
    const key = [r.agent, r.variantId, r.model, r.scenarioId].join(SEP);
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }

  return [...groups.keys()].sort(byKey).map((key) => {
    const cells = [...groups.get(key)!].sort((a, b) => a.repeat - b.repeat);
    const first = cells[0]!;
    const scored = cells.filter((c) => isScored(c.status));

    const letters: string[] = new Array(cells[cells.length - 1]!.repeat + 1).fill('N');
    for (const c of cells) letters[c.repeat] = LETTER[c.status];

    const assertions = assertionTallies(scored);
    const graded = opts.grader !== undefined && cells.some((c) => c.assertions.some(isGraded));
    const carried = cells.filter((c) => c.source === 'baseline').length;
    return {
      variantId: first.variantId,
      variantHash: first.variantHash,
      agent: first.agent,
      model: first.model,
      scenarioId: first.scenarioId,
      scenarioHash: first.scenarioHash,
      assertionsHash: first.assertionsHash,
      ...(graded ? { grader: opts.grader } : {}),
      runs: scored.length,
      passes: scored.filter((c) => c.status === 'pass').length,
      errors: cells.filter((c) => c.status === 'error').length,
      notRun: cells.filter((c) => c.status === 'not-run' || c.status === 'not-recorded').length,
      ...(carried > 0 ? { carried } : {}),
      scoreSum: scored.reduce((sum, c) => sum + c.score, 0),
      outcomes: letters.join(''),
      ...routingOf(cells, letters.length),
      assertions,
    };
  });
}

/** A routing case's decisions per repeat index ('' where none was scored). */
function routingOf(cells: CellVerdict[], repeats: number): Pick<ScenarioAggregate, 'routing'> {
  const first = cells.find((c) => c.routing)?.routing;
  if (!first) return {};
  const chosen: string[] = new Array(repeats).fill('');
  for (const c of cells) if (isScored(c.status) && c.routing?.chosen !== undefined) chosen[c.repeat] = c.routing.chosen;
  const versions = [...new Set(cells.flatMap((c) => (c.routing?.runtimeVersion ? [c.routing.runtimeVersion] : [])))].sort();
  return { routing: { suite: first.suite, expected: first.expected, chosen, ...(versions.length ? { runtimeVersions: versions } : {}) } };
}

/** Per assertion id over the scored cells: runs and passes (a grading error is neither), critical if any says so. */
function assertionTallies(scored: CellVerdict[]): ScenarioAggregate['assertions'] {
  const ids = new Set<string>();
  for (const c of scored) for (const a of c.assertions) ids.add(a.id);
  const tallies: ScenarioAggregate['assertions'] = {};
  for (const id of [...ids].sort(byKey)) {
    let runs = 0;
    let passes = 0;
    let critical = false;
    for (const c of scored) {
      for (const a of c.assertions) {
        if (a.id !== id) continue;
        critical ||= a.critical;
        if (a.gradingError) continue; // not judged: neither a pass nor a fail of the agent
        runs++;
        if (a.pass) passes++;
      }
    }
    tallies[id] = critical ? { runs, passes, critical } : { runs, passes };
  }
  return tallies;
}

/** Aggregates rolled up per variant × model: the numbers a trend point or a gate threshold needs. */
export interface VariantModelAggregate {
  agent: string;
  variantId: string;
  model: string;
  passRate: RateWithInterval;
  /** Mean cell score over scored cells, 0..1, or null when nothing was scored. */
  meanScore: number | null;
  errors: number;
  notRun: number;
  scenarios: ScenarioAggregate[];
}

/**
 * Roll scenario aggregates up per agent × variant × model, sorted by those keys.
 * @example summarizeAggregates(baseline.cells).map((v) => v.passRate.rate)
 */
export function summarizeAggregates(cells: readonly ScenarioAggregate[]): VariantModelAggregate[] {
  const groups = new Map<string, ScenarioAggregate[]>();
  for (const c of cells) {
    const key = [c.agent, c.variantId, c.model].join(SEP);
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  return [...groups.keys()].sort(byKey).map((key) => {
    const scenarios = [...groups.get(key)!].sort((a, b) => byKey(a.scenarioId, b.scenarioId));
    const sum = (f: (s: ScenarioAggregate) => number) => scenarios.reduce((total, s) => total + f(s), 0);
    const runs = sum((s) => s.runs);
    const first = scenarios[0]!;
    return {
      agent: first.agent,
      variantId: first.variantId,
      model: first.model,
      passRate: rateOf(
        sum((s) => s.passes),
        runs,
      ),
      meanScore: runs > 0 ? sum((s) => s.scoreSum) / runs : null,
      errors: sum((s) => s.errors),
      notRun: sum((s) => s.notRun),
      scenarios,
    };
  });
}
