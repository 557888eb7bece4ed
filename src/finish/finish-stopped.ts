/**
 * After a run its budget stopped (issue 28): meta.json says `stopped: budget`, the reports are rebuilt and say
 * so, and no history line is written (part of a run would dilute the trends and the planning figures). No
 * verdict: a gate on part of a run is a verdict the data does not support. Exit 3, as a run that could not
 * measure: it must never pass as green.
 */
import type { Context } from '../context.ts';
import { writeMeta } from '../io/run/run-store.ts';
import { budgetStopText } from '../report/text/budget-stop.ts';
import type { RunFold } from '../report/model/run-fold.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { buildReports } from './build-reports.ts';

export async function finishStoppedRun(ctx: Context, run: { meta: RunMeta; dir: string; fold: RunFold }): Promise<number> {
  const { meta, fold } = run;
  await writeMeta(run.dir, meta);
  await buildReports(ctx, meta.runId, { run: { dir: run.dir, meta, results: fold.results, shown: fold.shown, warnings: [] } });
  ctx.err(budgetStopText(meta, fold.results.filter((r) => r.source !== 'baseline').length)!);
  return 3;
}
