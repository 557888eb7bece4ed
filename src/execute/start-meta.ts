import type { OwnedRun } from '../io/run/run-folder.ts';
import type { EvalPlan } from '../plan/plan-eval.ts';
import { newRunMeta } from '../plan/new-run-meta.ts';
import type { EvalInputs } from '../plan/cell-plan.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import type { SandboxKind } from './sandbox/jail.ts';
import { engineVersion } from './engine.ts';
import type { Unavailable } from './probe-models.ts';

/**
 * The run's meta.json: a new run's (what runs, on what, what did not), or the resumed run's as it was. It is
 * written with the run's results, before the first (`run-decided.ts`).
 *
 * @example
 * const meta = await startMeta(run, { inputs, plan, mode: 'live', secrets, unavailable: [], uncalibrated: [] });
 */
export async function startMeta(
  run: OwnedRun,
  input: {
    inputs: Pick<EvalInputs, 'config' | 'configFile' | 'variants' | 'scenarios' | 'git'>;
    plan: EvalPlan;
    mode: RunMeta['mode'];
    secrets: string[];
    /** The grader's id, when it grades this run. */
    grader?: string;
    unavailable: Unavailable[];
    uncalibrated: string[];
    /** The sandbox agent programs run in (absent: no agent program runs). */
    sandbox?: SandboxKind;
  },
): Promise<RunMeta> {
  if (run.previous) return run.previous.meta;
  const meta = newRunMeta({
    runId: run.runId,
    inputs: input.inputs,
    plan: input.plan,
    mode: input.mode,
    git: await input.inputs.git,
    engineVersion: await engineVersion(),
    secrets: input.secrets,
    ...(input.grader ? { grader: input.grader } : {}),
    notRun: Object.fromEntries(input.unavailable.map(([label, r]) => [label, r.reason])),
    ...(input.sandbox ? { sandbox: input.sandbox } : {}),
  });
  if (input.uncalibrated.length) meta.uncalibrated = input.uncalibrated;
  return meta;
}
