import { flaggedRubrics, calibrateBeforeRun } from '../../calibrate/before-run.ts';
import type { Context } from '../../context.ts';
import { executePlan } from '../../execute/execute-plan.ts';
import { graderCanRun, probeModels } from '../../execute/probe-models.ts';
import { finishRun } from '../../finish/finish-run.ts';
import { finishStoppedRun } from '../../finish/finish-stopped.ts';
import { withRunFolder } from '../../io/run/run-folder.ts';
import type { EvalPlan } from '../../plan/plan-eval.ts';
import { assertResumable } from '../../plan/resume-check.ts';
import type { SpendBook } from '../../plan/spend.ts';
import type { EvalInputs } from '../../plan/cell-plan.ts';
import { resumeCommand } from '../../report/text/resume-hint.ts';
import { RunFold } from '../../report/model/run-fold.ts';
import type { Budget } from '../../schema/eval-config.ts';
import type { CellResult } from '../../schema/result.ts';
import { configSecretValues, secretValues } from '../../shared/secrets.ts';
import type { EvalSettings } from './settings.ts';

/**
 * An eval's run, once planned: the run folder, which models can run, calibration, then the execute
 * stage (which takes the plan's cells) and the finish stage. Returns the exit code.
 *
 * @example
 * return runEval(ctx, { inputs, plan, settings, stateDir });
 */
export async function runEval(
  ctx: Context,
  input: {
    inputs: EvalInputs;
    plan: EvalPlan;
    settings: Pick<EvalSettings, 'resume' | 'asked' | 'finish' | 'resumeWith' | 'budgetOnTop'>;
    stateDir: string;
    budget?: { limit: Budget; book: SpendBook };
  },
): Promise<number> {
  const { inputs, plan, settings } = input;
  return withRunFolder(ctx, settings.resume ? { resume: settings.resume } : {}, async (run) => {
    if (run.previous) {
      const secrets = [...secretValues(ctx.env), ...configSecretValues(inputs.config)];
      const asked = settings.asked ? { asked: settings.asked } : {};
      assertResumable(run.previous.meta, { ...inputs, planHash: plan.planHash, secrets, ...asked });
    }
    // A run keeps its mode: a resumed --record run records, a resumed replay replays.
    const mode = run.previous?.meta.mode ?? settings.asked ?? 'live';
    const { ci } = settings.finish;
    const graders = plan.grader?.members ?? [];
    const readiness = await probeModels(ctx, {
      models: plan.cells.map((c) => c.model),
      graders,
      mode,
      ci,
      timeoutMs: inputs.config.timeoutMs,
    });
    const planned = new Set(plan.cells.map((c) => c.scenario.id));
    const calibration = await calibrateBeforeRun(inputs.scenarios, planned);
    for (const line of calibration.err) ctx.err(line);
    for (const line of calibration.out) ctx.out(line);
    if (!calibration.ok) return 1;
    const graderReady = graderCanRun(plan.grader, mode, readiness);
    if (graderReady && plan.grader && plan.gradedCells > 0) {
      const scenarios = inputs.scenarios.filter((s) => planned.has(s.id));
      for (const line of await flaggedRubrics(ctx.root, scenarios, plan.grader, inputs.configFile)) ctx.err(line);
    }
    // Each result is folded as it is written (verdicts and the few answers the report shows): no stage holds every answer.
    const fold = new RunFold();
    const cap = input.budget ? { ...input.budget, resumeOnTop: settings.budgetOnTop } : undefined;
    const onResult = (r: CellResult) => fold.add(r);
    const { uncalibrated } = calibration;
    const executed = await executePlan(
      ctx,
      plan,
      run,
      { inputs, mode, readiness, graderReady, uncalibrated, stateDir: input.stateDir, onResult },
      cap,
    );
    // Interrupted: the exact command that finishes this run (its config and the options its cells depend on).
    if ('exitCode' in executed && executed.exitCode === 130) ctx.err(`resume with: ${resumeCommand(settings.resumeWith, run.runId)}`);
    if ('exitCode' in executed) return executed.exitCode;
    if (executed.meta.stopped === 'budget') return finishStoppedRun(ctx, { meta: executed.meta, dir: run.dir, fold });
    return finishRun(ctx, { meta: executed.meta, fold, dir: run.dir, config: inputs.config, ...settings.finish, carried: plan.carried });
  });
}
