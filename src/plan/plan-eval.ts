import { EvalConfigError, UsageError, UserErrors } from '../errors.ts';
import type { EvalInputs } from './cell-plan.ts';
import { isGradedAssertion } from '../score/aggregate-results.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import { selectAffected } from './affected.ts';
import type { CarriedCells } from '../schema/carried-cells.ts';
import { type Cell, duplicateModelLabel, expandMatrix, parseShard, scenarioAppliesTo, shardCells, unmatchedFilters } from './matrix.ts';
import { needsGrader } from '../assertions/registry.ts';
import { duplicateGraderLabel, type GraderPanel, resolveGraders } from '../schema/graders.ts';
import { planHashOf } from '../schema/plan-hash.ts';
import { CellPlans } from './cell-plans.ts';
import { PlannedCells } from './planned-cells.ts';
import { withControlVariants } from './control-variants.ts';

/** What the command line narrows an eval to. */
export interface EvalSelection {
  agent?: string[];
  scenario?: string[];
  tag?: string[];
  model?: string[];
  repeat?: number;
  concurrency?: number;
  shard?: string;
}

/** The plan of one eval: every cell to run (planned), the cells carried from the baseline, and the run's shape. */
export interface EvalPlan {
  /** Read while the eval is prepared; the execute stage takes them (`take()`), and the plan holds them no longer. */
  cells: PlannedCells<Cell<LoadedScenario>>;
  /** The cells' plans, made when asked (a batch at a time), not all at once. */
  plans: CellPlans;
  /** Hash of the planned cell ids: a resumed run must plan exactly these. */
  planHash: string;
  carried?: CarriedCells;
  /** The grader model, or the panel of graders that decides each rubric by majority. */
  grader?: GraderPanel;
  /** Cells with at least one assertion that needs the grader model. */
  gradedCells: number;
  repeats: number;
  concurrency: number;
  shard?: { index: number; count: number };
  /** Lines for the console: what `--changed-since` found, variants that cannot run. */
  notes: { out: string[]; err: string[] };
}

/**
 * The plan stage (pure): inputs and the command line's selection → the cells to run. A selection that
 * matches nothing, two models with one label, or a plan of no cell is an input error, never a run of
 * zero cells that passes.
 *
 * @example
 * const plan = planEval(inputs, { scenario: ['rate-*'] });
 * plan.plans.size // cells to run
 */
export function planEval(inputs: Omit<EvalInputs, 'git'>, sel: EvalSelection): EvalPlan {
  const { config, configFile, variants, scenarios } = inputs;
  const shard = sel.shard ? parseShard(sel.shard) : undefined;
  if (sel.shard && !shard) throw new UsageError(`--shard expects i/n with 1 ≤ i ≤ n (e.g. 2/4), got "${sel.shard}"`);
  const twice = duplicateModelLabel(config);
  if (twice) {
    throw new EvalConfigError(
      `"${twice.label}" is also the label of models[${twice.first}]: give each model its own \`label\` (one column per model in every report)`,
      { file: configFile, field: `models[${twice.index}].label` },
    );
  }
  const grader = resolveGraders(config.grader);
  const twiceGraded = grader && duplicateGraderLabel(grader);
  if (twiceGraded) {
    throw new EvalConfigError(
      `"${twiceGraded.label}" is the label of an earlier grader too: give each grader its own \`label\` (votes are told apart by label)`,
      { file: configFile, field: `grader[${twiceGraded.index}].label` },
    );
  }
  const filters = { agents: sel.agent, scenarios: sel.scenario, tags: sel.tag, models: sel.model, repeats: sel.repeat };
  const unmatched = unmatchedFilters({ variants, scenarios, config, filters });
  if (unmatched.length) throw new UserErrors(unmatched.map((line) => new UsageError(line)));
  const { cells: all, unmapped } = expandMatrix<LoadedScenario>({
    variants: withControlVariants(variants, config, configFile),
    scenarios,
    config,
    applies: (s, v) => scenarioAppliesTo(s, v.name, v.id),
    filters,
  });
  if (all.length === 0) {
    throw new UsageError(
      `nothing to evaluate: ${configFile} and the filters select no variant × model × scenario (check \`agents:\`, \`scenarios:\` and each scenario's \`agent:\`)`,
    );
  }
  const notes: EvalPlan['notes'] = { out: [], err: unmapped.map((u) => `warning: ${u.variantId}: not run: ${u.reason}`) };
  const sharded = shard ? shardCells(all, shard.index, shard.count) : all;
  const affected = inputs.changed ? planAffected(inputs, sharded, notes, grader?.id) : undefined;
  const cells = affected?.cells ?? sharded;
  const planned = new PlannedCells(cells);
  const plans = new CellPlans(planned, config.temperature, inputs.runtimeVersions);
  return {
    cells: planned,
    plans,
    planHash: planHashOf(plans.keys()),
    ...(affected?.carried ? { carried: affected.carried } : {}),
    ...(grader ? { grader } : {}),
    gradedCells: cells.filter((c) => c.scenario.assert.some((a) => needsGrader(a.type))).length,
    repeats: sel.repeat ?? (config.repeats === 'auto' ? 1 : config.repeats),
    concurrency: sel.concurrency ?? config.concurrency,
    ...(shard ? { shard } : {}),
    notes,
  };
}

/** `--changed-since`: run what changed, carry the rest from the baseline; notes say which is which. */
function planAffected(
  inputs: Omit<EvalInputs, 'git'>,
  cells: Cell<LoadedScenario>[],
  notes: EvalPlan['notes'],
  /** The grader's (or panel's) fingerprint: carried graded cells must have been graded by it. */
  graderId: string | undefined,
): { cells: Cell<LoadedScenario>[]; carried?: CarriedCells } {
  const { since, files, baseline, baselineRef } = inputs.changed!;
  const sel = selectAffected({ cells, changed: files, configFile: inputs.configFile, baseline: baseline?.baseline, graderId });
  const what = [
    sel.configChanged ? `the eval config ${inputs.configFile}` : '',
    sel.changedVariants.length ? `${sel.changedVariants.length} variant(s) (${sel.changedVariants.join(', ')})` : '',
    sel.changedScenarios.length ? `${sel.changedScenarios.length} scenario(s) (${sel.changedScenarios.join(', ')})` : '',
  ].filter(Boolean);
  notes.out.push(`changed since ${since}: ${what.length ? what.join(', ') : 'no agent variant, scenario or eval config'}`);
  if (!baseline)
    notes.err.push(
      `warning: no baseline at ${baselineRef ? `${baselineRef}:` : ''}reports/baseline.json to carry unchanged cells from: every cell runs`,
    );
  else if (sel.unbacked > 0)
    notes.err.push(
      `warning: ${sel.unbacked} unchanged cell(s) run anyway: the baseline (${baseline.source}) has no matching outcome for them`,
    );
  if (baseline && sel.carried.length)
    notes.out.push(
      `carried ${sel.carried.length} cell(s) from baseline run ${baseline.baseline.runId} (${baseline.source}); running ${sel.live.length}`,
    );
  if (sel.live.length === 0) notes.out.push('nothing to evaluate: no model will be called');
  if (!baseline || sel.carried.length === 0) return { cells: sel.live };
  const graded = graderId && sel.carried.some((r) => r.assertions.some(isGradedAssertion));
  return { cells: sel.live, carried: { runId: baseline.baseline.runId, results: sel.carried, ...(graded ? { grader: graderId } : {}) } };
}
