import * as z from 'zod';
import { Trajectory } from './trajectory.ts';

/** How one cell (variant × model × scenario × repeat) ended. */
export const CellStatus = z.enum([
  /** Scored; every critical assertion passed and the score met the scenario's bar. */
  'pass',
  /** Scored; an assertion (or a critical one) failed. */
  'fail',
  /** The provider failed (timeout, 429 after retries, 5xx, malformed reply): not scored. */
  'error',
  /** The model could not run (missing credentials, server down): not scored, not a failure. */
  'not-run',
  /** `--replay` and no recording matches this cell (prompt or scenario changed). */
  'not-recorded',
]);
export type CellStatus = z.infer<typeof CellStatus>;

/** One grader's grade of a rubric assertion, when a panel of graders decided it by majority. */
const GraderVote = z.object({
  /** The grader's label in the eval config. */
  grader: z.string(),
  /** Absent when this grader failed to grade (its `reason` says why). */
  pass: z.boolean().optional(),
  score: z.number().min(0).max(1).optional(),
  reason: z.string().optional(),
});

/**
 * Id and kind of the outcome that fails an agent cell whose agent reached a bound of the cell (maxTurns, the
 * request bound, the wall time): listed first, critical, its reason naming the limit. The cell is a scored
 * `fail` with score 0, whatever its other assertions say; not an `error`, since the agent did run.
 */
export const LIMIT_ASSERTION = 'limit';

export const AssertionOutcome = z.object({
  /** Assertion id from the scenario (given or derived, e.g. `mentions-jwt`). */
  id: z.string(),
  kind: z.string(),
  pass: z.boolean(),
  /** 0..1 */
  score: z.number().min(0).max(1),
  weight: z.number(),
  critical: z.boolean(),
  reason: z.string().optional(),
  /** The grader model failed: the assertion was not judged (not the agent's failure). */
  gradingError: z.boolean().optional(),
  /** A panel of graders: each grader's grade, in config order; `pass` is their majority. */
  votes: z.array(GraderVote).optional(),
});
export type AssertionOutcome = z.infer<typeof AssertionOutcome>;

const TokenUsage = z.object({
  prompt: z.number().int().nonnegative(),
  completion: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});

/** One line of `reports/runs/<run-id>/results.jsonl`. */
export const CellResult = z.object({
  /** Stable key of the cell: hash of (variant id, model id, scenario id, repeat). */
  cellId: z.string(),
  agent: z.string(),
  variantId: z.string(),
  variantHash: z.string(),
  scenarioId: z.string(),
  scenarioHash: z.string(),
  assertionsHash: z.string(),
  /** Model label as configured (provider id, or its `label`). */
  model: z.string(),
  /** 0-based repeat index. */
  repeat: z.number().int().nonnegative(),
  status: CellStatus,
  output: z.string().optional(),
  assertions: z.array(AssertionOutcome),
  /** Weighted assertion score, 0..1; 0 for cells that were not scored. */
  score: z.number().min(0).max(1),
  latencyMs: z.number().nonnegative().optional(),
  tokens: TokenUsage.optional(),
  /** USD, when the provider reports it. */
  cost: z.number().nonnegative().optional(),
  /** Where the answer came from. */
  source: z.enum(['live', 'replay', 'cache', 'baseline']).optional(),
  /** Agent runtimes: what the agent did (tool calls, delegations, turns, workspace diff). Untrusted. */
  trajectory: Trajectory.optional(),
  /** A routing case (docs/routing.md): the expected decision, the one made (absent when the cell did not run), its detail. Untrusted. */
  routing: z
    .object({
      suite: z.string(),
      expected: z.string(),
      chosen: z.string().optional(),
      detail: z.string().optional(),
      /** The runtime program's version when the decision was made live. */
      runtimeVersion: z.string().optional(),
    })
    .optional(),
  /** Cause of an `error`, `not-run` or `not-recorded` cell. */
  error: z.string().optional(),
  finishedAt: z.string(),
});
export type CellResult = z.infer<typeof CellResult>;

/**
 * A cell's verdict as the fold keeps it (`score/fold-results.ts`) and everything after the run reads it:
 * aggregates, summaries, the gate, history, baseline and the reports' counts. No answer (`output`), no
 * trajectory, no cell id or finish time: a consumer that needs one of those reads the bounded answers
 * (`report/model/answer-sample.ts`) or results.jsonl, and the compiler says so. A `CellResult` is a verdict too
 * (its trajectory's `turns` and `approximated` then sit in its trajectory, not here).
 */
export interface CellVerdict
  extends Pick<
    CellResult,
    | 'agent'
    | 'variantId'
    | 'variantHash'
    | 'scenarioId'
    | 'scenarioHash'
    | 'assertionsHash'
    | 'model'
    | 'repeat'
    | 'status'
    | 'assertions'
    | 'score'
    | 'latencyMs'
    | 'tokens'
    | 'cost'
    | 'source'
    | 'error'
  > {
  /** A routing case: the decision made, without its (untrusted, unbounded) detail. */
  routing?: Omit<NonNullable<CellResult['routing']>, 'detail'>;
  /** An agent cell: the model turns of its trajectory (the trajectory itself is not kept). */
  turns?: number;
  /** An agent cell: what of its agent file the runtime could not enforce (the trajectory's `approximated`). */
  approximated?: string[];
}

/** Statuses that carry an assertion verdict; everything else is excluded from pass rates. */
export function isScored(status: CellStatus): boolean {
  return status === 'pass' || status === 'fail';
}

/** A cell this run measured itself (ran, replayed or cached), not one carried from the baseline. */
export function isMeasured(r: Pick<CellResult, 'source'>): boolean {
  return r.source !== 'baseline';
}

/**
 * Whether a run's cells add a line to history: it measured at least one cell that was scored or errored. A run
 * where nothing could run (no key) measured nothing and adds none; error cells are measured. `finishRun` and
 * `merge` both ask this.
 */
export function addsHistoryLine(results: readonly Pick<CellResult, 'source' | 'status'>[]): boolean {
  return results.some((r) => isMeasured(r) && (isScored(r.status) || r.status === 'error'));
}
