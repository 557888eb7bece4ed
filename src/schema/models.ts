import type { ModelSpec } from './eval-config.ts';

/**
 * A model spec of the eval config resolved to what every stage uses: promptfoo's `id` and `config`, the
 * label reports show, the runtime and its turn bound. Planning, calibration and the finish stage (which
 * resolves the grader again after the run) all resolve a spec this one way. Pure.
 */

/** A model after resolution: what promptfoo gets (`id`, `config`) and what reports show (`label`). */
export interface ResolvedModel {
  label: string;
  id: string;
  config: Record<string, unknown>;
  /** Where the agent runs: `chat` (a promptfoo provider call) or an agent program with tools. */
  runtime: RuntimeName;
  /** Agent runtimes: most model turns per cell. */
  maxTurns: number;
}

export type RuntimeName = 'chat' | 'claude-code' | 'opencode';
const DEFAULT_MAX_TURNS = 12;

/**
 * @example
 * resolveModel({ id: 'anthropic:claude-x', runtime: 'claude-code' }).label // 'claude-code:anthropic:claude-x'
 */
export function resolveModel(spec: ModelSpec): ResolvedModel {
  if (typeof spec === 'string') return { label: spec, id: spec, config: {}, runtime: 'chat', maxTurns: DEFAULT_MAX_TURNS };
  const runtime = spec.runtime ?? 'chat';
  // Cells of different runtimes are different columns: the default label says the runtime.
  const label = spec.label ?? (runtime === 'chat' ? spec.id : `${runtime}:${spec.id}`);
  return { label, id: spec.id, config: spec.config ?? {}, runtime, maxTurns: spec.maxTurns ?? DEFAULT_MAX_TURNS };
}
