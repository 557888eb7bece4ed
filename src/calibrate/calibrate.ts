/**
 * Offline calibration: run each scenario's assertions on its reference answers with promptfoo's engine
 * and no model. A scenario is calibrated when every pass example passes every assertion and every fail
 * example is rejected; each assertion should also be the reason some fail example is rejected.
 */
import type { LoadedScenario, ReferenceAnswer } from '../load/scenarios.ts';
import { needsGrader, describeAssertion, judgeOutcomes, toEngineAssertion, type NormalizedAssertion } from '../assertions/registry.ts';
import { scoreOffline } from '../execute/engine.ts';
import type { RubricCalibrationRun } from './rubrics.ts';
import type { RubricCalibration } from './rubric-verdict.ts';

export type AssertionVerdict =
  /** Passes every pass example and fails at least one fail example. */
  | 'discriminates'
  /** Passes the fail examples too: it cannot tell a good answer from a bad one. */
  | 'does-not-discriminate'
  /** Fails a pass example: it would reject a good answer. */
  | 'rejects-good-answer'
  /** No fail example to try it on. */
  | 'not-exercised'
  /** Model-graded and no grader available. */
  | 'needs-grader'
  /** Model-graded, and the grader applies it wrongly or inconsistently to the reference answers. */
  | 'untrusted';

export interface ExampleOutcome {
  side: 'pass' | 'fail';
  label: string;
  /** The scenario's verdict on this answer (threshold and critical assertions applied). */
  pass: boolean;
  score: number;
  /** Assertions this answer failed, with promptfoo's reason. */
  failed: Array<{ id: string; reason: string }>;
}

export interface AssertionCalibration {
  id: string;
  kind: string;
  label: string;
  critical: boolean;
  verdict: AssertionVerdict;
  /** Fail examples this assertion rejects. */
  catches: string[];
}

export interface ScenarioCalibration {
  id: string;
  file: string;
  line: number;
  ok: boolean;
  /** Calibration failures: a pass example rejected, a fail example accepted, examples missing. */
  problems: string[];
  /** Weak assertions: they do not discriminate or nothing exercises them. */
  warnings: string[];
  /** Assertions that need a grader model and were not run. */
  needsGrader: string[];
  /** Rubrics graded by the grader on the reference answers (`calibrate --config`); empty when not run. */
  rubrics: RubricCalibration[];
  assertions: AssertionCalibration[];
  examples: ExampleOutcome[];
}

export interface CalibrationReport {
  ok: boolean;
  graderAvailable: boolean;
  /** Rubric calibration: run with which grader, or not run and how to run it. Absent: not asked for. */
  rubricCalibration?: RubricCalibrationRun;
  scenarios: ScenarioCalibration[];
}

export interface CalibrateOptions {
  /** Run model-graded assertions in the offline pass (only with a grader promptfoo can reach by default). */
  graderAvailable: boolean;
  /** Rubric verdicts from the grader (`calibrateRubrics`): a flagged rubric fails its scenario. */
  rubrics?: RubricCalibration[];
  rubricCalibration?: RubricCalibrationRun;
}

/**
 * Calibrates every scenario against its reference answers.
 *
 * @example
 * const report = await calibrateScenarios(scenarios, { graderAvailable: false });
 * report.ok // false when a pass example fails an assertion or a fail example passes
 */
export async function calibrateScenarios(scenarios: LoadedScenario[], opts: CalibrateOptions): Promise<CalibrationReport> {
  const results = await Promise.all(
    scenarios.map((s) =>
      calibrateScenario(
        s,
        opts.graderAvailable,
        (opts.rubrics ?? []).filter((r) => r.scenarioId === s.id),
      ),
    ),
  );
  return {
    ok: results.every((r) => r.ok),
    graderAvailable: opts.graderAvailable || opts.rubricCalibration?.status === 'run',
    ...(opts.rubricCalibration ? { rubricCalibration: opts.rubricCalibration } : {}),
    scenarios: results,
  };
}

async function calibrateScenario(s: LoadedScenario, graderAvailable: boolean, rubrics: RubricCalibration[]): Promise<ScenarioCalibration> {
  const graded = new Map(rubrics.map((r) => [r.id, r]));
  const runnable = s.assert.filter((a) => !graded.has(a.id) && (graderAvailable || !needsGrader(a.type)));
  // Model-graded assertions judged neither offline nor by rubric calibration.
  const skipped = s.assert.filter((a) => !runnable.includes(a) && !graded.has(a.id));
  const label = (a: NormalizedAssertion) => `\`${describeAssertion(a)}\``;
  const problems: string[] = [];
  const warnings: string[] = [];

  const judge = async (side: 'pass' | 'fail', ex: ReferenceAnswer): Promise<ExampleOutcome> => {
    if (runnable.length === 0) return { side, label: ex.label, pass: true, score: 1, failed: [] };
    // A reference trajectory judges the assertions on what the agent did, as a recorded one would.
    const agentVars =
      ex.trajectory || s.agentic
        ? { ...(ex.trajectory ? { __trajectory: ex.trajectory } : {}), __workspace: s.workspace?.files ?? {} }
        : {};
    const grading = await scoreOffline({ output: ex.text, assertions: runnable.map(toEngineAssertion), vars: { ...s.vars, ...agentVars } });
    const byId = new Map(grading.components.map((c) => [c.metric, c]));
    const outcomes = runnable.map((a) => {
      const c = byId.get(a.id);
      return {
        id: a.id,
        pass: c?.pass ?? false,
        score: c?.score ?? 0,
        weight: a.weight,
        critical: a.critical,
        reason: c?.reason ?? 'not scored by the engine',
      };
    });
    const verdict = judgeOutcomes(s, outcomes);
    return { side, label: ex.label, ...verdict, failed: outcomes.filter((o) => !o.pass).map((o) => ({ id: o.id, reason: o.reason })) };
  };
  const examples = [
    ...(await Promise.all(s.examples.pass.map((ex) => judge('pass', ex)))),
    ...(await Promise.all(s.examples.fail.map((ex) => judge('fail', ex)))),
  ];
  const passes = examples.filter((e) => e.side === 'pass');
  const fails = examples.filter((e) => e.side === 'fail');

  if (passes.length === 0) problems.push('no pass example: nothing shows that a good answer is accepted');
  if (fails.length === 0) problems.push('no fail example: nothing shows that a bad answer is rejected');
  for (const e of passes) {
    for (const f of e.failed) {
      const a = s.assert.find((x) => x.id === f.id)!;
      problems.push(`pass example "${e.label}" fails ${a.critical ? 'critical ' : ''}${label(a)}: ${oneLine(f.reason)}`);
    }
  }
  for (const r of rubrics) for (const p of r.problems) problems.push(`${label(s.assert.find((a) => a.id === r.id)!)}: ${p}`);
  for (const e of fails) {
    // A rubric the grader applies reliably rejects this answer: the scenario can reject it.
    if (e.pass && rubrics.some((r) => r.ok && r.catches.includes(e.label))) continue;
    if (e.pass && e.failed.length === 0) {
      const only = skipped.length
        ? `; only ${skipped.map(label).join(', ')} (needs a grader) could reject it`
        : ': the scenario cannot reject it';
      (skipped.length ? warnings : problems).push(
        `fail example "${e.label}" passes every assertion${skipped.length ? ' that runs offline' : ''}${only}`,
      );
    } else if (e.pass) {
      problems.push(
        `fail example "${e.label}" still passes: score ${e.score.toFixed(2)} ≥ threshold ${s.threshold} and no critical assertion fails`,
      );
    }
  }

  const assertions: AssertionCalibration[] = s.assert.map((a) => {
    const base = { id: a.id, kind: a.type, label: describeAssertion(a), critical: a.critical };
    if (skipped.includes(a)) return { ...base, verdict: 'needs-grader', catches: [] };
    const rubric = graded.get(a.id);
    if (rubric) return { ...base, verdict: rubric.ok ? 'discriminates' : 'untrusted', catches: rubric.catches };
    const catches = fails.filter((e) => e.failed.some((f) => f.id === a.id)).map((e) => e.label);
    let verdict: AssertionVerdict = 'discriminates';
    if (passes.some((e) => e.failed.some((f) => f.id === a.id))) verdict = 'rejects-good-answer';
    else if (fails.length === 0) {
      verdict = 'not-exercised';
      warnings.push(`${label(a)}: no example exercises it (no fail example)`);
    } else if (catches.length === 0) {
      verdict = 'does-not-discriminate';
      const which = fails.length === 1 ? 'the fail example too' : `all ${fails.length} fail examples too`;
      warnings.push(`${label(a)} passes ${which}: it cannot tell them apart`);
    }
    return { ...base, verdict, catches };
  });

  return {
    id: s.id,
    file: s.file,
    line: s.line,
    ok: problems.length === 0,
    problems,
    warnings,
    needsGrader: skipped.map((a) => a.id),
    rubrics,
    assertions,
    examples,
  };
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
