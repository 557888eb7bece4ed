import type { Context } from '../context.ts';
import type { OwnedRun } from '../io/run/run-folder.ts';
import { rewriteResults } from '../io/run/run-store.ts';
import type { Finished } from './decide-cells.ts';

/**
 * Resume: cells already finished (pass, fail, error) are not called again; the lines of cells that did
 * not run are dropped from results.jsonl, to be written once more.
 *
 * @example
 * const finished = await finishedBefore(ctx, run, plan.plans.size); // empty for a new run
 */
export async function finishedBefore(ctx: Context, run: OwnedRun, plannedCells: number): Promise<Finished> {
  const finished: Finished = new Map();
  if (!run.previous) return finished;
  for (const r of run.previous.results) if (r.status === 'pass' || r.status === 'fail' || r.status === 'error') finished.set(r.cellId, r);
  if (finished.size < run.previous.results.length) await rewriteResults(run.dir, [...finished.values()]);
  ctx.out(`resuming ${run.runId}: ${finished.size} of ${plannedCells} cells already finished`);
  return finished;
}
