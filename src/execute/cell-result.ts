/**
 * A finished promptfoo row (answer + grading, or an error) → one line of results.jsonl. Pure.
 */
import { judgeOutcomes } from '../assertions/registry.ts';
import { type AssertionOutcome, type CellResult, LIMIT_ASSERTION } from '../schema/result.ts';
import type { TrajectoryRecord } from '../schema/trajectory.ts';
import type { EngineComponentResult, EngineGrading } from '../shared/engine-types.ts';
import { cellIdentity } from '../plan/plan-cell.ts';
import type { CellPlan, RunMode } from '../plan/cell-plan.ts';
import { redactDeep, redactSecrets, redactUrlCredentials } from '../shared/secrets.ts';

/** promptfoo's GradingResult → our plain shape. */
export function toEngineGrading(result: {
  pass: boolean;
  score: number;
  componentResults?: Array<{
    pass: boolean;
    score: number;
    reason?: string;
    assertion?: { type: string; metric?: string } | null;
    metadata?: Record<string, unknown>;
  }>;
}): EngineGrading {
  return {
    pass: result.pass,
    score: result.score,
    components: (result.componentResults ?? []).map((c) => ({
      metric: c.assertion?.metric,
      type: c.assertion?.type ?? 'unknown',
      pass: c.pass,
      score: c.score,
      reason: c.reason,
      ...(c.metadata?.graderError === true ? { graderError: true } : {}),
      ...(Array.isArray(c.metadata?.votes) ? { votes: c.metadata.votes as EngineComponentResult['votes'] } : {}),
    })),
  };
}

/** What the engine hands back for one cell: promptfoo's row fields that matter here. */
export type EngineRow = {
  vars?: Record<string, unknown>;
  error?: string | null;
  failureReason?: number;
  latencyMs?: number;
  cost?: number;
  response?: {
    output?: unknown;
    cached?: boolean;
    tokenUsage?: { prompt?: number; completion?: number; total?: number };
    error?: string;
    cost?: number;
    /** Agent cells: what the agent did, and the bound of the cell it reached, if it reached one. */
    metadata?: { trajectory?: TrajectoryRecord; limit?: string; routing?: { runtimeVersion?: string } };
  } | null;
  gradingResult?: Parameters<typeof toEngineGrading>[0] | null;
};

/**
 * Builds the result line; answers, reasons and causes are cut of secrets. An error's cause also loses
 * the credentials of any URL it names; an answer keeps its URLs (an agent's example
 * `postgres://user:password@db` is content), cut of known secrets only.
 */
export function toCellResult(plan: CellPlan, row: EngineRow, mode: RunMode, secrets: readonly string[]): CellResult {
  const base = { ...cellIdentity(plan), finishedAt: new Date().toISOString() };
  const latency = typeof row.latencyMs === 'number' ? { latencyMs: row.latencyMs } : {};
  // What the agent did is kept for errors too (a cell whose runtime crashed still shows the calls before it).
  const recorded = row.response?.metadata?.trajectory;
  const trajectory = recorded ? { trajectory: redactDeep(recorded, secrets) } : {};
  const errorText =
    row.response?.error ?? (row.failureReason === 2 ? (row.error ?? 'provider error') : undefined) ?? noAnswer(row.response);
  if (errorText) {
    const cause = errorText.split('\n')[0]!.slice(0, 500);
    return {
      ...base,
      status: errorText.startsWith('not-recorded:') ? 'not-recorded' : 'error',
      assertions: [],
      score: 0,
      error: redactSecrets(redactUrlCredentials(cause), secrets),
      ...latency,
      ...trajectory,
      ...(plan.routing ? { routing: { suite: plan.routing.suite, expected: plan.routing.expected } } : {}),
    };
  }
  const output = typeof row.response?.output === 'string' ? row.response.output : JSON.stringify(row.response?.output ?? '');
  const tokens = tokensOf(row.response?.tokenUsage);
  const limit = row.response?.metadata?.limit;
  const judged = limit ? limited(verdict(plan, row, secrets), limit, secrets) : verdict(plan, row, secrets);
  return {
    ...base,
    status: judged.status,
    ...(judged.error ? { error: judged.error } : {}),
    output: redactSecrets(output, secrets),
    assertions: judged.assertions,
    score: judged.score,
    ...latency,
    ...(tokens ? { tokens } : {}),
    ...(typeof row.cost === 'number' ? { cost: row.cost } : {}),
    ...trajectory,
    ...routingOf(plan, output, row.response?.metadata, secrets),
    source: mode === 'replay' ? 'replay' : row.response?.cached ? 'cache' : 'live',
  };
}

/** A routing cell's decision (its answer's first line) and detail, beside the expected one. */
function routingOf(
  plan: CellPlan,
  output: string,
  metadata: { routing?: { runtimeVersion?: string } } | undefined,
  secrets: readonly string[],
) {
  if (!plan.routing) return {};
  const nl = output.indexOf('\n');
  const chosen = (nl < 0 ? output : output.slice(0, nl)).trim();
  const detail = nl < 0 ? '' : output.slice(nl).trim();
  const version = metadata?.routing?.runtimeVersion;
  return {
    routing: {
      suite: plan.routing.suite,
      expected: plan.routing.expected,
      chosen: redactSecrets(chosen, secrets).slice(0, 200),
      detail: redactSecrets(detail, secrets).slice(0, 4000),
      ...(version ? { runtimeVersion: version } : {}),
    },
  };
}

/**
 * A response that holds no answer and no error (promptfoo's OpenAI provider gives `output: undefined` for
 * `"content": null` without a tool call) could not be measured: an error, never an empty answer that failed.
 */
function noAnswer(response: EngineRow['response']): string | undefined {
  if (!response || (response.output !== undefined && response.output !== null)) return undefined;
  return 'no answer: the model returned no content (content: null) and no error';
}

function tokensOf(usage: { prompt?: number; completion?: number; total?: number } | undefined) {
  if (!usage) return undefined;
  const prompt = usage.prompt ?? 0;
  const completion = usage.completion ?? 0;
  return { prompt, completion, total: usage.total ?? prompt + completion };
}

/**
 * An agent that reached a bound of its cell failed, whatever its assertions say: the `limit` outcome comes
 * first (so the reports' first failing reason is the limit), the others stay as graded, the score is 0.
 */
function limited(judged: ReturnType<typeof verdict>, limit: string, secrets: readonly string[]): ReturnType<typeof verdict> {
  const outcome: AssertionOutcome = {
    id: LIMIT_ASSERTION,
    kind: LIMIT_ASSERTION,
    pass: false,
    score: 0,
    weight: 1,
    critical: true,
    reason: redactSecrets(limit.replace(/^limit:\s*/, ''), secrets).slice(0, 1000),
  };
  return { status: 'fail', assertions: [outcome, ...judged.assertions], score: 0 };
}

/** The graded answer's status, score and assertion outcomes. */
function verdict(
  plan: CellPlan,
  row: EngineRow,
  secrets: readonly string[],
): Pick<CellResult, 'status' | 'assertions' | 'score' | 'error'> {
  const grading = row.gradingResult ? toEngineGrading(row.gradingResult) : { pass: false, score: 0, components: [] };
  const assertions = grading.components.map((c) => {
    const info = plan.assertionInfo[c.metric ?? ''];
    return {
      id: c.metric ?? c.type,
      kind: info?.kind ?? c.type,
      pass: c.pass,
      score: Math.min(1, Math.max(0, c.score)),
      weight: info?.weight ?? 1,
      critical: info?.critical ?? false,
      ...(c.reason ? { reason: redactSecrets(c.reason, secrets).slice(0, 1000) } : {}),
      ...(c.graderError === true ? { gradingError: true } : {}),
      ...(c.votes ? { votes: c.votes.map((v) => (v.reason ? { ...v, reason: redactSecrets(v.reason, secrets).slice(0, 500) } : v)) } : {}),
    };
  });
  // A grader that failed judged nothing: if the answer fails on what was judged, it failed; otherwise
  // the cell could not be measured and is an error (grading), never the agent's failure.
  const { pass, score } = judgeOutcomes(
    plan,
    assertions.map((a) => (a.gradingError ? { ...a, pass: true, score: 1 } : a)),
  );
  const gradingErrors = assertions.filter((a) => a.gradingError);
  if (!pass) return { status: 'fail', assertions, score };
  if (gradingErrors.length === 0) return { status: 'pass', assertions, score };
  const why = gradingErrors[0]!.reason ?? 'no reason given';
  return {
    status: 'error',
    error: `grading error: the grader failed on ${gradingErrors.map((a) => a.id).join(', ')}: ${why}`,
    assertions,
    score,
  };
}
