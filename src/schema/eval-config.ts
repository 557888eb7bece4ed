import * as z from 'zod';

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
});
export type Thresholds = z.infer<typeof Thresholds>;

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
  repeats: z.number().int().min(1).max(MAX_REPEATS).default(1),
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
});
export type EvalConfig = z.infer<typeof EvalConfig>;
