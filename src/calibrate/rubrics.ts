/**
 * Rubric calibration: each rubric graded k times by the eval's grader on each reference answer of its
 * scenario, the grades kept in a cache (`.agent-evals/calibration/rubric-grades.json`) keyed by rubric,
 * answer, grader and grading prompt, so a rerun with nothing changed asks the grader nothing.
 */
import { describeAssertion, needsGrader, type NormalizedAssertion } from '../assertions/registry.ts';
import { GRADING_PROMPT } from '../assertions/grading-prompt.ts';
import type { RubricGrader } from '../execute/grade-rubric.ts';
import { forEachLimit } from '../execute/limit.ts';
import { graderFingerprint, readRubricGrades, rubricGradeKey, writeRubricGrades } from '../io/calibration/rubric-grade-cache.ts';
import type { LoadedScenario, ReferenceAnswer } from '../load/scenarios.ts';
import type { ResolvedModel } from '../schema/models.ts';
import type { RubricGrade } from '../schema/rubric-calibration.ts';
import { type GradeOutcome, judgeRubric, type RubricCalibration } from './rubric-verdict.ts';

export const DEFAULT_RUBRIC_GRADES = 3;

/** Whether rubric calibration ran, with which grader and what it cost; or why not and how to make it run. */
export type RubricCalibrationRun =
  | { status: 'run'; grader: string; repeat: number; cost: { grades: number; fresh: number; tokens: number } }
  | { status: 'not-run'; reason: string; howTo: string };

/**
 * Grades every rubric of `scenarios` `repeat` times on each reference answer (what the cache lacks),
 * then judges each rubric.
 *
 * @example
 * const rubrics = await calibrateRubrics('/repo', scenarios, { grader, grade, repeat: 3, concurrency: 4 });
 * rubrics.filter((r) => !r.ok) // the rubrics the grader cannot be trusted with
 */
export async function calibrateRubrics(
  root: string,
  scenarios: LoadedScenario[],
  opts: { graders: Array<{ model: ResolvedModel; grade: RubricGrader }>; repeat: number; concurrency: number; signal?: AbortSignal },
): Promise<RubricCalibration[]> {
  const cache = await readRubricGrades(root);
  const panel = opts.graders.map((g) => ({ ...g, jobs: planJobs(scenarios, cache, graderFingerprint(g.model), opts.repeat) }));

  const calls = panel.flatMap(({ jobs, grade }) =>
    jobs.flatMap((job) => job.fresh.map((_, i) => ({ job, grade, sample: job.cached.length + i }))),
  );
  await forEachLimit(
    calls,
    opts.concurrency,
    async ({ job, grade, sample }) => {
      job.fresh[sample - job.cached.length] = await grade({
        assertion: job.assertion,
        answer: job.example.text,
        vars: job.scenario.vars,
        sample,
      });
    },
    opts.signal,
  );

  // Keep each answer's grades up to its first failure: samples stay numbered as the grader's cache
  // namespaces are, so the next run asks exactly for the missing ones.
  let changed = false;
  for (const job of panel.flatMap((m) => m.jobs)) {
    const firstGap = job.fresh.findIndex((g) => !g || 'error' in g);
    const kept = (firstGap === -1 ? job.fresh : job.fresh.slice(0, firstGap)) as RubricGrade[];
    if (kept.length === 0) continue;
    const previous = cache.get(job.key) ?? [];
    cache.set(job.key, [...job.cached, ...kept, ...previous.slice(job.cached.length + kept.length)]);
    changed = true;
  }
  if (changed) await writeRubricGrades(root, cache);

  return judgeJobs(
    scenarios,
    panel.map((m) => m.jobs),
  );
}

/**
 * What the last calibrations say about `grader` and these rubrics, from the cache alone (no grader call):
 * the verdict on each rubric graded on every reference answer, and the rubrics never (fully) graded.
 * For `eval`, to say which verdicts rest on a flagged rubric.
 *
 * @example
 * const { rubrics, uncalibrated } = await lastRubricCalibration('/repo', scenarios, grader);
 * rubrics.filter((r) => !r.ok) // flagged in the last calibration
 */
export async function lastRubricCalibration(
  root: string,
  scenarios: LoadedScenario[],
  graders: ReadonlyArray<Pick<ResolvedModel, 'id' | 'config'>>,
): Promise<{ rubrics: RubricCalibration[]; uncalibrated: Array<{ scenarioId: string; id: string; label: string }> }> {
  const cache = await readRubricGrades(root);
  const judged = judgeJobs(
    scenarios,
    graders.map((g) => planJobs(scenarios, cache, graderFingerprint(g))),
  );
  const graded = (r: RubricCalibration) => r.examples.every((e) => e.passes + e.fails > 0);
  return {
    rubrics: judged.filter(graded),
    uncalibrated: judged.filter((r) => !graded(r)).map(({ scenarioId, id, label }) => ({ scenarioId, id, label })),
  };
}

interface Job {
  scenario: LoadedScenario;
  assertion: NormalizedAssertion;
  side: 'pass' | 'fail';
  example: ReferenceAnswer;
  key: string;
  cached: RubricGrade[];
  /** One slot per grade still to ask for (undefined until it is answered). */
  fresh: Array<RubricGrade | { error: string } | undefined>;
}

/** One job per rubric and reference answer: its cache key, the grades cached, the grades to ask for (none without `repeat`). */
function planJobs(scenarios: LoadedScenario[], cache: Map<string, RubricGrade[]>, fingerprint: string, repeat?: number): Job[] {
  return scenarios.flatMap((s) =>
    s.assert
      .filter((a) => needsGrader(a.type))
      .flatMap((a) =>
        (['pass', 'fail'] as const).flatMap((side) =>
          s.examples[side].map((ex) => {
            const rubric = a.type === 'rubric' ? a : undefined;
            const key = rubricGradeKey({
              rubric: rubric?.value ?? '',
              ...(rubric?.threshold !== undefined ? { threshold: rubric.threshold } : {}),
              vars: s.vars,
              answer: ex.text,
              grader: fingerprint,
              prompt: GRADING_PROMPT,
            });
            const cached = (cache.get(key) ?? []).slice(0, repeat);
            const fresh = Array.from({ length: repeat === undefined ? 0 : repeat - cached.length }, () => undefined);
            return { scenario: s, assertion: a, side, example: ex, key, cached, fresh };
          }),
        ),
      ),
  );
}

/**
 * The verdict on each rubric, in scenario and assertion order, from its jobs' grades: one list of jobs
 * per grader (in the same order, as `planJobs` makes them). A panel's grade k of an answer is its
 * graders' majority on their grade k, as an eval decides a rubric.
 */
function judgeJobs(scenarios: LoadedScenario[], panel: Job[][]): RubricCalibration[] {
  const [first = []] = panel;
  const indexed = first.map((job, k) => ({ job, k }));
  return scenarios.flatMap((s) =>
    s.assert
      .filter((a) => needsGrader(a.type))
      .map((a) =>
        judgeRubric(
          { scenarioId: s.id, id: a.id, label: describeAssertion(a) },
          indexed
            .filter(({ job }) => job.scenario === s && job.assertion === a)
            .map(({ job, k }) => ({
              side: job.side,
              label: job.example.label,
              grades: panelGrades(panel.map((jobs) => gradesOf(jobs[k]!))),
            })),
        ),
      ),
  );
}

/** One grader's grades of one answer: the cached ones, then the ones asked now. */
function gradesOf(job: Job): GradeOutcome[] {
  return [
    ...job.cached.map((g): GradeOutcome => ({ pass: g.pass, ...(g.tokens ? { tokens: g.tokens } : {}), fresh: false })),
    ...job.fresh.map(
      (g): GradeOutcome =>
        !g
          ? { error: 'not graded (interrupted)', fresh: false }
          : 'error' in g
            ? { error: g.error, fresh: true }
            : { pass: g.pass, ...(g.tokens ? { tokens: g.tokens } : {}), fresh: true },
    ),
  ];
}

/** Grade k of a panel: more than half of its graders on one side, else an error (no verdict). */
function panelGrades(members: GradeOutcome[][]): GradeOutcome[] {
  if (members.length === 1) return members[0]!;
  const n = members.length;
  return members[0]!.map((_, k) => {
    const grades = members.map((m) => m[k]).filter((g): g is GradeOutcome => g !== undefined);
    const passes = grades.filter((g) => 'pass' in g && g.pass).length;
    const fails = grades.filter((g) => 'pass' in g && !g.pass).length;
    const tokens = grades.reduce((sum, g) => sum + ('tokens' in g ? (g.tokens ?? 0) : 0), 0);
    const fresh = grades.some((g) => g.fresh);
    if (passes * 2 > n || fails * 2 > n) return { pass: passes * 2 > n, ...(tokens ? { tokens } : {}), fresh };
    return { error: `no majority of the ${n} graders (${passes} pass, ${fails} fail)`, fresh };
  });
}
