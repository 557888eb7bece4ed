import * as z from 'zod';

/** A model's price in USD per million tokens (prompt and completion), used where promptfoo knows none. */
export const ModelCost = z.strictObject({
  input: z.number().min(0).describe('USD per million prompt tokens'),
  output: z.number().min(0).describe('USD per million completion tokens'),
});
export type ModelCost = z.infer<typeof ModelCost>;

/**
 * A model to run agents on: a promptfoo provider id plus options, e.g.
 * `{ id: 'openai:chat:gpt-4.1-mini' }` or `{ id: 'openai:chat:llama3', config: { apiBaseUrl: 'http://localhost:8080/v1' } }`.
 * A bare string is shorthand for `{ id }`.
 */
export const ModelSpec = z.union([
  z.string().min(1),
  z.strictObject({
    id: z.string().min(1).describe('promptfoo provider id, e.g. anthropic:messages:claude-sonnet-4-5'),
    label: z.string().min(1).optional().describe('name shown in reports (default: the id)'),
    config: z.record(z.string(), z.unknown()).optional().describe('provider options passed to promptfoo (apiBaseUrl, max_tokens, …)'),
    runtime: z
      .enum(['chat', 'claude-code', 'opencode'])
      .optional()
      .describe(
        'where the agent runs: chat (a model call, default), claude-code (Claude Code, with tools) or opencode (OpenCode, with tools)',
      ),
    maxTurns: z.number().int().min(1).max(100).optional().describe('agent runtimes: most model turns per cell (default 12)'),
    cost: ModelCost.optional().describe('USD per million tokens, for models promptfoo has no price for (budgets, --dry-run)'),
  }),
]);
export type ModelSpec = z.infer<typeof ModelSpec>;

const Rate = z.number().min(0).max(1);

/** Absolute bars a run must meet, on top of the comparison with the baseline. Rates are 0..1. */
export const Thresholds = z.strictObject({
  /** Minimum pass rate for every variant × model. */
  passRate: Rate.optional(),
  /** Per agent name, variant id or scenario id. */
  agents: z.record(z.string(), Rate).optional(),
  variants: z.record(z.string(), Rate).optional(),
  scenarios: z.record(z.string(), Rate).optional(),
  /** Routing suites: the lowest recall and precision any agent of a suite may have (docs/routing.md). */
  routing: z.strictObject({ recall: Rate.optional(), precision: Rate.optional() }).optional(),
  /** When true, every critical assertion must pass in every scored cell. */
  criticalMustPass: z.boolean().optional(),
  /** Largest share of cells that may be provider errors before the gate says it could not measure (exit 3). */
  errorBudget: Rate.default(0.1),
  /** Significance level for regression / improvement verdicts. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** Largest p95 latency (ms, nearest rank over scored cells) any variant × model may have; the control arm is not held to it. */
  p95LatencyMs: z.number().positive().optional(),
});
export type Thresholds = z.infer<typeof Thresholds>;

/** `budget: { usd, tokens }`: either or both. */
export const Budget = z
  .strictObject({
    usd: z.number().positive().optional().describe('most USD the run may spend (agent cells, delegated peers included)'),
    tokens: z.number().int().positive().optional().describe('most tokens (prompt + completion) the run may spend'),
  })
  .refine((b) => b.usd !== undefined || b.tokens !== undefined, { message: 'expected usd, tokens or both' });
export type Budget = z.infer<typeof Budget>;

/**
 * Upper bounds shared by the config and the CLI flags that override it (`--repeat`, `--concurrency`):
 * a typo such as `repeats: 1e9` must be refused up front, not planned until memory runs out.
 */
export const MAX_REPEATS = 100;
export const MAX_CONCURRENCY = 256;

/** `evals/*.yaml`: which agents run on which models and scenarios, how often, with which bars. */
export const EvalConfig = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  /** Agent names, variant ids or globs; default all. */
  agents: z.array(z.string().min(1)).optional(),
  /**
   * Where to read agents from, relative to the project root: folders of `*.md` agent files and
   * `opencode.json` files. Default: `agents`, `.claude/agents`, `.opencode/agent`, `.opencode/agents`,
   * `opencode.json`, `opencode.jsonc` (those that exist).
   */
  agentsDirs: z.array(z.string().min(1)).min(1).optional(),
  /** Scenario ids, globs, or `tag:<name>`; default all. */
  scenarios: z.array(z.string().min(1)).optional(),
  /**
   * Routing suites to run (files or globs under `routing/`, e.g. `routing/backend.yaml`): each case is a cell per
   * variant of a suite agent, on the models with an agent runtime (docs/routing.md). Default: none.
   */
  routing: z.array(z.string().min(1)).min(1).optional(),
  /** Models, or `from-agent` to run each variant on the model its frontmatter declares (see `modelMap`). */
  models: z.union([z.literal('from-agent'), z.array(ModelSpec).min(1)]),
  /** Model hint (`opus`, `sonnet`, `haiku`, `provider/model`) → model, for `models: from-agent`. */
  modelMap: z.record(z.string(), ModelSpec).optional(),
  /**
   * Provider for `rubric` assertions; never the model under test. A list is a panel: each rubric is
   * graded by every grader and decided by their majority (a tie or too few votes is a grading error).
   */
  grader: z.union([ModelSpec, z.array(ModelSpec).min(1)]).optional(),
  /** Repeats per cell, or `auto`: the repeats that detect `targetEffect` at 80 % power, within `budget` (docs/planning-and-budgets.md). */
  repeats: z
    .union([z.number().int().min(1).max(MAX_REPEATS), z.literal('auto')], {
      error: (issue) => `expected number (1 to ${MAX_REPEATS}) or "auto", got ${JSON.stringify(issue.input)}`,
    })
    .default(1),
  /** With `repeats: auto`: the change in pass rate to detect, 0..1 (default 0.1, ten points). */
  targetEffect: z.number().gt(0).lt(1).optional(),
  /** Spend cap: no new cell starts once what was spent plus what it is projected to spend would cross it. */
  budget: Budget.optional(),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).default(4),
  timeoutMs: z.number().int().min(1000).default(120_000),
  /** Overrides every variant's temperature when set. */
  temperature: z.number().min(0).max(2).optional(),
  /** Retries for transient provider errors (429, 5xx) before a cell is an `error`. */
  maxRetries: z.number().int().min(0).max(10).default(4),
  thresholds: Thresholds.default({ errorBudget: 0.1, alpha: 0.05 }),
  /**
   * The jail agent programs run in (claude-code, opencode runtimes). Absent: `bubblewrap`, and an eval whose
   * machine cannot start one stops before any call (exit 2) naming the fix. `none` runs agents unjailed, with
   * access to everything this user can reach: a warning in meta.json, the console and the report.
   */
  sandbox: z.enum(['bubblewrap', 'none']).optional(),
  /**
   * The control arm: `true` adds, for every agent, a variant `<agent>@control` that runs the same models
   * and scenarios with no agent prompt (the bare model), or a list of agent names to add it for. Reports
   * show each variant's gain over it; it is never gated.
   */
  control: z.union([z.boolean(), z.array(z.string().min(1)).min(1)]).optional(),
});
export type EvalConfig = z.infer<typeof EvalConfig>;
