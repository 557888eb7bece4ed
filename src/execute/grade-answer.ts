import type { CellPlan } from '../plan/types.ts';
import { redactSecrets } from '../shared/secrets.ts';
import type { EngineRow } from './cell-result.ts';
import type { Promptfoo } from './engine.ts';
import { type ProviderResponse, type ProviderWrapper, trajectoryOf } from './provider-wrapper.ts';

export interface GradeOptions {
  grader?: ProviderWrapper;
  /** Repeats in the run: when > 1 the grader's calls are cached per repeat, as the answers are. */
  repeats: number;
  secrets: readonly string[];
}

/**
 * A cell's answer (or error) → the engine row its result line is built from: the answer scored with
 * promptfoo's assertion engine (runAssertions), the grader model standing by for rubric assertions.
 */
export async function gradeAnswer(
  engine: Promptfoo,
  cell: CellPlan,
  response: ProviderResponse,
  latencyMs: number,
  opts: GradeOptions,
): Promise<EngineRow> {
  if (response.error) return { response, latencyMs, failureReason: 2, error: String(response.error) };
  // Scored as written: the answer with secrets cut, as its recording holds it, so a replay of the
  // recording reaches the same verdict as the live run did.
  const scored = typeof response.output === 'string' ? { ...response, output: redactSecrets(response.output, opts.secrets) } : response;
  const grade = () =>
    engine.assertions.runAssertions({
      test: {
        vars: gradingVars(cell, response) as never,
        assert: cell.assertions as never,
        ...(opts.grader ? { options: { provider: opts.grader } } : {}),
      },
      providerResponse: scored as never,
      latencyMs,
    });
  try {
    // The grader call belongs to the cell's repeat too: repeat 2's verdict is never repeat 1's cached one.
    const grading = await (opts.repeats > 1 ? engine.cache.withCacheNamespace(`repeat:${cell.repeat}`, grade) : grade());
    return { response: scored, latencyMs, gradingResult: grading, ...(typeof response.cost === 'number' ? { cost: response.cost } : {}) };
  } catch (err) {
    return { failureReason: 2, error: `grading failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Assertions on what the agent did read its trajectory and its workspace's original files from the vars. */
function gradingVars(cell: CellPlan, response: ProviderResponse): Record<string, unknown> {
  if (!cell.agentRun) return cell.vars;
  const trajectory = trajectoryOf(response);
  return { ...cell.vars, ...(trajectory ? { __trajectory: trajectory } : {}), __workspace: cell.agentRun.workspaceFiles ?? {} };
}
