/**
 * Rubric calibration: each rubric graded k times by the eval's grader on each reference answer of its
 * scenario, the grades kept in a cache (`.agent-evals/calibration/rubric-grades.json`) keyed by rubric,
 * answer, grader and grading prompt, so a rerun with nothing changed asks the grader nothing.
 */
import { describeAssertion, needsGrader } from '../assertions/registry.ts';
import { GRADING_PROMPT } from '../assertions/grading-prompt.ts';
import type { RubricGrader } from '../execute/grade-rubric.ts';
import { forEachLimit } from '../execute/limit.ts';
import { graderFingerprint, readRubricGrades, rubricGradeKey, writeRubricGrades } from '../io/rubric-grade-cache.ts';
import type { LoadedScenario } from '../load/scenarios.ts';
import type { ResolvedModel } from '../plan/matrix.ts';
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
  opts: { grader: ResolvedModel; grade: RubricGrader; repeat: number; concurrency: number; signal?: AbortSignal },
): Promise<RubricCalibration[]> {
  const cache = await readRubricGrades(root);
  const fingerprint = graderFingerprint(opts.grader);
  const jobs = scenarios.flatMap((s) =>
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
            const cached = (cache.get(key) ?? []).slice(0, opts.repeat);
            // One slot per grade still to ask for (undefined until it is answered).
            const fresh: Array<RubricGrade | { error: string } | undefined> = Array.from(
              { length: opts.repeat - cached.length },
              () => undefined,
            );
            return { scenario: s, assertion: a, side, example: ex, key, cached, fresh };
          }),
        ),
      ),
  );

  const calls = jobs.flatMap((job) => job.fresh.map((_, i) => ({ job, sample: job.cached.length + i })));
  await forEachLimit(
    calls,
    opts.concurrency,
    async ({ job, sample }) => {
      job.fresh[sample - job.cached.length] = await opts.grade({
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
  for (const job of jobs) {
    const firstGap = job.fresh.findIndex((g) => !g || 'error' in g);
    const kept = (firstGap === -1 ? job.fresh : job.fresh.slice(0, firstGap)) as RubricGrade[];
    if (kept.length === 0) continue;
    const previous = cache.get(job.key) ?? [];
    cache.set(job.key, [...job.cached, ...kept, ...previous.slice(job.cached.length + kept.length)]);
    changed = true;
  }
  if (changed) await writeRubricGrades(root, cache);

  const results: RubricCalibration[] = [];
  for (const s of scenarios) {
    for (const a of s.assert.filter((x) => needsGrader(x.type))) {
      const mine = jobs.filter((j) => j.scenario === s && j.assertion === a);
      results.push(
        judgeRubric(
          { scenarioId: s.id, id: a.id, label: describeAssertion(a) },
          mine.map((j) => ({
            side: j.side,
            label: j.example.label,
            grades: [
              ...j.cached.map((g): GradeOutcome => ({ pass: g.pass, ...(g.tokens ? { tokens: g.tokens } : {}), fresh: false })),
              ...j.fresh.map(
                (g): GradeOutcome =>
                  !g
                    ? { error: 'not graded (interrupted)', fresh: false }
                    : 'error' in g
                      ? { error: g.error, fresh: true }
                      : { pass: g.pass, ...(g.tokens ? { tokens: g.tokens } : {}), fresh: true },
              ),
            ],
          })),
        ),
      );
    }
  }
  return results;
}
