import type { CalibrationReport, ScenarioCalibration } from './calibrate.ts';
import { type RubricCalibration, summarizeRubricCalibration } from './rubric-verdict.ts';

/**
 * The report as terminal lines: one line per scenario, then its problems and warnings indented, then a
 * summary. Pure: data in, strings out.
 *
 * @example
 * formatCalibration(report).at(-1) // 'calibration ok: 14 scenarios, 71 assertions; 2 rubric assertions need a grader'
 */
export function formatCalibration(report: CalibrationReport): string[] {
  const lines: string[] = [];
  for (const s of report.scenarios) {
    const nPass = s.examples.filter((e) => e.side === 'pass').length;
    const nFail = s.examples.length - nPass;
    lines.push(
      `${s.ok ? 'ok  ' : 'FAIL'}  ${s.id}  (${s.file}:${s.line})  ${s.assertions.length} assertions, ${nPass} pass / ${nFail} fail examples`,
    );
    for (const p of s.problems) lines.push(`        error: ${p}`);
    for (const w of s.warnings) lines.push(`        warning: ${w}`);
    for (const id of s.needsGrader) {
      const a = s.assertions.find((x) => x.id === id);
      lines.push(`        needs a grader: \`${a?.label ?? id}\` (not run offline)`);
    }
    for (const r of s.rubrics) lines.push(`        ${formatRubric(r)}`);
  }
  const run = report.rubricCalibration;
  if (run?.status === 'not-run') lines.push(`rubric calibration not run: ${run.reason}; ${run.howTo}`);
  const failing = report.scenarios.filter((s) => !s.ok).length;
  const assertions = report.scenarios.reduce((n, s) => n + s.assertions.length, 0);
  const warnings = report.scenarios.reduce((n, s) => n + s.warnings.length, 0);
  const graded = report.scenarios.reduce((n, s) => n + s.needsGrader.length, 0);
  const parts = [`${report.scenarios.length} scenario${report.scenarios.length === 1 ? '' : 's'}, ${assertions} assertions`];
  if (failing) parts.push(`${failing} failing`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  if (graded) parts.push(`${graded} rubric assertion${graded === 1 ? ' needs' : 's need'} a grader`);
  if (run?.status === 'run') {
    const sum = summarizeRubricCalibration(report.scenarios.flatMap((s) => s.rubrics));
    const accuracy = sum.accuracy === undefined ? '' : `, accuracy ${sum.accuracy.toFixed(2)} (${sum.agreeing}/${sum.judged})`;
    const { grades, fresh, tokens } = run.cost;
    parts.push(
      `rubrics: ${sum.rubrics - sum.flagged} trusted, ${sum.flagged} flagged${accuracy} (grader ${run.grader}, ${run.repeat} grades per answer; ${grades} grades, ${fresh} asked now, ${grades - fresh} from the cache, ${tokens} tokens)`,
    );
  }
  lines.push(`calibration ${report.ok ? 'ok' : 'FAILED'}: ${parts.join('; ')}`);
  return lines;
}

/**
 * For `eval`: one line for a scenario run without reference examples (nothing checked its assertions).
 *
 * @example
 * formatUncalibrated(s) // 'warning: scenario fresh (scenarios/fresh.yaml) has no reference examples: its verdicts are uncalibrated …'
 */
export function formatUncalibrated(s: Pick<ScenarioCalibration, 'id' | 'file'>): string {
  return `warning: scenario ${s.id} (${s.file}) has no reference examples: its verdicts are uncalibrated (so marked in the reports); add a pass and a fail example (docs/scenarios.md) and run agent-evals calibrate`;
}

/**
 * One rubric's calibration: accuracy, steadiness and cost, then `trusted` or `FLAGGED` (the reasons are
 * the scenario's errors).
 *
 * @example
 * formatRubric(r) // 'rubric `rubric: "Declines…"`: accuracy 1.00 (12/12 grades agree), steady, 12 grades (0 asked now): trusted'
 */
function formatRubric(r: RubricCalibration): string {
  const accuracy =
    r.accuracy === undefined
      ? 'accuracy n/a (no grade given)'
      : `accuracy ${r.accuracy.toFixed(2)} (${r.agreeing}/${r.judged} grades agree)`;
  const steady = r.flakyOn.length ? `flaky on ${r.flakyOn.length} of ${r.examples.length} answers` : 'steady';
  const errors = r.errors ? `, ${r.errors} grader errors` : '';
  return `rubric \`${r.label}\`: ${accuracy}, ${steady}${errors}, ${r.cost.grades} grades (${r.cost.fresh} asked now): ${r.ok ? 'trusted' : 'FLAGGED'}`;
}

/**
 * For `eval`: the rubrics whose verdicts a run rests on that their last calibration with this grader
 * flagged, and how many were never calibrated with it (from `lastRubricCalibration`; no grader call).
 *
 * @example
 * formatRubricTrust({ rubrics: [flagged], uncalibrated: [] }, { grader: 'openai:chat:g', config: 'evals/default.yaml' })
 * // ['warning: scenario hashing: verdicts rest on `rubric: "…"`, flagged by its last calibration with openai:chat:g (accuracy 0.67); agent-evals calibrate --config evals/default.yaml']
 */
export function formatRubricTrust(
  trust: { rubrics: RubricCalibration[]; uncalibrated: unknown[] },
  opts: { grader: string; config: string },
): string[] {
  const lines = trust.rubrics
    .filter((r) => !r.ok)
    .map((r) => {
      const why = [
        ...(r.flags.includes('inaccurate') && r.accuracy !== undefined ? [`accuracy ${r.accuracy.toFixed(2)}`] : []),
        ...(r.flags.includes('flaky') ? [`flaky on ${r.flakyOn.length} of ${r.examples.length} answers`] : []),
        ...(r.flags.includes('grader-error') ? [`${r.errors} grader errors`] : []),
        ...(r.flags.includes('not-exercised') ? ['no pass or no fail example'] : []),
      ];
      return `warning: scenario ${r.scenarioId}: verdicts rest on \`${r.label}\`, flagged by its last calibration with ${opts.grader} (${why.join(', ')}); agent-evals calibrate --config ${opts.config}`;
    });
  const n = trust.uncalibrated.length;
  if (n > 0)
    lines.push(
      `note: ${n} rubric${n === 1 ? ' was' : 's were'} never calibrated with ${opts.grader}: agent-evals calibrate --config ${opts.config}`,
    );
  return lines;
}
