import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RubricGradeCache, type RubricGrade } from '../../schema/rubric-calibration.ts';
import { redactConfig } from '../../shared/secrets.ts';
import { stableJson } from '../../shared/stable-json.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';

/** Where rubric calibration keeps the grades it paid for (git-ignored, like every cache under `.agent-evals/`). */
export const RUBRIC_GRADE_CACHE = path.join('.agent-evals', 'calibration', 'rubric-grades.json');

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The grader as far as its verdicts go: provider id and config, secrets left out (a new API key grades
 * as the old one did; a new model, temperature or server does not).
 *
 * @example
 * graderFingerprint({ id: 'openai:chat:gpt-4.1', config: { apiKey: 'sk-…', temperature: 0 } }) // 16 hex digits
 */
export function graderFingerprint(grader: { id: string; config: Record<string, unknown> }): string {
  return sha(stableJson({ id: grader.id, config: redactConfig(grader.config) })).slice(0, 16);
}

/** The cache key of one rubric on one reference answer, for one grader and grading prompt. */
export function rubricGradeKey(input: {
  rubric: string;
  threshold?: number;
  vars: Record<string, unknown>;
  answer: string;
  grader: string;
  prompt: string;
}): string {
  return sha(
    stableJson({
      rubric: input.rubric,
      threshold: input.threshold ?? null,
      vars: input.vars,
      answer: sha(input.answer),
      grader: input.grader,
      prompt: sha(input.prompt),
    }),
  );
}

/**
 * The grades already paid for. A missing, unreadable or damaged file is an empty cache: it only costs
 * the grades again.
 */
export async function readRubricGrades(root: string): Promise<Map<string, RubricGrade[]>> {
  const text = await readFile(path.join(root, RUBRIC_GRADE_CACHE), 'utf8').catch(() => undefined);
  if (!text) return new Map();
  try {
    const parsed = RubricGradeCache.safeParse(JSON.parse(text));
    return parsed.success ? new Map(Object.entries(parsed.data.entries).map(([k, v]) => [k, v.grades])) : new Map();
  } catch {
    return new Map();
  }
}

/** Writes the grades whole (atomic): an interrupted run leaves the previous cache, never half a file. */
export async function writeRubricGrades(root: string, grades: Map<string, RubricGrade[]>): Promise<void> {
  const cache: RubricGradeCache = {
    version: 1,
    entries: Object.fromEntries([...grades].sort(([a], [b]) => a.localeCompare(b)).map(([k, g]) => [k, { grades: g }])),
  };
  await writeFileAtomic(path.join(root, RUBRIC_GRADE_CACHE), `${JSON.stringify(cache, null, 1)}\n`);
}
