/**
 * The engine seam: the ONLY module that imports promptfoo (an architecture test keeps it so).
 * Everything promptfoo-shaped goes in and out through plain types from `engine-types.ts`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineAssertion, EngineGrading } from '../shared/engine-types.ts';
import type { ResolvedModel } from '../plan/matrix.ts';
import type { CellPlan, RunMode } from '../plan/types.ts';
export type { CellPlan } from '../plan/types.ts';
import type { CellResult } from '../schema/result.ts';
import type { TrajectoryRecord } from '../schema/trajectory.ts';
import { samplingParams, type RecordingStore } from './recordings.ts';
import { redactSecrets, secretValues } from '../shared/secrets.ts';
import { cellRecordingKey } from '../plan/plan-cell.ts';
import { toCellResult, toEngineGrading, type EngineRow as Row } from './cell-result.ts';
import { forEachLimit } from './limit.ts';

type Promptfoo = typeof import('promptfoo').default;
let loaded: Promise<Promptfoo> | undefined;
let bundle: URL | undefined;

/**
 * Loads the engine from promptfoo bundled by scripts/build-engine.mjs (half the import time) instead
 * of the installed package, when the bundle at `url` was built from the promptfoo installed now.
 */
export function useEngineBundle(url: URL | undefined): void {
  bundle = url;
}

let loadedFrom = 'not loaded';

/** Where the engine came from, for --debug: the bundle, or the installed package and why. */
export function engineSource(): string {
  return loadedFrom;
}

/**
 * Whether the bundle in dist/engine/ may stand in for the installed promptfoo: only when it was built
 * from this very install (same version, same place: the bundle refers to files of the install by path).
 *
 * @example
 * engineChoice({ version: '0.121.20', entry: '/p/node_modules/promptfoo/dist/src/index.js' }, { promptfoo: '0.121.20', entry: '/p/node_modules/promptfoo/dist/src/index.js' }) // { bundle: true }
 */
export function engineChoice(
  installed: { version: string; entry: string },
  bundleMeta: { promptfoo?: string; entry?: string } | undefined,
  forced?: string,
): { bundle: true } | { bundle: false; why: string } {
  if (forced === 'promptfoo') return { bundle: false, why: 'AGENT_EVALS_ENGINE=promptfoo' };
  if (!bundleMeta) return { bundle: false, why: 'no bundle in dist/engine/: npm install builds it' };
  if (bundleMeta.promptfoo !== installed.version)
    return { bundle: false, why: `the bundle is of promptfoo ${bundleMeta.promptfoo}: npm install rebuilds it` };
  if (bundleMeta.entry !== installed.entry)
    return { bundle: false, why: `the bundle was built for promptfoo at ${bundleMeta.entry}: npm install rebuilds it` };
  return { bundle: true };
}

async function importEngine(env: NodeJS.ProcessEnv): Promise<Promptfoo> {
  const { version, entry } = await installedEngine();
  if (bundle) {
    const meta = await readFile(new URL('meta.json', bundle), 'utf8').then(
      (text) => {
        try {
          return JSON.parse(text) as { promptfoo?: string; entry?: string };
        } catch {
          return undefined; // damaged: as if there were no bundle
        }
      },
      () => undefined,
    );
    const choice = engineChoice({ version, entry }, meta, env.AGENT_EVALS_ENGINE);
    if (choice.bundle) {
      loadedFrom = `promptfoo ${version}, bundled (${fileURLToPath(bundle)})`;
      return ((await import(bundle.href)) as typeof import('promptfoo')).default;
    }
    loadedFrom = `promptfoo ${version} from node_modules (${choice.why})`;
  } else {
    loadedFrom = `promptfoo ${version} from node_modules`;
  }
  return (await import('promptfoo')).default;
}

/**
 * Imports promptfoo once (≈ 0.8 s bundled, 1.6 s from node_modules), after setting the environment it reads at import time:
 * no telemetry, no update check, and its state folders under the project unless the user chose.
 */
export function loadEngine(env: NodeJS.ProcessEnv = {}, stateDir?: string): Promise<Promptfoo> {
  env.PROMPTFOO_DISABLE_TELEMETRY ??= '1';
  env.PROMPTFOO_DISABLE_UPDATE ??= '1';
  // promptfoo's own database of evals goes under the project (git-ignored), not into the user's ~/.promptfoo.
  if (stateDir) env.PROMPTFOO_CONFIG_DIR ??= stateDir;
  // Under NODE_ENV=test (common in CI) promptfoo keeps its cache in memory only; a re-run would call
  // every model again. The cache is meant to persist across runs.
  env.PROMPTFOO_CACHE_TYPE ??= 'disk';
  loaded ??= importEngine(env);
  return loaded;
}

/** Starts importing promptfoo in the background (errors surface at the first real use). */
export function preloadEngine(env: NodeJS.ProcessEnv, stateDir?: string): void {
  loadEngine(env, stateDir).catch(() => undefined);
}

/**
 * Scores an answer with promptfoo's assertion engine and no provider call: the offline path used by
 * calibration (reference answers) and by replay.
 *
 * @example
 * const g = await scoreOffline({ output: 'Use JWT', assertions: [{ type: 'icontains', value: 'jwt', metric: 'jwt' }] });
 * g.pass // true
 */
export async function scoreOffline(input: {
  output: string;
  assertions: EngineAssertion[];
  vars?: Record<string, unknown>;
}): Promise<EngineGrading> {
  const engine = await loadEngine();
  const result = await engine.assertions.runAssertions({
    // Our assertion shape is promptfoo's, including function values for `javascript`.
    test: { vars: (input.vars ?? {}) as never, assert: input.assertions as never },
    providerResponse: { output: input.output },
  });
  return toEngineGrading(result);
}

// ---------------------------------------------------------------------------------------------
// Running cells
// ---------------------------------------------------------------------------------------------

export interface RunCellsOptions {
  plans: CellPlan[];
  grader?: ResolvedModel;
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
}

/** The seam's view of an agent runtime: one cell in, a provider response out (`metadata.trajectory` set). */
export type AgentCellRunner = (cell: CellPlan, signal?: AbortSignal) => Promise<Record<string, unknown>>;

type CallApi = (prompt: string, context?: unknown, options?: unknown, cell?: CellPlan) => Promise<Record<string, unknown>>;

/**
 * Runs planned cells through promptfoo's `evaluate` (its providers, retries, concurrency and cache)
 * and reports each finished cell through `onResult` as soon as it is done.
 *
 * Each cell is scored with promptfoo's assertion engine (runAssertions) as soon as its answer arrives,
 * off the request's path: the provider wrapper hands the answer back to promptfoo at once, so the next
 * request goes out, and grading, the recording and the results.jsonl line follow (bounded, in that
 * order). promptfoo's own per-row hooks are not used: they need its sqlite eval database, a write and
 * a file-signal per row, measured at ≈ 6 ms of CPU per cell.
 */
export async function runCells(opts: RunCellsOptions): Promise<void> {
  // promptfoo keeps every row of an evaluation in memory until it returns: batches bound that, at the
  // cost of one partly filled round of requests at the end of each batch.
  const batch = Math.max(500, opts.concurrency * 50);
  for (let i = 0; i < opts.plans.length && !opts.signal?.aborted; i += batch) {
    await runBatch({ ...opts, plans: opts.plans.slice(i, i + batch) });
  }
}

async function runBatch(opts: RunCellsOptions): Promise<void> {
  if (opts.plans.length === 0) return;
  const engine = await loadEngine(opts.env, opts.stateDir);
  // Engine settings promptfoo reads from the environment (the seam is the one place that knows them):
  // through the Node API its HTTP pool is sized from CLI state (4), not from maxConcurrency; a request
  // timeout of its own (default 5 min, retried) would otherwise outlive the cell's; 5xx is transient.
  // (`opts.env` is the process's own environment, handed down by the CLI: promptfoo reads it from there.)
  opts.env.PROMPTFOO_FETCH_CONNECTIONS = String(opts.concurrency);
  opts.env.REQUEST_TIMEOUT_MS ??= String(opts.timeoutMs);
  opts.env.PROMPTFOO_RETRY_5XX ??= 'true';
  const byCell = new Map(opts.plans.map((p) => [p.cellId, p]));
  const secrets = opts.secrets ?? secretValues(opts.env);

  const emitted = new Set<string>();
  let closed = false;
  const emit = async (plan: CellPlan, row: Row) => {
    // After the run returned (a request promptfoo timed out and abandoned), or after Ctrl-C, a late
    // answer is not a result: the cell keeps its timeout error, or stays unfinished for --resume.
    if (closed || emitted.has(plan.cellId) || opts.signal?.aborted) return;
    emitted.add(plan.cellId);
    await opts.onResult(toCellResult(plan, row, opts.mode, secrets));
  };

  // Work that follows an answer (writing its recording, grading it, writing its result line) runs off
  // the request's path, so the next request goes out at once; the batch waits for all of it at the end.
  const background = new Set<Promise<void>>();
  const waiting: Array<() => void> = [];
  let backgroundError: unknown;
  const inBackground = (work: Promise<unknown>) => {
    const done: Promise<void> = work.then(
      () => undefined,
      (err: unknown) => void (backgroundError ??= err),
    );
    background.add(done);
    void done.finally(() => {
      background.delete(done);
      waiting.shift()?.();
    });
  };
  // Recording writes under way, by the response they record: a cell's result line waits for its own.
  const recordingWrites = new WeakMap<object, Promise<void>>();
  const onRecording = (response: object, write: Promise<void>) => {
    recordingWrites.set(response, write);
    inBackground(write);
  };
  const settle = async () => {
    while (background.size > 0) await Promise.all(background);
    if (backgroundError) throw backgroundError;
  };

  const grader = opts.grader
    ? providerWrapper(engine, opts.grader, 'grader', opts, await loadReal(engine, opts.grader, opts), onRecording, secrets)
    : undefined;
  const wrappers = new Map<string, ReturnType<typeof providerWrapper>>();
  for (const plan of opts.plans) {
    if (!wrappers.has(plan.model.label))
      wrappers.set(
        plan.model.label,
        providerWrapper(engine, plan.model, `m${wrappers.size}`, opts, await loadReal(engine, plan.model, opts), onRecording, secrets),
      );
  }

  /** After a cell's answer: its grading, then (its recording written) its result line. */
  const finishCell = async (cell: CellPlan, response: Record<string, unknown>, latencyMs: number) => {
    let row: Row;
    if (response.error) {
      row = { response, latencyMs, failureReason: 2, error: String(response.error) };
    } else {
      // Scored as written: the answer with secrets cut, as its recording holds it, so a replay of the
      // recording reaches the same verdict as the live run did.
      const scored = typeof response.output === 'string' ? { ...response, output: redactSecrets(response.output, secrets) } : response;
      // Assertions on what the agent did read its trajectory and its workspace's original files from the vars.
      const trajectory = trajectoryOf(response);
      const vars = cell.agentRun
        ? { ...cell.vars, ...(trajectory ? { __trajectory: trajectory } : {}), __workspace: cell.agentRun.workspaceFiles ?? {} }
        : cell.vars;
      const grade = () =>
        engine.assertions.runAssertions({
          test: { vars, assert: cell.assertions as never, ...(grader ? { options: { provider: grader } } : {}) },
          providerResponse: scored as never,
          latencyMs,
        });
      try {
        // The grader call belongs to the cell's repeat too: repeat 2's verdict is never repeat 1's cached one.
        const grading = await (opts.repeats > 1 ? engine.cache.withCacheNamespace(`repeat:${cell.repeat}`, grade) : grade());
        row = {
          response: scored,
          latencyMs,
          gradingResult: grading,
          ...(typeof response.cost === 'number' ? { cost: response.cost } : {}),
        };
      } catch (err) {
        row = { failureReason: 2, error: `grading failed: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    // A result line never points at a recording that is not on disk yet.
    await recordingWrites.get(response);
    await emit(cell, row);
  };

  /** One cell: its answer (a call, or a recording); the rest follows in the background (live) or now (replay). */
  const runCell = async (cell: CellPlan, call: () => Promise<Record<string, unknown>>) => {
    const started = Date.now();
    // A provider that throws is an error cell, as promptfoo's evaluator makes it.
    const response = await call().catch(
      (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }) as Record<string, unknown>,
    );
    const finished = finishCell(cell, response, Date.now() - started);
    if (opts.mode === 'replay') await finished;
    else inBackground(finished);
    // Back-pressure: with answers arriving faster than they are graded, let grading catch up.
    while (background.size > opts.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    return response;
  };

  if (opts.mode === 'replay') {
    // Replay calls no provider: there is nothing for promptfoo's evaluator to schedule, retry or cache,
    // so each recording goes straight to the same assertion engine (runAssertions) as a live answer.
    try {
      const replayOne = (cell: CellPlan) => runCell(cell, () => wrappers.get(cell.model.label)!.callApi('', undefined, undefined, cell));
      await forEachLimit(opts.plans, opts.concurrency, replayOne, opts.signal);
      await settle();
    } finally {
      closed = true;
    }
    return;
  }

  const providers = new Map<string, { ref: string; provider: unknown }>();
  for (const [label, wrapper] of wrappers) {
    providers.set(label, {
      ref: wrapper.label,
      provider: {
        id: () => wrapper.label,
        label: wrapper.label,
        callApi(
          rendered: string,
          context?: { vars?: Record<string, unknown>; prompt?: { config?: Record<string, unknown> } },
          callOptions?: unknown,
        ) {
          const cell = byCell.get(String(context?.vars?.__cell ?? ''))!;
          return runCell(cell, () => wrapper.callApi(rendered, context, callOptions, cell));
        },
      },
    });
  }
  const prompts = new Map<string, { label: string; variantId: string; temperature?: number }>();
  for (const plan of opts.plans) {
    const key = `${plan.variantId}\u0000${plan.temperature ?? ''}`;
    if (!prompts.has(key)) prompts.set(key, { label: `p${prompts.size}`, variantId: plan.variantId, temperature: plan.temperature });
  }
  const promptLabel = (plan: CellPlan) => prompts.get(`${plan.variantId}\u0000${plan.temperature ?? ''}`)!.label;

  try {
    const evalRecord = await engine.evaluate(
      {
        prompts: [...prompts.values()].map((p) => ({
          raw: `agent-evals:${p.variantId}`,
          label: p.label,
          config: p.temperature === undefined ? {} : { temperature: p.temperature },
          // promptfoo renders prompt text with Nunjucks; agent prompts may contain `{{`. So the prompt is
          // only a placeholder and the provider wrapper sends the planned messages verbatim. A JSON
          // literal as placeholder takes renderPrompt's JSON path, which skips Nunjucks (its template
          // compile cost ≈ 1 ms of CPU per cell).
          function: async () => 'null',
        })),
        providers: [...providers.values()].map((p) => p.provider),
        tests: opts.plans.map((plan) => ({
          description: plan.cellId,
          // Only the cell id: the wrapper sends planned messages and scores with the plan's own vars, and
          // promptfoo renders every var through Nunjucks on each call.
          vars: { __cell: plan.cellId },
          prompts: [promptLabel(plan)],
          providers: [providers.get(plan.model.label)!.ref],
        })),
        writeLatestResults: false,
      } as never,
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
    const summary = (await evalRecord.toEvaluateSummary()) as { results: Row[] };
    for (const row of summary.results) {
      const plan = byCell.get(String(row.vars?.__cell ?? ''));
      if (plan && row.failureReason === 2) await emit(plan, { ...row, error: row.error ?? 'provider error' });
    }
    await settle();
  } finally {
    closed = true;
  }
}

/** The trajectory an agent runtime (or its recording) put on a response, if any. */
function trajectoryOf(response: Record<string, unknown>): TrajectoryRecord | undefined {
  return (response.metadata as { trajectory?: TrajectoryRecord } | undefined)?.trajectory;
}

const BROKEN_BODY =
  /Error reading response body|Error parsing response|Cannot read properties of undefined \(reading 'message'\)|ECONNRESET|socket hang up|other side closed/;

function isBrokenBody(error: unknown): boolean {
  return typeof error === 'string' && BROKEN_BODY.test(error) && !/Request failed after \d+ retries/.test(error);
}

async function loadReal(engine: Promptfoo, model: ResolvedModel, opts: RunCellsOptions): Promise<CallApi | undefined> {
  if (opts.mode === 'replay') return undefined;
  if (model.runtime !== 'chat') {
    const run = opts.runAgentCell;
    if (!run) throw new Error(`no agent runtime given for ${model.label} (runtime ${model.runtime})`);
    return (_prompt, _context, _options, cell) => run(cell!, opts.signal);
  }
  const config = { maxRetries: opts.maxRetries, ...model.config };
  const real = (await engine.loadApiProvider(model.id, { options: { config } as never })) as unknown as { callApi: CallApi };
  return real.callApi.bind(real);
}

/**
 * A promptfoo provider around the real one: sends a cell's planned messages verbatim, keeps repeats
 * apart in the cache, records live answers and answers from recordings in replay mode.
 */
function providerWrapper(
  engine: Promptfoo,
  model: ResolvedModel,
  ref: string,
  opts: RunCellsOptions,
  real: CallApi | undefined,
  onRecording: (response: object, write: Promise<void>) => void,
  secrets: readonly string[],
) {
  const params = samplingParams(model.config);
  const callApi = async (
    rendered: string,
    context?: { prompt?: { config?: Record<string, unknown> } },
    callOptions?: unknown,
    cell?: CellPlan,
  ) => {
    // Agent cells: the planned messages, verbatim. Grader calls: promptfoo's own grading prompt.
    const prompt = cell ? JSON.stringify(cell.messages) : rendered;
    const repeat = cell?.repeat ?? 0;
    const key = cell
      ? cellRecordingKey(cell)
      : { provider: model.id, prompt, params: { ...params, ...(context?.prompt?.config ?? {}) }, repeat };
    if (!real) {
      const rec = await opts.recordings.get(key);
      if (!rec) return { error: `not-recorded: no recording for ${model.id} (prompt or parameters changed since it was recorded)` };
      return {
        output: rec.response.output,
        tokenUsage: rec.response.tokenUsage,
        cost: rec.response.cost,
        cached: false,
        metadata: { replayed: true, trajectory: rec.response.trajectory },
      };
    }
    const once = () => real(prompt, context, callOptions, cell);
    const call = opts.repeats > 1 ? () => engine.cache.withCacheNamespace(`repeat:${repeat}`, once) : once;
    const started = Date.now();
    let response = await call();
    // promptfoo retries 429, 5xx and timeouts itself, but not a broken body on a 200 (connection reset
    // mid-body, truncated JSON, no choices): transient too, so those get the same retry budget here.
    for (let attempt = 0; attempt < (opts.maxRetries ?? 3) && isBrokenBody(response.error); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 2000)));
      response = await call();
    }
    if (!response.error && typeof response.output === 'string') {
      // An answer from promptfoo's cache took no model time and its usage says only `cached`: the
      // recording keeps what the model call measured, or nothing (never a latency of the cache, or 0/0).
      const usage = response.tokenUsage as { prompt?: number; completion?: number; total?: number } | undefined;
      const measured = response.cached !== true;
      const write = opts.recordings.put(key, {
        output: redactSecrets(response.output, secrets),
        ...(measured && typeof usage?.prompt === 'number' && typeof usage.completion === 'number'
          ? { tokenUsage: { prompt: usage.prompt, completion: usage.completion, total: usage.total ?? usage.prompt + usage.completion } }
          : {}),
        ...(typeof response.cost === 'number' ? { cost: response.cost } : {}),
        ...(measured ? { latencyMs: Date.now() - started } : {}),
        trajectory: trajectoryOf(response),
      });
      onRecording(
        response,
        write.then(() => undefined),
      );
    }
    return response;
  };
  return { id: () => ref, label: ref, callApi };
}

let installed: Promise<{ version: string; entry: string }> | undefined;

/** The installed promptfoo: its entry file and version (its package.json, found from where `promptfoo` resolves). Read once. */
function installedEngine(): Promise<{ version: string; entry: string }> {
  installed ??= (async () => {
    const entry = fileURLToPath(import.meta.resolve('promptfoo'));
    let dir = path.dirname(entry);
    for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
      const pkg = await readFile(path.join(dir, 'package.json'), 'utf8').then(
        (t) => JSON.parse(t) as { name?: string; version?: string },
        () => undefined,
      );
      if (pkg?.name === 'promptfoo' && pkg.version) return { version: pkg.version, entry };
    }
    return { version: 'unknown', entry };
  })();
  return installed;
}

/** promptfoo's version, for meta.json. */
export async function engineVersion(): Promise<string> {
  return (await installedEngine()).version;
}
