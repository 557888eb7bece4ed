/**
 * The gate for routing suites (pure): per suite × variant × model and per agent of the suite, recall and precision
 * against the baseline's, each with an exact paired test over (case, repeat), adjusted across the run's routing
 * tests by discrete Holm, the method of the run's other comparisons. A significant drop, or a figure under the
 * config's `thresholds.routing`, fails the gate, naming the requests that moved and where they went.
 */
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import { type DiscreteTest, discreteHolmAdjust, mcnemarSupport } from './discrete-holm.ts';
import { NONE, routingFigures } from './routing-figures.ts';
import { mcnemarExactP } from './stats.ts';
import type { MovedRequest, RoutingGateItem } from './types.ts';

export type { MovedRequest, RoutingGateItem } from './types.ts';

interface RoutingGateInput {
  current: readonly ScenarioAggregate[];
  baseline?: readonly ScenarioAggregate[];
  alpha: number;
  thresholds?: { recall?: number; precision?: number };
  /** The run's other tests (its variant × model comparisons): the routing tests are adjusted in one family with them. */
  family?: readonly DiscreteTest[];
}

const SEP = '\u0000';
const keyOf = (s: ScenarioAggregate) => [s.agent, s.variantId, s.model, s.scenarioId].join(SEP);

interface Draft extends Omit<RoutingGateItem, 'verdict' | 'reason'> {
  worse: boolean;
  discordant: number;
}

/** `runtime 1.0.2 → 1.1.0` when the decisions of the two runs were made by different versions of the runtime program. */
function runtimeChange(baseline: readonly ScenarioAggregate[], current: readonly ScenarioAggregate[]): string | undefined {
  const versions = (cells: readonly ScenarioAggregate[]) =>
    [...new Set(cells.flatMap((c) => c.routing?.runtimeVersions ?? []))].sort().join(', ');
  const [was, now] = [versions(baseline), versions(current)];
  return was && now && was !== now ? `runtime ${was} → ${now}` : undefined;
}

/**
 * Every agent's recall and precision in every routing suite × variant × model of the run, judged; the gate fails
 * on a `regressed` or `below-threshold` item.
 *
 * @example gateRouting({ current, baseline, alpha: 0.05 }).filter((i) => i.verdict === 'regressed')
 */
export function gateRouting(input: RoutingGateInput): RoutingGateItem[] {
  const drafts = draftsOf(input);
  const tested = drafts.filter((d) => d.pValue !== undefined);
  // One family with the run's other comparisons (`family`), adjusted together by discrete Holm.
  const adjusted = discreteHolmAdjust([...testsOf(tested), ...(input.family ?? [])]);
  tested.forEach((d, i) => {
    d.adjustedP = adjusted[i]!;
  });
  // Failures first; among them the sibling that lost requests (recall) before the one that took them (precision).
  return drafts
    .map((d) => judge(d, input))
    .sort((x, y) => ORDER[x.verdict] - ORDER[y.verdict] || (x.figure === y.figure ? 0 : x.figure === 'recall' ? -1 : 1));
}

/** The routing tests of the run (p-value and the p-values its exact test could give), for the run's one family. */
export function routingTests(input: Pick<RoutingGateInput, 'current' | 'baseline'>): DiscreteTest[] {
  return testsOf(draftsOf({ ...input, alpha: 0.05 }).filter((d) => d.pValue !== undefined));
}

const testsOf = (drafts: readonly Draft[]): DiscreteTest[] => drafts.map((d) => ({ p: d.pValue!, support: mcnemarSupport(d.discordant) }));

function draftsOf(input: RoutingGateInput): Draft[] {
  const base = new Map((input.baseline ?? []).map((s) => [keyOf(s), s]));
  const drafts: Draft[] = [];
  for (const f of routingFigures(input.current)) {
    const cases = input.current.filter(
      (s) => s.routing?.suite === f.suite && s.agent === f.agent && s.variantId === f.variantId && s.model === f.model,
    );
    // (case, repeat) pairs decided on both sides, of cases unchanged since the baseline.
    const pairs: Array<{ scenarioId: string; repeat: number; expected: string; was: string; now: string }> = [];
    for (const cur of cases) {
      const b = base.get(keyOf(cur));
      if (!b?.routing || b.scenarioHash !== cur.scenarioHash || b.assertionsHash !== cur.assertionsHash) continue;
      cur.routing!.chosen.forEach((now, repeat) => {
        const was = b.routing!.chosen[repeat];
        if (now && was) pairs.push({ scenarioId: cur.scenarioId, repeat, expected: cur.routing!.expected, was, now });
      });
    }
    const baselineCases = cases.map((c) => base.get(keyOf(c))).filter((b): b is ScenarioAggregate => Boolean(b?.routing));
    const runtime = runtimeChange(baselineCases, cases);
    const baseFigures = baselineCases.length ? routingFigures(baselineCases)[0] : undefined;
    for (const a of f.agents) {
      const was = baseFigures?.agents.find((x) => x.agent === a.agent);
      for (const figure of ['recall', 'precision'] as const) {
        // Recall: requests expected for the agent, lost (b) or won (c). Precision: others' requests it took wrongly.
        const relevant = figure === 'recall' ? pairs.filter((p) => p.expected === a.agent) : pairs.filter((p) => p.expected !== a.agent);
        const bad = (x: string) => (figure === 'recall' ? x !== a.agent : x === a.agent);
        const lost = relevant.filter((p) => !bad(p.was) && bad(p.now));
        const won = relevant.filter((p) => bad(p.was) && !bad(p.now));
        const tested = baseFigures !== undefined && pairs.length > 0;
        drafts.push({
          suite: f.suite,
          agent: f.agent,
          variantId: f.variantId,
          model: f.model,
          sibling: a.agent,
          figure,
          current: a[figure],
          ...(was ? { baseline: was[figure] } : {}),
          ...(tested ? { pValue: mcnemarExactP(lost.length, won.length) } : {}),
          moved: lost.map((p) => ({ scenarioId: p.scenarioId, repeat: p.repeat, expected: p.expected, from: p.was, to: p.now })),
          worse: lost.length > won.length,
          discordant: lost.length + won.length,
          ...(runtime ? { runtimeChange: runtime } : {}),
        });
      }
    }
  }
  return drafts;
}

const ORDER: Record<RoutingGateItem['verdict'], number> = {
  regressed: 0,
  'below-threshold': 1,
  improved: 2,
  inconclusive: 3,
  new: 4,
  unchanged: 5,
};

function judge(d: Draft, input: RoutingGateInput): RoutingGateItem {
  const judged = verdictOf(d, input);
  // A new runtime version is a cause of its own: said beside every figure it may have moved.
  return d.runtimeChange ? { ...judged, reason: `${judged.reason}; ${d.runtimeChange} (routing depends on it)` } : judged;
}

function verdictOf(d: Draft, input: RoutingGateInput): RoutingGateItem {
  const { worse, discordant: _discordant, ...item } = d;
  const bar = input.thresholds?.[d.figure];
  const figure = `${d.sibling === NONE ? 'handled itself' : d.sibling} ${d.figure}`;
  const change = d.baseline ? `${num(d.baseline.rate)} → ${num(d.current.rate)}` : num(d.current.rate);
  const counts = `(${d.current.passed}/${d.current.runs})`;
  const p = d.adjustedP !== undefined ? `, adjusted p = ${d.adjustedP.toPrecision(2)}` : '';
  const moved = d.moved.length ? `; moved: ${describeMoved(d.moved)}` : '';
  if (d.adjustedP !== undefined && d.adjustedP < input.alpha && worse)
    return { ...item, verdict: 'regressed', reason: `${figure} ${change} ${counts}${p}${moved}` };
  if (bar !== undefined && d.current.rate !== null && d.current.rate < bar)
    return {
      ...item,
      verdict: 'below-threshold',
      reason: `${figure} ${num(d.current.rate)} ${counts} below threshold ${num(bar)}${moved}`,
    };
  if (d.adjustedP === undefined) return { ...item, verdict: 'new', reason: `${figure} ${change} ${counts}: no baseline to compare with` };
  if (d.adjustedP < input.alpha) return { ...item, verdict: 'improved', reason: `${figure} ${change} ${counts}${p}` };
  return { ...item, verdict: d.moved.length ? 'inconclusive' : 'unchanged', reason: `${figure} ${change} ${counts}${p}${moved}` };
}

/** `case#repeat expected → chosen`, the first few, then a count. */
function describeMoved(moved: readonly MovedRequest[], most = 5): string {
  const shown = moved.slice(0, most).map((m) => `${m.scenarioId}#${m.repeat + 1} (${m.from} → ${m.to})`);
  return shown.join(', ') + (moved.length > most ? `, +${moved.length - most} more` : '');
}

const num = (x: number | null) => (x === null ? '–' : x.toFixed(2));
