import { lastRubricCalibration } from '../calibrate/rubrics.ts';
import { isUserError } from '../errors.ts';
import { loadEvalConfig } from '../load/eval-config.ts';
import { loadScenarios } from '../load/scenarios.ts';
import { resolveGraders } from '../schema/graders.ts';
import type { RubricTrust } from '../report/model/rubric-trust-notes.ts';
import type { RunMeta } from '../schema/run-meta.ts';

/**
 * What the rubric calibration cache says of the rubrics a run's verdicts rest on, for its reports
 * (issue 29, item 3): the ones flagged by their last calibration with the run's grader, and the ones
 * never calibrated with it. Reads the cache and the scenarios as they are now (a scenario changed since
 * the run is left out: its calibration says nothing of the run's verdicts); never asks the grader.
 * Undefined without a grader; a warning instead when the config or scenarios cannot be read.
 *
 * @example
 * await rubricTrustOfRun(root, meta) // { trust: { grader: 'openai:chat:g', flagged: [{ scenarioId: 'hashing', … }], uncalibrated: [] } }
 */
export async function rubricTrustOfRun(root: string, meta: RunMeta): Promise<{ trust?: RubricTrust; warning?: string }> {
  if (!meta.grader) return {};
  try {
    const { config } = await loadEvalConfig(root, meta.configFile);
    const grader = resolveGraders(config.grader);
    if (!grader || grader.id !== meta.grader)
      return { warning: `rubric calibration not shown: ${meta.configFile} now names another grader than the run's (${meta.grader})` };
    const { scenarios } = await loadScenarios(root, { agentNames: [] });
    const ran = scenarios.filter((s) => {
      const f = meta.fingerprints.scenarios[s.id];
      return f !== undefined && f.hash === s.hash && f.assertionsHash === s.assertionsHash;
    });
    const { rubrics, uncalibrated } = await lastRubricCalibration(root, ran, grader.members);
    // A scenario without reference examples is marked as such (meta.json `uncalibrated`), not as flagged.
    const noExamples = new Set(meta.uncalibrated ?? []);
    return {
      trust: {
        grader: grader.label,
        flagged: rubrics
          .filter((r) => !r.ok && !noExamples.has(r.scenarioId))
          .map((r) => ({ scenarioId: r.scenarioId, assertionId: r.id, label: r.label, why: why(r) })),
        uncalibrated: uncalibrated
          .filter((r) => !noExamples.has(r.scenarioId))
          .map(({ scenarioId, id, label }) => ({ scenarioId, assertionId: id, label })),
      },
    };
  } catch (err) {
    if (!isUserError(err)) throw err;
    return { warning: `rubric calibration not shown: ${err.message}` };
  }
}

function why(r: Awaited<ReturnType<typeof lastRubricCalibration>>['rubrics'][number]): string {
  return [
    ...(r.flags.includes('inaccurate') && r.accuracy !== undefined ? [`accuracy ${r.accuracy.toFixed(2)}`] : []),
    ...(r.flags.includes('flaky') ? [`flaky on ${r.flakyOn.length} of ${r.examples.length} answers`] : []),
    ...(r.flags.includes('grader-error') ? [`${r.errors} grader errors`] : []),
    ...(r.flags.includes('not-exercised') ? ['no pass or no fail example'] : []),
  ].join(', ');
}
