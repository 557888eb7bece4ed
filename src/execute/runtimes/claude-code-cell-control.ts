/**
 * How a Claude Code cell stops and ends: the wall-time clock and the stop a limit or the harness asks for
 * (killing the cell's jail at once: Claude Code keeps calling the model for ≈ 2 s after an abort), the stream
 * read until the result or a limit, and the cell's end as a limit (a scored failure) or an error.
 *
 * @example
 * const control = cellControl(input);
 * await consume(stream, recorder, input.limits.maxRequests, control, undefined, seen);
 * cellEnd(control, crash, recorder.result, input.limits.maxTurns, proxy.requests); // { limit: 'request limit (2 model requests) reached' }
 */
import type { Jailed } from '../sandbox/jail.ts';
import type { RuntimeCellInput, RuntimeCellOutput } from '../../shared/agent-runtime.ts';
import { ROUTED, type RoutingWatch } from './claude-code-routing.ts';
import type { StreamMessage, TrajectoryRecorder } from './claude-code-trajectory.ts';

/** What stops a cell (a limit, the harness's signal) and the Claude Code process it must kill when it does. */
export interface CellControl {
  readonly stopReason: string | undefined;
  /** A stop for a bound the agent reached (`limit`: a scored failure) or for anything else (`error`). */
  readonly stopKind: 'limit' | 'error';
  readonly abortController: AbortController;
  jailed: Jailed | undefined;
  stop(reason: string, kind?: 'limit' | 'error'): void;
  dispose(): void;
}

export function cellControl(input: RuntimeCellInput): CellControl {
  const abort = new AbortController();
  let stopReason: string | undefined;
  let stopKind: 'limit' | 'error' = 'limit';
  const control: CellControl = {
    get stopReason() {
      return stopReason;
    },
    get stopKind() {
      return stopKind;
    },
    abortController: abort,
    jailed: undefined,
    // Aborting or close() leaves Claude Code a ~2 s grace period in which it keeps calling the model
    // (measured: 10 more requests); a limit must stop it now, with the shell commands it started.
    stop(reason, kind = 'limit') {
      if (stopReason === undefined) [stopReason, stopKind] = [reason, kind];
      control.jailed?.kill();
      abort.abort();
    },
    dispose() {
      clearTimeout(timer);
      input.signal?.removeEventListener('abort', onCancel);
    },
  };
  const timer = setTimeout(() => control.stop(`wall time limit (${input.limits.wallTimeMs} ms) reached`), input.limits.wallTimeMs);
  const onCancel = () => control.stop('cancelled', 'error');
  if (input.signal?.aborted) onCancel();
  input.signal?.addEventListener('abort', onCancel, { once: true });
  return control;
}

/**
 * Reads the stream into the recorder until the result, or until a limit stops the cell; in a routing case,
 * until the main agent's first delegation. `seen.version` gets Claude Code's version from its init message.
 */
export async function consume(
  stream: AsyncIterable<StreamMessage>,
  recorder: TrajectoryRecorder,
  maxRequests: number,
  control: CellControl,
  routing: RoutingWatch | undefined,
  seen: { version?: string },
) {
  for await (const message of stream) {
    recorder.onMessage(message);
    if (message.type === 'system' && message.subtype === 'init' && typeof message.claude_code_version === 'string')
      seen.version = message.claude_code_version;
    if (routing && message.type === 'assistant' && !message.parent_tool_use_id && Array.isArray(message.message?.content)) {
      for (const block of message.message.content)
        if (block.type === 'tool_use' && routing.onToolUse(String(block.name), (block.input ?? {}) as Record<string, unknown>))
          control.stop(ROUTED);
      if (control.stopReason) break;
    }
    if (message.type === 'assistant') {
      const asksTools = Array.isArray(message.message?.content) && message.message.content.some((b) => b.type === 'tool_use');
      // One more request would follow a tool call: stop before it would pass the limit.
      if (recorder.requests > maxRequests || (recorder.requests === maxRequests && asksTools)) {
        // Requests the model server failed and Claude Code retried are the provider's fault, not the agent's.
        if (recorder.retries > 0)
          control.stop(
            `request limit (${maxRequests} model requests, ${recorder.retries} of them retries of failed requests) reached`,
            'error',
          );
        else control.stop(`request limit (${maxRequests} model requests) reached`);
      }
    }
    if (control.stopReason || message.type === 'result') break;
  }
}

export function cellEnd(
  control: CellControl,
  crash: string | undefined,
  result: StreamMessage | undefined,
  maxTurns: number,
  requests: number,
) {
  const sandboxLimit = control.jailed?.limitError();
  if (sandboxLimit) return { error: sandboxLimit };
  // A bound reached before the program asked the model anything measures its start-up, not the agent: an
  // error (not scored), as on OpenCode ("made no model request").
  if (control.stopReason && control.stopKind === 'limit' && requests === 0)
    return { error: `Claude Code made no model request before it was stopped: ${control.stopReason}` };
  if (control.stopReason) return control.stopKind === 'limit' ? { limit: control.stopReason } : { error: control.stopReason };
  if (crash) return { error: crash };
  if (result?.subtype === 'error_max_turns') return { limit: `maxTurns (${maxTurns}) reached` };
  const error = resultError(result);
  return error ? { error } : {};
}

function resultError(result: StreamMessage | undefined): string | undefined {
  if (!result) return 'Claude Code ended without a result';
  if (result.subtype === 'success')
    return result.is_error === true ? `Claude Code reported an error: ${String(result.result ?? '')}`.slice(0, 500) : undefined;
  const errors = Array.isArray(result.errors) ? result.errors.join('; ') : '';
  return `${String(result.subtype)}${errors ? `: ${errors}` : ''}`.slice(0, 500);
}

export function tokensOf(result: StreamMessage | undefined): RuntimeCellOutput['tokens'] {
  const models = result?.modelUsage as Record<string, Record<string, number>> | undefined;
  if (!models || Object.keys(models).length === 0) return undefined;
  let prompt = 0;
  let completion = 0;
  for (const m of Object.values(models)) {
    prompt += (m.inputTokens ?? 0) + (m.cacheReadInputTokens ?? 0) + (m.cacheCreationInputTokens ?? 0);
    completion += m.outputTokens ?? 0;
  }
  return { prompt, completion, total: prompt + completion };
}
