import { needsGrader } from '../assertions/registry.ts';
import type { CellPlan } from '../plan/cell-plan.ts';
import type { EngineRow } from './cell-result.ts';
import type { Promptfoo } from './engine.ts';
import { decidePanel, type PanelGrading } from './grader-panel.ts';
import { type ProviderResponse, type ProviderWrapper, trajectoryOf } from './provider-wrapper.ts';

interface GradeOptions {
  /** The grader, or a panel of graders: each grades the model-graded assertions, their majority decides. */
  graders: ReadonlyArray<{ label: string; provider: ProviderWrapper }>;
  /** Repeats in the run: when > 1 the grader's calls are cached per repeat, as the answers are. */
  repeats: number;
}

/**
 * A cell's answer (or error) → the engine row its result line is built from: the answer scored with
 * promptfoo's assertion engine (runAssertions), the grader model standing by for rubric assertions.
 * With a panel, the first grader grades with every other assertion, each other grader the rubric
 * assertions alone, and `decidePanel` takes their majority.
 */
export async function gradeAnswer(
  engine: Promptfoo,
  cell: CellPlan,
  response: ProviderResponse,
  latencyMs: number,
  opts: GradeOptions,
): Promise<EngineRow> {
  if (response.error) return { response, latencyMs, failureReason: 2, error: String(response.error) };
  // No answer at all (`content: null`): nothing to grade; the cell result makes it an error naming why.
  if (response.output == null) return { response, latencyMs };
  // Scored as the model gave it: secrets are cut from what is written (the result line, the recording),
  // never from what is judged (an answer's "passwords" is not "[redacted]s" to `mentions: password`).
  const vars = gradingVars(cell, response);
  const grade = (assert: CellPlan['assertions'], grader?: ProviderWrapper) => () =>
    engine.assertions.runAssertions({
      test: { vars: vars as never, assert: assert as never, ...(grader ? { options: { provider: grader } } : {}) },
      providerResponse: response as never,
      latencyMs,
    }) as Promise<PanelGrading>;
  // The grader call belongs to the cell's repeat too: repeat 2's verdict is never repeat 1's cached one.
  const inRepeat = (run: () => Promise<PanelGrading>) =>
    opts.repeats > 1 ? engine.cache.withCacheNamespace(`repeat:${cell.repeat}`, run) : run();
  const modelGraded = (metric: string) => needsGrader(cell.assertionInfo[metric]?.kind ?? '');
  try {
    const [first, ...others] = opts.graders;
    const grading = await inRepeat(grade(cell.assertions, first?.provider));
    const rubrics = cell.assertions.filter((a) => modelGraded(a.metric));
    const panel =
      others.length && rubrics.length
        ? decidePanel(
            opts.graders.map((g) => g.label),
            [grading, ...(await Promise.all(others.map((g) => inRepeat(grade(rubrics, g.provider)))))],
            modelGraded,
          )
        : grading;
    return { response, latencyMs, gradingResult: panel, ...(typeof response.cost === 'number' ? { cost: response.cost } : {}) };
  } catch (err) {
    return { failureReason: 2, error: `grading failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Assertions on what the agent did read its trajectory and its workspace's original files from the vars. */
function gradingVars(cell: CellPlan, response: ProviderResponse): Record<string, unknown> {
  if (!cell.agentRun) return cell.vars;
  const trajectory = trajectoryOf(response);
  return { ...cell.vars, ...(trajectory ? { __trajectory: trajectory } : {}), __workspace: cell.agentRun.workspaceTexts ?? {} };
}
