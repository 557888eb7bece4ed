import type { Context } from '../context.ts';
import type { EvalPlan } from '../plan/plan-eval.ts';

/**
 * With no grader that can run, model-graded assertions are dropped from the plans and reported as not
 * graded; a cell judged by them alone has nothing left to judge it, so it does not run (its id returned).
 *
 * @example
 * const ungradable = dropUngraded(ctx, plan, false); // plan.plans now plans cells without rubrics
 */
export function dropUngraded(
  ctx: Context,
  plan: Pick<EvalPlan, 'cells' | 'plans' | 'grader' | 'gradedCells'>,
  graderReady: boolean,
): Set<string> {
  const ungradable = new Set<string>();
  if (graderReady || plan.gradedCells === 0) return ungradable;
  plan.plans.dropModelGraded();
  // Whether anything is left to judge a cell depends on its scenario only: one plan per scenario says.
  const leftOver = new Map<unknown, boolean>();
  for (const cell of plan.cells) {
    if (!leftOver.has(cell.scenario)) leftOver.set(cell.scenario, plan.plans.of(cell).assertions.length > 0);
    if (!leftOver.get(cell.scenario)) ungradable.add(cell.cellId);
  }
  const why = plan.grader ? `grader ${plan.grader.label} cannot run` : 'no `grader:` in the eval config';
  ctx.err(
    `warning: rubric assertions in ${plan.gradedCells} cells are not graded: ${why}; the other assertions judge those cells${ungradable.size ? `, and ${ungradable.size} cells with only rubric assertions do not run` : ''}`,
  );
  return ungradable;
}
