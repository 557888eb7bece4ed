/**
 * The provider promptfoo calls for each cell: around the real provider (or agent runtime) it sends the
 * cell's planned messages verbatim, keeps repeats apart in the cache, retries a broken response body,
 * records live answers, and in replay mode answers from the recordings instead.
 */
import { ProviderUnavailableError } from '../errors.ts';
import type { ResolvedModel } from '../schema/models.ts';
import { cellRecordingKey } from '../plan/plan-cell.ts';
import type { CellPlan, RunMode } from '../plan/cell-plan.ts';
import type { TrajectoryRecord } from '../schema/trajectory.ts';
import { redactSecrets } from '../shared/secrets.ts';
import { providerErrorLine } from './credentials.ts';
import type { Promptfoo } from './engine.ts';
import { modelEntry, type RecordingKey, samplingParams } from '../plan/recording-key.ts';
import type { RecordingStore } from './recordings.ts';

export type ProviderResponse = Record<string, unknown>;
type CallApi = (prompt: string, context?: unknown, options?: unknown, cell?: CellPlan) => Promise<ProviderResponse>;
/** The seam's view of an agent runtime: one cell in, a provider response out (`metadata.trajectory` set). */
export type AgentCellRunner = (cell: CellPlan, signal?: AbortSignal) => Promise<ProviderResponse>;

export interface ProviderWrapper {
  id: () => string;
  label: string;
  callApi: CallApi;
}

interface WrapperOptions {
  mode: RunMode;
  repeats: number;
  recordings: RecordingStore;
  secrets: readonly string[];
  maxRetries?: number;
  signal?: AbortSignal;
  runAgentCell?: AgentCellRunner;
  /** Told of each recording write as it starts, with the response it records. */
  onRecording: (response: object, write: Promise<void>) => void;
}

/** The wrapper for `model`, named `ref` in promptfoo's evaluation. */
export async function wrapProvider(engine: Promptfoo, model: ResolvedModel, ref: string, opts: WrapperOptions): Promise<ProviderWrapper> {
  const real = await loadReal(engine, model, opts);
  const params = samplingParams(model.config);
  // A grader's calls are keyed by its whole entry too: a panel of one id on two servers votes apart on replay.
  const entry = modelEntry(model);
  const callApi: CallApi = async (rendered, context, callOptions, cell) => {
    // Planned cells: their messages, verbatim. Grader calls: promptfoo's own grading prompt.
    const prompt = cell ? JSON.stringify(cell.messages) : rendered;
    const repeat = cell?.repeat ?? 0;
    const promptConfig = (context as { prompt?: { config?: Record<string, unknown> } } | undefined)?.prompt?.config;
    const key = cell
      ? cellRecordingKey(cell)
      : { provider: model.id, model: entry, prompt, params: { ...params, ...promptConfig }, repeat };
    if (!real) return answerFromRecording(opts.recordings, key, model.id);
    const once = () => real(prompt, context, callOptions, cell);
    const call = opts.repeats > 1 ? () => engine.cache.withCacheNamespace(`repeat:${repeat}`, once) : once;
    const response = await withBodyRetries(call, opts.maxRetries ?? 3);
    if (!response.error && typeof response.output === 'string') {
      const write = opts.recordings.put(key, recorded(response, response.output, opts.secrets));
      opts.onRecording(
        response,
        write.then(() => undefined),
      );
    }
    return response;
  };
  return { id: () => ref, label: ref, callApi };
}

/** The trajectory an agent runtime (or its recording) put on a response, if any. */
export function trajectoryOf(response: ProviderResponse): TrajectoryRecord | undefined {
  return (response.metadata as { trajectory?: TrajectoryRecord } | undefined)?.trajectory;
}

/** The bound of the cell an agent reached (maxTurns, requests, wall time), as its runtime or recording said. */
function limitOf(response: ProviderResponse): string | undefined {
  return (response.metadata as { limit?: string } | undefined)?.limit;
}

async function loadReal(engine: Promptfoo, model: ResolvedModel, opts: WrapperOptions): Promise<CallApi | undefined> {
  if (opts.mode === 'replay') return undefined;
  if (model.runtime !== 'chat') {
    const run = opts.runAgentCell;
    if (!run) throw new Error(`no agent runtime given for ${model.label} (runtime ${model.runtime})`);
    return (_prompt, _context, _options, cell) => run(cell!, opts.signal);
  }
  const config = { maxRetries: opts.maxRetries, ...model.config };
  // A provider promptfoo refuses to build from this entry (a config field or account it needs) is the user's input
  // to fix, said in one line before any cell runs, never an internal error with a stack.
  const real = (await engine.loadApiProvider(model.id, { options: { config } as never }).catch((err: unknown) => {
    throw new ProviderUnavailableError(
      `model ${model.label} (${model.id}): promptfoo cannot build this provider: ${providerErrorLine(err)}`,
    );
  })) as unknown as { callApi: CallApi };
  return real.callApi.bind(real);
}

async function answerFromRecording(recordings: RecordingStore, key: RecordingKey, modelId: string): Promise<ProviderResponse> {
  const rec = await recordings.get(key);
  if (!rec)
    return { error: `not-recorded: no recording for ${modelId} (its prompt, parameters or model entry changed since it was recorded)` };
  return {
    output: rec.response.output,
    tokenUsage: rec.response.tokenUsage,
    cost: rec.response.cost,
    cached: false,
    metadata: { replayed: true, trajectory: rec.response.trajectory, ...(rec.response.limit ? { limit: rec.response.limit } : {}) },
  };
}

const BROKEN_BODY =
  /Error reading response body|Error parsing response|Cannot read properties of undefined \(reading 'message'\)|ECONNRESET|socket hang up|other side closed/;

function isBrokenBody(error: unknown): boolean {
  return typeof error === 'string' && BROKEN_BODY.test(error) && !/Request failed after \d+ retries/.test(error);
}

/**
 * promptfoo retries 429, 5xx and timeouts itself, but not a broken body on a 200 (connection reset
 * mid-body, truncated JSON, no choices): transient too, so those get the same retry budget here.
 */
async function withBodyRetries(call: () => Promise<ProviderResponse>, retries: number): Promise<ProviderResponse> {
  let response = await call();
  for (let attempt = 0; attempt < retries && isBrokenBody(response.error); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 2000)));
    response = await call();
  }
  return response;
}

/**
 * What a recording keeps of a live answer: the answer, what the model call measured of it (an answer
 * from promptfoo's cache says only `cached`: never 0/0 tokens), and for an agent what it did and the
 * limit it reached. Not how long it took: the same answer is the same recording.
 */
function recorded(response: ProviderResponse, output: string, secrets: readonly string[]) {
  const usage = response.tokenUsage as { prompt?: number; completion?: number; total?: number } | undefined;
  const measured = response.cached !== true;
  const limit = limitOf(response);
  return {
    output: redactSecrets(output, secrets),
    ...(measured && typeof usage?.prompt === 'number' && typeof usage.completion === 'number'
      ? { tokenUsage: { prompt: usage.prompt, completion: usage.completion, total: usage.total ?? usage.prompt + usage.completion } }
      : {}),
    ...(typeof response.cost === 'number' ? { cost: response.cost } : {}),
    trajectory: trajectoryOf(response),
    ...(limit ? { limit } : {}),
  };
}
