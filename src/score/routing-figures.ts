/**
 * Routing figures (pure): per suite × variant × model, the confusion matrix (expected × chosen, `none` = the main
 * agent answered itself), each agent's precision and recall with Wilson intervals, the pairs of agents that take
 * each other's requests, and the misrouted requests. Computed from scenario aggregates, so a run, the baseline
 * and history lines give the same figures.
 */
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import { rateOf } from './rate.ts';
import type { RateWithInterval } from './types.ts';

export const NONE = 'none';

/**
 * Two agents collide when, of the requests expected for either, at least this share went to the other: one
 * request in ten is where a user notices the wrong agent answering.
 */
export const COLLISION_RATE = 0.1;

interface AgentRouting {
  agent: string;
  /** Correct / decisions on requests expected for this agent. */
  recall: RateWithInterval;
  /** Correct / requests this agent took. */
  precision: RateWithInterval;
}

interface Misrouted {
  scenarioId: string;
  expected: string;
  chosen: string;
  /** Repeat indexes that went there. */
  repeats: number[];
}

interface Collision {
  a: string;
  b: string;
  /** Requests expected for a that b took, and the other way. */
  aToB: number;
  bToA: number;
  /** (aToB + bToA) / requests expected for a or b. */
  rate: number;
}

export interface RoutingFigures {
  suite: string;
  agent: string;
  variantId: string;
  model: string;
  /** The cases (scenario ids) the figures are over. */
  cases: string[];
  /** Row and column labels: the suite's agents, then other choices (built-ins), then `none`. */
  labels: string[];
  /** matrix[i][j]: decisions on requests expected for labels[i] that went to labels[j]. */
  matrix: number[][];
  decisions: number;
  correct: number;
  agents: AgentRouting[];
  collisions: Collision[];
  misrouted: Misrouted[];
}

const SEP = '\u0000';

/** Every decision of a routing aggregate, as (expected, chosen, repeat). */
function decisionsOf(s: ScenarioAggregate): Array<{ expected: string; chosen: string; repeat: number }> {
  if (!s.routing) return [];
  const expected = s.routing.expected;
  return s.routing.chosen.flatMap((chosen, repeat) => (chosen ? [{ expected, chosen, repeat }] : []));
}

/**
 * The routing figures of every suite × variant × model among `aggregates` (others are ignored), sorted by key.
 *
 * @example routingFigures(aggregateRun(results))[0].agents.find((a) => a.agent === 'db')?.recall.rate // 0.75
 */
export function routingFigures(aggregates: readonly ScenarioAggregate[]): RoutingFigures[] {
  const groups = new Map<string, ScenarioAggregate[]>();
  for (const s of aggregates) {
    if (!s.routing) continue;
    const key = [s.routing.suite, s.agent, s.variantId, s.model].join(SEP);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.keys()].sort().map((key) => figuresOf(groups.get(key)!));
}

function figuresOf(cases: ScenarioAggregate[]): RoutingFigures {
  const first = cases[0]!;
  const decisions = cases.flatMap((s) => decisionsOf(s).map((d) => ({ ...d, scenarioId: s.scenarioId })));
  const labels = labelsOf(
    cases.map((s) => s.routing!.expected),
    decisions.map((d) => d.chosen),
  );
  const index = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  for (const d of decisions) matrix[index.get(d.expected)!]![index.get(d.chosen)!]!++;
  const rowSum = (i: number) => matrix[i]!.reduce((a, b) => a + b, 0);
  const colSum = (j: number) => matrix.reduce((a, row) => a + row[j]!, 0);
  const expectedLabels = new Set(cases.map((s) => s.routing!.expected));
  const agents = labels
    .map((agent, i) => ({ agent, recall: rateOf(matrix[i]![i]!, rowSum(i)), precision: rateOf(matrix[i]![i]!, colSum(i)) }))
    .filter((a) => expectedLabels.has(a.agent) || a.precision.runs > 0);
  const collisions: Collision[] = [];
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      if (labels[i] === NONE || labels[j] === NONE) continue;
      const aToB = matrix[i]![j]!;
      const bToA = matrix[j]![i]!;
      const n = rowSum(i) + rowSum(j);
      if (n > 0 && aToB > 0 && bToA > 0 && (aToB + bToA) / n >= COLLISION_RATE)
        collisions.push({ a: labels[i]!, b: labels[j]!, aToB, bToA, rate: (aToB + bToA) / n });
    }
  }
  const misrouted = new Map<string, Misrouted>();
  for (const d of decisions) {
    if (d.chosen === d.expected) continue;
    const key = d.scenarioId + SEP + d.chosen;
    const m = misrouted.get(key) ?? { scenarioId: d.scenarioId, expected: d.expected, chosen: d.chosen, repeats: [] };
    m.repeats.push(d.repeat);
    misrouted.set(key, m);
  }
  return {
    suite: first.routing!.suite,
    agent: first.agent,
    variantId: first.variantId,
    model: first.model,
    cases: cases.map((s) => s.scenarioId),
    labels,
    matrix,
    decisions: decisions.length,
    correct: decisions.filter((d) => d.chosen === d.expected).length,
    agents,
    collisions: collisions.sort((x, y) => y.rate - x.rate),
    misrouted: [...misrouted.values()].sort((x, y) => (x.scenarioId < y.scenarioId ? -1 : x.scenarioId > y.scenarioId ? 1 : 0)),
  };
}

/** The suite's agents (those expected), then other choices, then `none`. */
function labelsOf(expected: string[], chosen: string[]): string[] {
  const agents = [...new Set(expected.filter((e) => e !== NONE))].sort();
  const others = [...new Set(chosen.filter((c) => c !== NONE && !agents.includes(c)))].sort();
  return [...agents, ...others, NONE];
}

/** One run's share of correct decisions for a suite × variant × model. */
interface RoutingTrendPoint {
  runId: string;
  time: string;
  correct: number;
  decisions: number;
}

/**
 * The share of correct decisions of `figures`' cases in each run of history (oldest first, the last `most`), from
 * the pass counts history keeps per case; runs whose line holds totals only are left out.
 *
 * @example routingTrend(history, figures[0], ['backend/a', 'backend/b']).at(-1)?.correct
 */
export function routingTrend(
  history: ReadonlyArray<{ runId: string; time: string; cells: readonly ScenarioAggregate[] }>,
  f: Pick<RoutingFigures, 'variantId' | 'model'>,
  caseIds: ReadonlySet<string>,
  most = 10,
): RoutingTrendPoint[] {
  const points: RoutingTrendPoint[] = [];
  for (const entry of history) {
    let correct = 0;
    let decisions = 0;
    for (const c of entry.cells) {
      if (c.variantId !== f.variantId || c.model !== f.model || !caseIds.has(c.scenarioId)) continue;
      correct += c.passes;
      decisions += c.runs;
    }
    if (decisions > 0) points.push({ runId: entry.runId, time: entry.time, correct, decisions });
  }
  return points.slice(-most);
}
