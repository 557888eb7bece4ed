import { lastRubricCalibration } from '../calibrate/rubrics.ts';
import { summarizeRubricCalibration } from '../calibrate/rubric-verdict.ts';
import { isUserError } from '../errors.ts';
import { loadScenarios } from '../load/scenarios.ts';
import { resolveGraders } from '../schema/graders.ts';
import type { HistoryRubricCalibration } from '../schema/aggregate.ts';
import type { EvalConfig } from '../schema/eval-config.ts';
import type { RunMeta } from '../schema/run-meta.ts';

/**
 * What the rubric calibration cache says about this run's grader and the rubrics of the scenarios it
 * ran (unchanged since: same fingerprints), for its history line (issue 15, judge drift). Reads the
 * cache only, never asks the grader; undefined when there is no grader or no rubric was calibrated.
 *
 * @example
 * await rubricCalibrationOfRun(root, meta, config, new Set(['plaintext-passwords'])) // { grader: 'openai:chat:gpt-4.1', accuracy: 0.95, flagged: 0, rubrics: 2 }
 */
export async function rubricCalibrationOfRun(
  root: string,
  meta: RunMeta,
  config: EvalConfig,
  /** The scenarios this run measured. */
  scenarioIds: ReadonlySet<string>,
): Promise<HistoryRubricCalibration | undefined> {
  const grader = resolveGraders(config.grader);
  if (!grader) return undefined;
  let scenarios: Awaited<ReturnType<typeof loadScenarios>>['scenarios'];
  try {
    ({ scenarios } = await loadScenarios(root, { agentNames: [] }));
  } catch (err) {
    // A scenario file broken since the run started: the line goes without the figure, the run is not lost.
    if (isUserError(err)) return undefined;
    throw err;
  }
  const ran = scenarios.filter((s) => {
    const f = scenarioIds.has(s.id) ? meta.fingerprints.scenarios[s.id] : undefined;
    return f !== undefined && f.hash === s.hash && f.assertionsHash === s.assertionsHash;
  });
  const { rubrics } = await lastRubricCalibration(root, ran, grader.members);
  const summary = summarizeRubricCalibration(rubrics);
  if (summary.accuracy === undefined) return undefined;
  return { grader: grader.id, accuracy: summary.accuracy, flagged: summary.flagged, rubrics: summary.rubrics };
}
