import * as z from 'zod';

/**
 * Counts for one variant × model × scenario in one run: what `reports/history.jsonl` lines and
 * `reports/baseline.json` hold instead of raw outputs. Small, committed, human-diffable.
 */
export const ScenarioAggregate = z.strictObject({
  variantId: z.string(),
  variantHash: z.string(),
  agent: z.string(),
  model: z.string(),
  scenarioId: z.string(),
  scenarioHash: z.string(),
  assertionsHash: z.string(),
  /** Grader provider id when the scenario has rubric assertions. */
  grader: z.string().optional(),
  /** Scored cells (pass + fail) and passes among them. */
  runs: z.number().int().nonnegative(),
  passes: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  notRun: z.number().int().nonnegative(),
  /**
   * Of `runs`, the cells carried from the baseline in an affected-only run (`source: 'baseline'`): the
   * baseline's own outcomes, not a new measurement. Absent when none were carried.
   */
  carried: z.number().int().nonnegative().optional(),
  /** Sum of cell scores (0..1 each) over scored cells, so means can be recomputed. */
  scoreSum: z.number().nonnegative(),
  /** One letter per repeat index: P pass, F fail, E error, N not run / not recorded. Enables pairing by repeat. */
  outcomes: z.string().regex(/^[PFEN]*$/),
  /**
   * A routing case (docs/routing.md): its suite, the expected decision and, per repeat index, the decision made
   * ('' where the repeat was not scored), and the runtime versions that decided. What the routing figures and their
   * gate are computed from.
   */
  routing: z
    .strictObject({
      suite: z.string(),
      expected: z.string(),
      chosen: z.array(z.string()),
      /** The runtime program's versions that made the live decisions (routing depends on it). */
      runtimeVersions: z.array(z.string()).optional(),
    })
    .optional(),
  /** Per assertion id: scored runs and passes. */
  assertions: z.record(
    z.string(),
    z.strictObject({ runs: z.number().int().nonnegative(), passes: z.number().int().nonnegative(), critical: z.boolean().optional() }),
  ),
});
export type ScenarioAggregate = z.infer<typeof ScenarioAggregate>;

export const GitInfo = z.strictObject({
  commit: z.string().optional(),
  branch: z.string().optional(),
  dirty: z.boolean().optional(),
});
export type GitInfo = z.infer<typeof GitInfo>;

/**
 * One variant × model of a run whose history line was compacted (`agent-evals history compact`): the
 * counts summed over its scenarios, and what they were measured against (so trends still break
 * where the tests or the grader changed).
 */
export const VariantModelTotal = z.strictObject({
  variantId: z.string(),
  variantHash: z.string(),
  agent: z.string(),
  model: z.string(),
  runs: z.number().int().nonnegative(),
  passes: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  notRun: z.number().int().nonnegative(),
  scoreSum: z.number().nonnegative(),
  /** Per scenario id: its scenario and assertions fingerprints. */
  tests: z.record(z.string(), z.strictObject({ scenarioHash: z.string(), assertionsHash: z.string() })),
  /** Grader ids of the scenarios that were graded. */
  graders: z.array(z.string()),
});
export type VariantModelTotal = z.infer<typeof VariantModelTotal>;

/** What the rubric calibration cache said about the run's grader and rubrics when the run finished (judge drift). */
export const HistoryRubricCalibration = z.strictObject({
  grader: z.string(),
  /** Pooled over every rubric: grades agreeing with the reference labels / grades given, 0..1. */
  accuracy: z.number().min(0).max(1),
  /** Rubrics below the accuracy bar or flaky. */
  flagged: z.number().int().nonnegative(),
  rubrics: z.number().int().nonnegative(),
});
export type HistoryRubricCalibration = z.infer<typeof HistoryRubricCalibration>;

/**
 * Latency percentiles of one variant × model in one run (nearest rank over its scored cells' `latencyMs`,
 * `score/latency.ts`); `turn`: the same over each agent cell's latency per model turn.
 */
export const LatencyFigures = z.strictObject({
  agent: z.string(),
  variantId: z.string(),
  model: z.string(),
  n: z.number().int().positive(),
  p50: z.number().nonnegative(),
  p95: z.number().nonnegative(),
  turn: z.strictObject({ n: z.number().int().positive(), p50: z.number().nonnegative(), p95: z.number().nonnegative() }).optional(),
});
export type LatencyFigures = z.infer<typeof LatencyFigures>;

/**
 * One run of `reports/history.jsonl`, as readers see it (the file stores it compactly: `io/history/history-codec.ts`).
 * A compacted run has `totals` and no `cells`.
 */
export const HistoryEntry = z.strictObject({
  runId: z.string(),
  time: z.string(),
  git: GitInfo,
  cells: z.array(ScenarioAggregate),
  totals: z.array(VariantModelTotal).optional(),
  rubricCalibration: HistoryRubricCalibration.optional(),
  /** p50 / p95 latency per variant × model of what the run measured (absent in lines written before it). */
  latency: z.array(LatencyFigures).optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** `reports/baseline.json`. */
export const Baseline = z.strictObject({
  version: z.literal(1),
  runId: z.string(),
  time: z.string(),
  git: GitInfo,
  /**
   * Files under agents/, scenarios/ and evals/ that differed from the last commit when the run was blessed
   * (the first 20 of `count`); absent when none did, or outside git.
   */
  uncommitted: z.strictObject({ count: z.number().int().positive(), files: z.array(z.string()) }).optional(),
  cells: z.array(ScenarioAggregate),
});
export type Baseline = z.infer<typeof Baseline>;
