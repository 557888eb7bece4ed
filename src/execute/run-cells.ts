/**
 * Running planned cells: through promptfoo's `evaluate` (its providers, retries, concurrency and
 * cache) when models are called, straight to its assertion engine when answers come from recordings.
 * Each finished cell is reported through `onResult` as soon as it is done.
 *
 * Each cell is scored (runAssertions) as soon as its answer arrives, off the request's path: the
 * provider wrapper hands the answer back to promptfoo at once, so the next request goes out, and
 * grading, the recording and the results.jsonl line follow (bounded, in that order). promptfoo's own
 * per-row hooks are not used: they need its sqlite eval database, a write and a file-signal per row,
 * measured at ≈ 6 ms of CPU per cell.
 */
import type { ResolvedModel } from '../schema/models.ts';
import type { CellPlan, RunMode } from '../plan/cell-plan.ts';
import type { PlanList } from '../plan/cell-plans.ts';
import type { CellResult } from '../schema/result.ts';
import { secretValues } from '../shared/secrets.ts';
import { type BackgroundWork, backgroundWork } from './background-work.ts';
import { collectBatchGarbage, withBatchSignal } from './batch-memory.ts';
import { type EngineRow, toCellResult } from './cell-result.ts';
import { loadEngine, type Promptfoo } from './engine.ts';
import { gradeAnswer } from './grade-answer.ts';
import { forEachLimit } from './limit.ts';
import { type AgentCellRunner, type ProviderResponse, type ProviderWrapper, wrapProvider } from './provider-wrapper.ts';
import type { RecordingStore } from './recordings.ts';
import type { CellBudget } from './budget.ts';

interface RunCellsOptions {
  /** The cells, planned a batch at a time when a `PlanList` plans on demand (an array of plans is one too). */
  plans: PlanList;
  /** The grader, or the panel whose majority decides each rubric assertion. */
  graders?: ResolvedModel[];
  concurrency: number;
  timeoutMs: number;
  /** live: call models (promptfoo cache on) and record; record: same with the cache off; replay: recordings only. */
  mode: RunMode;
  /** Repeats in this run: when > 1 each repeat gets its own cache namespace (independent samples). */
  repeats: number;
  recordings: RecordingStore;
  env: NodeJS.ProcessEnv;
  onResult: (result: CellResult) => void | Promise<void>;
  signal?: AbortSignal;
  /** Values to cut from every output and message (default: key-like variables of `env`). */
  secrets?: readonly string[];
  /** Retries of a transient provider error (429, 5xx, network) before the cell is an `error`. */
  maxRetries?: number;
  /** Folder for promptfoo's own state (its response cache and eval database); default `~/.promptfoo`. */
  stateDir?: string;
  /** Runs an agent cell (a model with `runtime: claude-code | opencode`) in its runtime: answer + trajectory. */
  runAgentCell?: AgentCellRunner;
  /** The run's spend cap (live and record modes): a cell it refuses is not called and leaves no result line. */
  budget?: CellBudget;
}

/** One batch's options: its cells' plans, made for it and dropped after it. */
type BatchOptions = RunCellsOptions & { plans: CellPlan[] };

/** Runs `opts.plans` and reports each finished cell through `opts.onResult`. */
export async function runCells(opts: RunCellsOptions): Promise<void> {
  // promptfoo keeps every row of an evaluation in memory until it returns: batches bound that, at the
  // cost of one partly filled round of requests at the end of each batch. Only a batch's cells are
  // planned at a time, so memory stays flat however many cells the run has.
  const size = Math.max(500, opts.concurrency * 50);
  for (let i = 0; i < opts.plans.length && !opts.signal?.aborted && !opts.budget?.stopped; i += size) {
    const plans = opts.plans.slice(i, i + size);
    await withBatchSignal(opts.signal, (signal) => runBatch({ ...opts, plans, ...(signal ? { signal } : {}) }));
    // After the last one too: the finish stage then builds the reports in the room the batches left. A
    // run of one batch has no earlier batch's garbage to make room from, and a full collection costs it
    // ≈ 50–100 ms between its last answer and its reports.
    if (opts.plans.length > size) collectBatchGarbage();
  }
}

/** One batch of cells and what they share: the engine, the provider wrappers, the work after answers. */
interface Batch {
  opts: BatchOptions;
  engine: Promptfoo;
  byCell: Map<string, CellPlan>;
  wrappers: Map<string, ProviderWrapper>;
  work: BackgroundWork;
  /** Runs one cell's call; its grading and result line follow in the background (live) or at once (replay). */
  runCell(cell: CellPlan, call: () => Promise<ProviderResponse>): Promise<ProviderResponse>;
  /** Reports a cell's result line, once; nothing after the batch closed or the run was stopped. */
  emit(cell: CellPlan, row: EngineRow): Promise<void>;
  closed: boolean;
}

async function runBatch(opts: BatchOptions): Promise<void> {
  if (opts.plans.length === 0) return;
  const engine = await loadEngine(opts.env, opts.stateDir);
  setEngineEnvironment(opts);
  const batch = await openBatch(engine, opts);
  try {
    if (opts.mode === 'replay') {
      // Replay calls no provider: nothing for promptfoo's evaluator to schedule, retry or cache, so each
      // recording goes straight to the same assertion engine (runAssertions) as a live answer.
      const replayOne = (cell: CellPlan) =>
        batch.runCell(cell, () => batch.wrappers.get(cell.model.label)!.callApi('', undefined, undefined, cell));
      await forEachLimit(opts.plans, opts.concurrency, replayOne, opts.signal);
    } else {
      await evaluateBatch(batch);
    }
    await batch.work.settle();
  } finally {
    batch.closed = true;
  }
}

/**
 * Engine settings promptfoo reads from the environment (this seam is the one place that knows them):
 * through the Node API its HTTP pool is sized from CLI state (4), not from maxConcurrency; a request
 * timeout of its own (default 5 min, retried) would otherwise outlive the cell's; 5xx is transient.
 * (`opts.env` is the process's own environment, handed down by the CLI: promptfoo reads it from there.)
 */
function setEngineEnvironment(opts: RunCellsOptions): void {
  opts.env.PROMPTFOO_FETCH_CONNECTIONS = String(opts.concurrency);
  opts.env.REQUEST_TIMEOUT_MS ??= String(opts.timeoutMs);
  opts.env.PROMPTFOO_RETRY_5XX ??= 'true';
}

async function openBatch(engine: Promptfoo, opts: BatchOptions): Promise<Batch> {
  const secrets = opts.secrets ?? secretValues(opts.env);
  const work = backgroundWork(opts.concurrency);
  // Recording writes under way, by the response they record: a cell's result line waits for its own.
  const recordingWrites = new WeakMap<object, Promise<void>>();
  const wrapperOptions = {
    ...opts,
    secrets,
    onRecording: (response: object, write: Promise<void>) => {
      recordingWrites.set(response, write);
      work.track(write);
    },
  };
  const graders: Array<{ label: string; provider: ProviderWrapper }> = [];
  for (const [i, g] of (opts.graders ?? []).entries())
    graders.push({ label: g.label, provider: await wrapProvider(engine, g, i === 0 ? 'grader' : `grader${i}`, wrapperOptions) });
  const wrappers = new Map<string, ProviderWrapper>();
  for (const plan of opts.plans) {
    if (!wrappers.has(plan.model.label))
      wrappers.set(plan.model.label, await wrapProvider(engine, plan.model, `m${wrappers.size}`, wrapperOptions));
  }
  const emitted = new Set<string>();
  // Cells the budget did not let start: promptfoo still hands each to the provider, which answers at once; no result line.
  const unstarted = new Set<string>();
  const batch: Batch = {
    opts,
    engine,
    byCell: new Map(opts.plans.map((p) => [p.cellId, p])),
    wrappers,
    work,
    closed: false,
    async emit(cell, row) {
      // After the run returned (a request promptfoo timed out and abandoned), or after Ctrl-C, a late
      // answer is not a result: the cell keeps its timeout error, or stays unfinished for --resume.
      if (batch.closed || emitted.has(cell.cellId) || unstarted.has(cell.cellId) || opts.signal?.aborted) return;
      emitted.add(cell.cellId);
      await opts.onResult(toCellResult(cell, row, opts.mode, secrets));
    },
    async runCell(cell, call) {
      if (opts.mode !== 'replay' && opts.budget && !(await opts.budget.admit(cell, opts.signal))) {
        unstarted.add(cell.cellId);
        return { error: 'not started: stopped: budget' };
      }
      const started = Date.now();
      // A provider that throws is an error cell, as promptfoo's evaluator makes it.
      const response = await call().catch(
        (err: unknown): ProviderResponse => ({ error: err instanceof Error ? err.message : String(err) }),
      );
      const latencyMs = Date.now() - started;
      if (opts.mode !== 'replay') opts.budget?.charge(cell, response, latencyMs);
      const finish = async () => {
        const row = await gradeAnswer(engine, cell, response, latencyMs, { graders, repeats: opts.repeats });
        // A result line never points at a recording that is not on disk yet.
        await recordingWrites.get(response);
        await batch.emit(cell, row);
      };
      if (opts.mode === 'replay') await finish();
      else {
        work.add(finish);
        await work.room();
      }
      return response;
    },
  };
  return batch;
}

/** Live and record modes: promptfoo's evaluator schedules, retries and caches the calls. */
async function evaluateBatch(batch: Batch): Promise<void> {
  const { opts, engine } = batch;
  const providers = new Map<string, unknown>();
  for (const [label, wrapper] of batch.wrappers) {
    providers.set(label, {
      id: () => wrapper.label,
      label: wrapper.label,
      callApi(rendered: string, context?: { vars?: Record<string, unknown> }, callOptions?: unknown) {
        const cell = batch.byCell.get(String(context?.vars?.__cell ?? ''))!;
        return batch.runCell(cell, () => wrapper.callApi(rendered, context, callOptions, cell));
      },
    });
  }
  const evalRecord = await engine.evaluate(
    { ...evaluateSuite(opts.plans, batch.wrappers), providers: [...providers.values()], writeLatestResults: false } as never,
    {
      maxConcurrency: opts.concurrency,
      timeoutMs: opts.timeoutMs,
      cache: opts.mode === 'live',
      showProgressBar: false,
      silent: true,
      abortSignal: opts.signal,
    } as never,
  );
  // Cells promptfoo ended itself (its per-cell timeout) never returned through the wrapper.
  const summary = (await evalRecord.toEvaluateSummary()) as { results: EngineRow[] };
  for (const row of summary.results) {
    const plan = batch.byCell.get(String(row.vars?.__cell ?? ''));
    if (plan && row.failureReason === 2) await batch.emit(plan, { ...row, error: row.error ?? 'provider error' });
  }
}

/** The prompts and tests of promptfoo's evaluation: one prompt per variant × temperature, one test per cell. */
function evaluateSuite(plans: CellPlan[], wrappers: Map<string, ProviderWrapper>) {
  const prompts = new Map<string, { label: string; variantId: string; temperature?: number }>();
  const promptOf = (plan: CellPlan) => {
    const key = `${plan.variantId}\u0000${plan.temperature ?? ''}`;
    if (!prompts.has(key)) prompts.set(key, { label: `p${prompts.size}`, variantId: plan.variantId, temperature: plan.temperature });
    return prompts.get(key)!.label;
  };
  const tests = plans.map((plan) => ({
    description: plan.cellId,
    // Only the cell id: the wrapper sends planned messages and scores with the plan's own vars, and
    // promptfoo renders every var through Nunjucks on each call.
    vars: { __cell: plan.cellId },
    prompts: [promptOf(plan)],
    providers: [wrappers.get(plan.model.label)!.label],
  }));
  return {
    prompts: [...prompts.values()].map((p) => ({
      raw: `agent-evals:${p.variantId}`,
      label: p.label,
      config: p.temperature === undefined ? {} : { temperature: p.temperature },
      // promptfoo renders prompt text with Nunjucks; agent prompts may contain `{{`. So the prompt is
      // only a placeholder and the provider wrapper sends the planned messages verbatim. A JSON literal
      // as placeholder takes renderPrompt's JSON path, which skips Nunjucks (its template compile cost
      // ≈ 1 ms of CPU per cell).
      function: async () => 'null',
    })),
    tests,
  };
}
