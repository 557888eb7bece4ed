/**
 * Affected-only runs (`--changed-since <ref>`), pure part: which cells must run live and which can be
 * carried over from the baseline as it stands.
 *
 * A cell runs live when its variant file, its scenario file or the eval config changed since the ref,
 * or when the baseline cannot vouch for it: no aggregate with the same variant, scenario and
 * assertion-set hashes (and grader, for graded scenarios), or no pass/fail outcome for its repeat.
 * Every other cell is carried: rebuilt from the baseline's counts as a `CellResult` with
 * `source: 'baseline'`, so reports, gate and junit see the whole matrix while only the change is paid for.
 */
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import type { Baseline, ScenarioAggregate } from '../schema/aggregate.ts';
import type { AssertionOutcome, CellResult } from '../schema/result.ts';
import { needsGrader } from '../assertions/registry.ts';
import type { Cell } from './matrix.ts';
import { cellIdentity, planCell } from './plan-cell.ts';

interface AffectedInput {
  cells: Cell<LoadedScenario>[];
  /** Files changed since the ref, relative to the project root. */
  changed: ReadonlySet<string>;
  /** The eval config file, relative to the project root: when it changed, everything runs. */
  configFile: string;
  baseline?: Baseline;
  /** Provider id of the configured grader, if any. */
  graderId?: string;
}

interface AffectedSelection {
  live: Cell<LoadedScenario>[];
  carried: CellResult[];
  /** Variant ids and scenario ids whose files changed (among the planned cells). */
  changedVariants: string[];
  changedScenarios: string[];
  configChanged: boolean;
  /** Cells run live only because the baseline had no matching outcome for them. */
  unbacked: number;
}

const SEP = '\u0000';
const aggregateKey = (agent: string, variantId: string, model: string, scenarioId: string) =>
  [agent, variantId, model, scenarioId].join(SEP);

/**
 * Splits the planned cells into live and carried.
 * @example selectAffected({ cells, changed: new Set(['agents/a/v1.md']), configFile: 'evals/default.yaml', baseline }).live.length
 */
export function selectAffected(input: AffectedInput): AffectedSelection {
  const { cells, changed, baseline } = input;
  const configChanged = changed.has(input.configFile);
  const byKey = new Map((baseline?.cells ?? []).map((a) => [aggregateKey(a.agent, a.variantId, a.model, a.scenarioId), a]));
  const changedVariants = new Set<string>();
  const changedScenarios = new Set<string>();
  const live: Cell<LoadedScenario>[] = [];
  const carried: CellResult[] = [];
  let unbacked = 0;

  for (const cell of cells) {
    const variantChanged = changed.has(cell.variant.file);
    // A routing case's decision depends on every sibling's file: an edited sibling measures it again.
    const scenarioChanged = changed.has(cell.scenario.file) || (cell.scenario.routing?.siblings.some((s) => changed.has(s.file)) ?? false);
    if (variantChanged) changedVariants.add(cell.variant.id);
    if (scenarioChanged) changedScenarios.add(cell.scenario.id);
    if (configChanged || variantChanged || scenarioChanged || !baseline) {
      live.push(cell);
      continue;
    }
    const base = byKey.get(aggregateKey(cell.variant.name, cell.variant.id, cell.model.label, cell.scenario.id));
    const result = base ? carriedResult(cell, base, baseline, input.graderId) : undefined;
    if (result) carried.push(result);
    else {
      live.push(cell);
      unbacked++;
    }
  }
  return {
    live,
    carried,
    changedVariants: [...changedVariants].sort(),
    changedScenarios: [...changedScenarios].sort(),
    configChanged,
    unbacked,
  };
}

/** Does this assertion kind need the grader? (Same rule as `isGradedAssertion` in score/aggregate.) */

/**
 * The baseline's outcome for one cell, or undefined when the baseline measured something else (other
 * hashes or grader) or has no pass/fail for this repeat. The baseline keeps counts per assertion, not
 * per cell, so two things are reconstructed, both keeping the aggregates exact: the score is the
 * scenario's mean score in the baseline; and where an assertion passed in some repeats and failed in
 * others, its passes are attributed to the passing repeats first (then by repeat index), and its
 * ungraded runs (grader failures) to the last ones.
 */
function carriedResult(
  cell: Cell<LoadedScenario>,
  base: ScenarioAggregate,
  baseline: Baseline,
  graderId: string | undefined,
): CellResult | undefined {
  const plan = planCell(cell);
  const graded = Object.values(plan.assertionInfo).some((a) => needsGrader(a.kind));
  if (base.variantHash !== plan.variantHash || base.scenarioHash !== plan.scenarioHash || base.assertionsHash !== plan.assertionsHash)
    return undefined;
  if (base.grader !== (graded ? graderId : undefined)) return undefined;
  const letter = base.outcomes[plan.repeat];
  if (letter !== 'P' && letter !== 'F') return undefined;

  const scored = [...base.outcomes]
    .map((l, i) => ({ l, i }))
    .filter((x) => x.l === 'P' || x.l === 'F')
    .sort((a, b) => (a.l === b.l ? a.i - b.i : a.l === 'P' ? -1 : 1));
  const rank = scored.findIndex((x) => x.i === plan.repeat);
  const assertions: AssertionOutcome[] = [];
  for (const [id, info] of Object.entries(plan.assertionInfo)) {
    const counts = base.assertions[id];
    if (!counts) continue;
    const judged = rank < counts.runs;
    const pass = judged && rank < counts.passes;
    assertions.push({
      id,
      kind: info.kind,
      pass,
      score: pass ? 1 : 0,
      weight: info.weight,
      critical: info.critical,
      ...(judged ? {} : { gradingError: true }),
    });
  }
  return {
    ...cellIdentity(plan),
    status: letter === 'P' ? 'pass' : 'fail',
    assertions,
    score: base.runs > 0 ? Math.min(1, Math.max(0, base.scoreSum / base.runs)) : 0,
    source: 'baseline',
    // A carried routing cell keeps the decision the baseline recorded for its repeat (the figures need it).
    ...(base.routing
      ? { routing: { suite: base.routing.suite, expected: base.routing.expected, chosen: base.routing.chosen[plan.repeat] ?? '' } }
      : {}),
    finishedAt: baseline.time,
  };
}
