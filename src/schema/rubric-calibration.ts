import * as z from 'zod';

/** One grade of a rubric on a reference answer, as the grader gave it. */
export const RubricGrade = z.strictObject({
  pass: z.boolean(),
  score: z.number(),
  reason: z.string(),
  /** Tokens the grader call used (prompt + completion), when the provider said. */
  tokens: z.number().int().min(0).optional(),
});
export type RubricGrade = z.infer<typeof RubricGrade>;

/**
 * `.agent-evals/calibration/rubric-grades.json`: grades already paid for, by key (a hash of the rubric
 * text, the reference answer, the grader's fingerprint and the grading prompt). A grade is kept only when
 * the grader judged; a grader error is asked again on the next run.
 */
export const RubricGradeCache = z.strictObject({
  version: z.literal(1),
  entries: z.record(z.string(), z.strictObject({ grades: z.array(RubricGrade) })),
});
export type RubricGradeCache = z.infer<typeof RubricGradeCache>;
