import * as z from 'zod';
import { GitInfo } from './aggregate.ts';

/** `reports/runs/<run-id>/meta.json`: what was run, on what, by which versions. Secrets redacted. */
export const RunMeta = z.strictObject({
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  git: GitInfo,
  harnessVersion: z.string(),
  promptfooVersion: z.string(),
  /** The eval config as run, provider options redacted. */
  config: z.record(z.string(), z.unknown()),
  /** Config file path relative to the root. */
  configFile: z.string(),
  /** Hash of everything that decides the cell list (for shard and resume checks). */
  planHash: z.string(),
  /** Cells planned: variant × model × scenario × repeat (after filters and sharding). */
  plannedCells: z.number().int().nonnegative(),
  shard: z.strictObject({ index: z.number().int().min(1), count: z.number().int().min(1) }).optional(),
  mode: z.enum(['live', 'replay', 'record']),
  /** Grader provider id, if rubric assertions were graded. */
  grader: z.string().optional(),
  fingerprints: z.strictObject({
    variants: z.record(z.string(), z.strictObject({ hash: z.string(), agent: z.string(), file: z.string(), systemPrompt: z.string() })),
    scenarios: z.record(z.string(), z.strictObject({ hash: z.string(), assertionsHash: z.string(), title: z.string() })),
  }),
  /** Models with the reason they could not run, if any. */
  notRun: z.record(z.string(), z.string()).default({}),
  /** The jail the run's agent cells ran in; `none` is shown as a warning wherever the run is. Absent: no agent cell. */
  sandbox: z.enum(['bubblewrap', 'none']).optional(),
  /** Scenarios run without reference examples (nothing calibrated their assertions): reports mark their verdicts `uncalibrated`. */
  uncalibrated: z.array(z.string()).optional(),
  /**
   * `budget`: the run's budget stopped it before every cell ran (issue 28). Unfinished (no `finishedAt`): every
   * report says so, `gate` and `bless` refuse it, `eval --resume --budget-usd <more>` finishes it.
   */
  stopped: z.literal('budget').optional(),
  /** Under a budget: what the run's cells spent (tokens, USD; grader calls not counted). */
  spent: z.strictObject({ tokens: z.number().nonnegative(), usd: z.number().nonnegative() }).optional(),
  /** Cells carried over from the baseline (affected-only runs), with the run they came from. */
  carriedFrom: z.string().optional(),
});
export type RunMeta = z.infer<typeof RunMeta>;
