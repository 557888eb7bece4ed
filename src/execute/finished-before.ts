import type { Context } from '../context.ts';
import type { OwnedRun } from '../io/run/run-folder.ts';
import { finishedCells } from '../io/run/resumed-run.ts';
import type { Finished } from './decide-cells.ts';

/**
 * Resume: cells already finished (pass, fail, error) are not called again; the lines of cells that did
 * not run are dropped from results.jsonl, to be written once more. Only the finished cells' ids are held
 * (`io/run/resumed-run.ts`): their results are read again from the file when handed on.
 *
 * @example
 * const finished = await finishedBefore(ctx, run, plan.plans.size); // empty for a new run
 */
export async function finishedBefore(ctx: Context, run: OwnedRun, plannedCells: number): Promise<Finished> {
  if (!run.previous) return new Map();
  const finished = await finishedCells(run.dir);
  ctx.out(`resuming ${run.runId}: ${finished.size} of ${plannedCells} cells already finished`);
  return finished;
}
