import { toEngineAssertion, type NormalizedAssertion } from '../assertions/registry.ts';
import type { ResolvedModel } from '../schema/models.ts';
import { loadEngine } from './engine.ts';

/** One grade, or the grader's failure to give one (an error is never a verdict on the answer). */
type RubricSample = { pass: boolean; score: number; reason: string; tokens?: number } | { error: string };

/** Grades one rubric assertion on one answer; `sample` tells repeated grades apart (k independent samples). */
export type RubricGrader = (input: {
  assertion: NormalizedAssertion;
  answer: string;
  vars: Record<string, unknown>;
  sample: number;
}) => Promise<RubricSample>;

interface Component {
  pass?: boolean;
  score?: number;
  reason?: string;
  metadata?: { graderError?: boolean };
  tokensUsed?: { total?: number };
}

/**
 * The eval's grader as a function: promptfoo's llm-rubric (the harness's grading prompt, promptfoo's
 * provider for `grader`, its retries and cache) on a reference answer, with no agent call. Each `sample`
 * has its own cache namespace, so the k grades of one answer are k grader calls, as in an eval with k
 * repeats.
 *
 * @example
 * const grade = await rubricGrader({ id: 'openai:chat:gpt-4.1', config: {} } as ResolvedModel, { env: ctx.env });
 * await grade({ assertion, answer: 'Use bcrypt.', vars: {}, sample: 0 }) // { pass: true, score: 1, reason: '…' }
 */
export async function rubricGrader(
  grader: ResolvedModel,
  opts: { env: NodeJS.ProcessEnv; stateDir?: string; maxRetries?: number; concurrency?: number; timeoutMs?: number },
): Promise<RubricGrader> {
  const engine = await loadEngine(opts.env, opts.stateDir);
  // As for an eval's cells (run-cells.ts): promptfoo sizes its HTTP pool from this variable (4 through
  // its Node API), and its own per-request timeout (5 min, retried) must not outlive the eval's.
  if (opts.concurrency) opts.env.PROMPTFOO_FETCH_CONNECTIONS ??= String(opts.concurrency);
  if (opts.timeoutMs) opts.env.REQUEST_TIMEOUT_MS ??= String(opts.timeoutMs);
  const provider = await engine.loadApiProvider(grader.id, {
    options: { config: { ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}), ...grader.config } } as never,
  });
  return async ({ assertion, answer, vars, sample }) => {
    const grade = () =>
      engine.assertions.runAssertions({
        test: { vars: vars as never, assert: [toEngineAssertion(assertion)] as never, options: { provider } },
        providerResponse: { output: answer },
      });
    try {
      const result = await engine.cache.withCacheNamespace(`calibrate:${sample}`, grade);
      const c = (result.componentResults?.[0] ?? result) as Component;
      if (c.metadata?.graderError) return { error: c.reason ?? 'the grader failed' };
      const tokens = c.tokensUsed?.total;
      return {
        pass: c.pass === true,
        score: typeof c.score === 'number' ? c.score : Number(c.pass === true),
        reason: c.reason ?? '',
        ...(typeof tokens === 'number' && tokens > 0 ? { tokens } : {}),
      };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  };
}
