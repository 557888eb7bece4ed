import type { GraderPanel } from '../schema/graders.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import { calibrateScenarios, splitUncalibrated } from './calibrate.ts';
import { formatCalibration, formatRubricTrust, formatUncalibrated } from './format.ts';
import { lastRubricCalibration } from './rubrics.ts';

/** What calibration before a run says: lines for the console, and the planned scenarios it could not check. */
interface RunCalibration {
  /** False: an assertion misjudges its own reference examples; the eval stops before any call (exit 1). */
  ok: boolean;
  out: string[];
  err: string[];
  /** Planned scenarios with no reference example at all: they run, their verdicts marked uncalibrated. */
  uncalibrated: string[];
}

/**
 * Assertions must tell good answers from bad before they judge a model (after the cheap checks, before
 * any call): a failing example stops the eval. A planned scenario with no reference example at all runs,
 * with a warning, its verdicts marked uncalibrated. Rubrics need the grader and are checked by
 * `agent-evals calibrate`, not here.
 *
 * @example
 * const c = await calibrateBeforeRun(inputs.scenarios, new Set(plan.cells.map((c) => c.scenario.id)));
 * if (!c.ok) return 1;
 */
export async function calibrateBeforeRun(scenarios: LoadedScenario[], planned: ReadonlySet<string>): Promise<RunCalibration> {
  const { checked, uncalibrated } = splitUncalibrated(await calibrateScenarios(scenarios, { graderAvailable: false }));
  if (!checked.ok) {
    const err = [
      ...formatCalibration(checked),
      'calibration failed: fix the scenarios above before spending money (agent-evals calibrate)',
    ];
    return { ok: false, out: [], err, uncalibrated: [] };
  }
  const unchecked = uncalibrated.filter((s) => planned.has(s.id));
  const without = uncalibrated.length ? `; ${uncalibrated.length} without reference examples` : '';
  return {
    ok: true,
    out: [`calibration: ${checked.scenarios.length} scenarios calibrate clean${without}`],
    err: unchecked.map(formatUncalibrated),
    uncalibrated: unchecked.map((s) => s.id),
  };
}

/**
 * Warnings for verdicts resting on a rubric its last calibration flagged (read from the calibration
 * cache: no grader call), for the planned scenarios.
 *
 * @example
 * for (const line of await flaggedRubrics(root, scenarios, grader, 'evals/default.yaml')) ctx.err(line);
 */
export async function flaggedRubrics(
  root: string,
  scenarios: LoadedScenario[],
  grader: GraderPanel,
  configFile: string,
): Promise<string[]> {
  const trust = await lastRubricCalibration(root, scenarios, grader.members);
  return formatRubricTrust(trust, { grader: grader.label, config: configFile });
}
