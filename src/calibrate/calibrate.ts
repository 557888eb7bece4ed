/**
 * Offline calibration: run each scenario's assertions on its reference answers with promptfoo's engine
 * and no model. A scenario is calibrated when every pass example passes every assertion and every fail
 * example is rejected; each assertion should also be the reason some fail example is rejected.
 */
import type { LoadedScenario, ReferenceAnswer } from '../load/scenarios.ts';
import { needsGrader, describeAssertion, judgeOutcomes, toEngineAssertion, type NormalizedAssertion } from '../assertions/registry.ts';
import { scoreOffline } from '../execute/engine.ts';
import { TRAJECTORY_KINDS } from '../schema/scenario.ts';
import type { RubricCalibrationRun } from './rubrics.ts';
import type { RubricCalibration } from './rubric-verdict.ts';

type AssertionVerdict =
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

interface ExampleOutcome {
  side: 'pass' | 'fail';
  label: string;
  /** The scenario's verdict on this answer (threshold and critical assertions applied). */
  pass: boolean;
  score: number;
  /** Assertions this answer failed, with promptfoo's reason. */
  failed: Array<{ id: string; reason: string }>;
}

interface AssertionCalibration {
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
  /**
   * No reference example at all (a new scenario): nothing checked its assertions. `calibrate` fails it;
   * `eval` runs it with a warning and marks its verdicts uncalibrated (`splitUncalibrated`).
   */
  uncalibrated: boolean;
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

interface CalibrateOptions {
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

/**
 * For `eval`: the scenarios with no reference example at all set apart (they run, uncalibrated), and
 * the report of the others, whose `ok` alone decides whether the eval may call a model. A scenario
 * whose examples show an assertion that cannot tell good from bad still fails it.
 *
 * @example
 * const { checked, uncalibrated } = splitUncalibrated(report);
 * if (!checked.ok) return 1; // a failing example stops the run
 */
export function splitUncalibrated(report: CalibrationReport): { checked: CalibrationReport; uncalibrated: ScenarioCalibration[] } {
  const scenarios = report.scenarios.filter((s) => !s.uncalibrated);
  return {
    checked: { ...report, ok: scenarios.every((s) => s.ok), scenarios },
    uncalibrated: report.scenarios.filter((s) => s.uncalibrated),
  };
}

const label = (a: NormalizedAssertion) => `\`${describeAssertion(a)}\``;

/** One reference answer scored offline by the assertions that can run, as a recorded answer would be. */
async function judgeExample(
  s: LoadedScenario,
  runnable: NormalizedAssertion[],
  side: 'pass' | 'fail',
  ex: ReferenceAnswer,
): Promise<ExampleOutcome> {
  if (runnable.length === 0) return { side, label: ex.label, pass: true, score: 1, failed: [] };
  // A reference trajectory judges the assertions on what the agent did, as a recorded one would.
  const agentVars =
    ex.trajectory || s.agentic ? { ...(ex.trajectory ? { __trajectory: ex.trajectory } : {}), __workspace: s.workspace?.texts ?? {} } : {};
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
}

/** What the reference answers show is wrong with the scenario (problems fail calibration; warnings do not). */
function exampleProblems(
  s: LoadedScenario,
  e: { passes: ExampleOutcome[]; fails: ExampleOutcome[]; rubrics: RubricCalibration[]; skipped: NormalizedAssertion[] },
): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (e.passes.length === 0) problems.push('no pass example: nothing shows that a good answer is accepted');
  if (e.fails.length === 0) problems.push('no fail example: nothing shows that a bad answer is rejected');
  const onAgent = s.assert.filter((a) => TRAJECTORY_KINDS.includes(a.type));
  for (const [i, ex] of e.passes.entries()) {
    // Without a trajectory the assertions on what the agent did fail for that reason alone: say how to give it one.
    const blind = onAgent.length > 0 && !s.examples.pass[i]?.trajectory;
    if (blind) problems.push(missingTrajectory(ex.label, onAgent));
    for (const f of ex.failed) {
      const a = s.assert.find((x) => x.id === f.id)!;
      if (blind && onAgent.includes(a)) continue;
      problems.push(`pass example "${ex.label}" fails ${a.critical ? 'critical ' : ''}${label(a)}: ${oneLine(f.reason)}`);
    }
  }
  for (const r of e.rubrics) for (const p of r.problems) problems.push(`${label(s.assert.find((a) => a.id === r.id)!)}: ${p}`);
  for (const ex of e.fails) {
    // A rubric the grader applies reliably rejects this answer: the scenario can reject it.
    if (ex.pass && e.rubrics.some((r) => r.ok && r.catches.includes(ex.label))) continue;
    if (ex.pass && ex.failed.length === 0) {
      const only = e.skipped.length
        ? `; only ${e.skipped.map(label).join(', ')} (needs a grader) could reject it`
        : ': the scenario cannot reject it';
      (e.skipped.length ? warnings : problems).push(
        `fail example "${ex.label}" passes every assertion${e.skipped.length ? ' that runs offline' : ''}${only}`,
      );
    } else if (ex.pass) {
      problems.push(
        `fail example "${ex.label}" still passes: score ${ex.score.toFixed(2)} ≥ threshold ${s.threshold} and no critical assertion fails`,
      );
    }
  }
  return { problems, warnings };
}

/** The problem for a pass example without a trajectory, saying how to give it one. */
function missingTrajectory(example: string, onAgent: NormalizedAssertion[]): string {
  return (
    `pass example "${example}" has no trajectory, so ${onAgent.map(label).join(', ')} cannot judge it: add \`trajectory: <file>.json\` beside it ` +
    '(what the agent did, see docs/scenarios.md), or record one from a run with `agent-evals examples add --cell <cell-id> --as pass`'
  );
}

/** Whether one assertion tells the pass examples from the fail examples; a weak one adds a warning. */
function assertionVerdict(
  a: NormalizedAssertion,
  e: {
    passes: ExampleOutcome[];
    fails: ExampleOutcome[];
    skipped: NormalizedAssertion[];
    graded: Map<string, RubricCalibration>;
    warnings: string[];
  },
): AssertionCalibration {
  const base = { id: a.id, kind: a.type, label: describeAssertion(a), critical: a.critical };
  if (e.skipped.includes(a)) return { ...base, verdict: 'needs-grader', catches: [] };
  const rubric = e.graded.get(a.id);
  if (rubric) return { ...base, verdict: rubric.ok ? 'discriminates' : 'untrusted', catches: rubric.catches };
  const catches = e.fails.filter((ex) => ex.failed.some((f) => f.id === a.id)).map((ex) => ex.label);
  let verdict: AssertionVerdict = 'discriminates';
  if (e.passes.some((ex) => ex.failed.some((f) => f.id === a.id))) verdict = 'rejects-good-answer';
  else if (e.fails.length === 0) {
    verdict = 'not-exercised';
    e.warnings.push(`${label(a)}: no example exercises it (no fail example)`);
  } else if (catches.length === 0) {
    verdict = 'does-not-discriminate';
    const which = e.fails.length === 1 ? 'the fail example too' : `all ${e.fails.length} fail examples too`;
    e.warnings.push(`${label(a)} passes ${which}: it cannot tell them apart`);
  }
  return { ...base, verdict, catches };
}

async function calibrateScenario(s: LoadedScenario, graderAvailable: boolean, rubrics: RubricCalibration[]): Promise<ScenarioCalibration> {
  const graded = new Map(rubrics.map((r) => [r.id, r]));
  const runnable = s.assert.filter((a) => !graded.has(a.id) && (graderAvailable || !needsGrader(a.type)));
  // Model-graded assertions judged neither offline nor by rubric calibration.
  const skipped = s.assert.filter((a) => !runnable.includes(a) && !graded.has(a.id));
  const examples = [
    ...(await Promise.all(s.examples.pass.map((ex) => judgeExample(s, runnable, 'pass', ex)))),
    ...(await Promise.all(s.examples.fail.map((ex) => judgeExample(s, runnable, 'fail', ex)))),
  ];
  const passes = examples.filter((e) => e.side === 'pass');
  const fails = examples.filter((e) => e.side === 'fail');
  const { problems, warnings } = exampleProblems(s, { passes, fails, rubrics, skipped });
  const assertions = s.assert.map((a) => assertionVerdict(a, { passes, fails, skipped, graded, warnings }));
  return {
    id: s.id,
    file: s.file,
    line: s.line,
    ok: problems.length === 0,
    uncalibrated: s.examples.pass.length === 0 && s.examples.fail.length === 0,
    problems,
    warnings,
    needsGrader: skipped.map((a) => a.id),
    rubrics,
    assertions,
    examples,
  };
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
