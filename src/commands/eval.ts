import path from 'node:path';
import type { Context } from '../context.ts';
import { ProviderUnavailableError } from '../errors.ts';
import { unbuildableProvider, unknownProviderId } from '../execute/credentials.ts';
import { preloadEngine } from '../execute/engine.ts';
import { loadEvalInputs } from './eval/inputs.ts';
import { runEval } from './eval/run.ts';
import { type EvalOptions, evalSettings } from './eval/settings.ts';
import { routingRuntimeVersions } from '../execute/routing-cells.ts';
import { resolveModel } from '../schema/models.ts';
import { type EvalPlan, planEval } from '../plan/plan-eval.ts';
import type { EvalInputs } from '../plan/cell-plan.ts';
import { budgetOf } from '../execute/budget.ts';
import { type PlanningInputs, readPlanningInputs } from '../execute/planning-inputs.ts';
import { autoRepeats, type PlanningCell, planRun } from '../plan/planning.ts';
import { repeatsNeeded } from '../plan/power.ts';
import { renderPlanning } from '../report/text/dry-run.ts';
import { resolveRunId } from '../io/run/run-id.ts';
import { readRunFold, runDir } from '../io/run/run-store.ts';
import { type Budget, MAX_REPEATS } from '../schema/eval-config.ts';

/**
 * `agent-evals eval` (`npm run eval`): load → plan → execute → finish, each stage once, in order.
 * Useful with no API key: models that cannot run are replayed from recordings where they exist and
 * otherwise reported as `not-run` with how to enable them.
 *
 * @example
 * await evalCommand(ctx, { config: 'evals/default.yaml', ci: true }) // 0 pass · 1 regression · 2 input · 3 could not measure
 */
export async function evalCommand(ctx: Context, opts: EvalOptions): Promise<number> {
  const settings = evalSettings(opts);
  // promptfoo's state (its cache holds raw answers) lives beside reports/, never in it. Importing it is
  // most of the start-up: it starts first, and loading fills its waits.
  const stateDir = path.join(ctx.root, '.promptfoo');
  preloadEngine(ctx.env, stateDir);
  // Every model id is one promptfoo can load before anything is planned or a run folder made (--dry-run too).
  const inputs = await loadEvalInputs(ctx, { ...settings.load, checkModelId: (id) => unknownProviderId(id, ctx.env) });
  if ('lintErrors' in inputs) return 1;
  // Routing cells' fingerprints name the installed agent program's version (docs/routing.md).
  const runtimeVersions = await routingRuntimeVersions(ctx, inputs);
  if (runtimeVersions) inputs.runtimeVersions = runtimeVersions;
  // Planning (issue 28): history's discordance and spend, prices; a USD budget on an unpriced model is exit 2 here.
  const { selection, budgetUsd, resume } = settings;
  const budget = budgetOf(inputs.config.budget, budgetUsd);
  const auto = inputs.config.repeats === 'auto' && selection.repeat === undefined;
  const planning =
    settings.dryRun || budget || auto
      ? await readPlanningInputs(ctx, inputs, {
          ...(budget?.usd !== undefined ? { budgetUsd: budget.usd } : {}),
          budgetFlag: budgetUsd !== undefined,
        })
      : undefined;
  const one = auto ? planEval(inputs, { ...selection, repeat: 1 }) : undefined;
  // A resumed auto run keeps the repeats it started with (what history says now may differ).
  const picked = one
    ? ((resume ? await startedRepeats(ctx, resume, one) : undefined) ?? pickRepeats(one, inputs, planning!, budget))
    : undefined;
  const plan = planEval(inputs, picked ? { ...selection, repeat: picked.repeats } : selection);
  for (const line of plan.notes.err) ctx.err(line);
  for (const line of plan.notes.out) ctx.out(line);
  if (picked) ctx.out(picked.line);
  if (settings.dryRun) {
    for (const line of renderDryRun(plan)) ctx.out(line);
    const figures = planRun({
      cells: planningCells(plan),
      ...planning!,
      alpha: inputs.config.thresholds.alpha,
      concurrency: plan.concurrency,
    });
    for (const line of renderPlanning(figures, { concurrency: plan.concurrency, maxRepeats: MAX_REPEATS })) ctx.out(line);
    return 0;
  }
  // A live run builds each model's provider first: one promptfoo refuses is a line and exit 2, before the run folder.
  if (settings.asked !== 'replay') await assertProvidersBuild(ctx, inputs);
  const spendCap = budget && planning ? { budget: { limit: budget, book: planning.book } } : {};
  return runEval(ctx, { inputs, plan, settings, stateDir, ...spendCap });
}

/** `--dry-run`: the size of the plan and what it would call; nothing is called. */
function renderDryRun(plan: EvalPlan): string[] {
  const cells = [...plan.cells];
  const graders = plan.grader?.members.length ?? 1;
  const count = (key: (c: (typeof cells)[number]) => string) => new Set(cells.map(key)).size;
  const promptTokens = cells.reduce(
    (sum, c) => sum + c.variant.promptTokens + Math.ceil(c.scenario.messages.reduce((n, m) => n + m.content.length, 0) / 4),
    0,
  );
  return [
    `dry run: ${count((c) => c.variant.id)} variants × ${count((c) => c.model.label)} models × ${count((c) => c.scenario.id)} scenarios × ${plan.repeats} repeats (where scenarios apply) = ${cells.length} cells`,
    `model calls: ${cells.length} agent calls + ${plan.gradedCells * graders} grader calls (rubric assertions${graders > 1 ? `, each graded by ${graders} graders` : ''})`,
    `estimated prompt tokens: ~${promptTokens.toLocaleString('en-US')} (answers not included); nothing was called`,
  ];
}

/** The planning view of a plan's cells. */
function planningCells(plan: EvalPlan): PlanningCell[] {
  return plan.cells.map((c) => ({
    variantId: c.variant.id,
    model: c.model.label,
    scenarioId: c.scenario.id,
    repeat: c.repeat,
    promptEstimate: c.variant.promptTokens + Math.ceil(c.scenario.messages.reduce((n, m) => n + m.content.length, 0) / 4),
  }));
}

/** `repeats: auto`: from a one-repeat plan, the repeats that detect `targetEffect` (default 0.1) within the budget. */
function pickRepeats(one: EvalPlan, inputs: EvalInputs, planning: PlanningInputs, budget: Budget | undefined) {
  const effect = inputs.config.targetEffect ?? 0.1;
  const figures = planRun({ cells: planningCells(one), ...planning, alpha: inputs.config.thresholds.alpha, concurrency: one.concurrency });
  const needed = figures.comparisons.map((c) =>
    repeatsNeeded({ scenarios: c.scenarios, discordance: c.discordance, effect, alpha: figures.alphaPerTest, maxRepeats: MAX_REPEATS }),
  );
  const perRepeat = { tokens: figures.spend.tokens.high, ...(figures.spend.usd ? { usd: figures.spend.usd.high } : {}) };
  const pick = autoRepeats({ needed, perRepeat, ...(budget ? { budget } : {}) });
  const why =
    pick.needed === undefined
      ? `more than ${MAX_REPEATS} would be needed to detect ${Math.round(effect * 100)} points`
      : `${pick.needed} detect ${Math.round(effect * 100)} points at 80 % power`;
  const capped =
    pick.affordable !== undefined && pick.affordable < (pick.needed ?? MAX_REPEATS) ? `; the budget affords ${pick.affordable}` : '';
  return { repeats: pick.repeats, line: `repeats: auto → ${pick.repeats} (${why}${capped})` };
}

/** The repeats a run being resumed was planned with: its planned cells over a one-repeat plan's. */
async function startedRepeats(ctx: Context, resume: string | true, one: EvalPlan): Promise<{ repeats: number; line: string } | undefined> {
  const runId = await resolveRunId(ctx.root, resume === true ? undefined : resume);
  const { meta } = await readRunFold(runDir(ctx.root, runId));
  const repeats = meta.plannedCells / Math.max(1, one.plans.size);
  return Number.isInteger(repeats) && repeats >= 1
    ? { repeats, line: `repeats: auto → ${repeats} (as run ${runId} was planned)` }
    : undefined;
}

/** Every chat model of the config, built by promptfoo as the run will build it; the first it refuses stops the eval. */
async function assertProvidersBuild(ctx: Context, inputs: EvalInputs): Promise<void> {
  const { models, modelMap } = inputs.config;
  const entries = (models === 'from-agent' ? Object.values(modelMap ?? {}) : models).map(resolveModel);
  for (const model of entries.filter((m) => m.runtime === 'chat')) {
    const reason = await unbuildableProvider(model, ctx.env);
    if (reason)
      throw new ProviderUnavailableError(
        `${inputs.configFile}: model ${model.label} (${model.id}): promptfoo cannot build this provider: ${reason}`,
      );
  }
}
