import type { Context } from '../context.ts';
import type { EvalConfig } from '../schema/eval-config.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import type { CellResult } from '../schema/result.ts';
import { isScored } from '../schema/result.ts';
import { writeMeta } from '../run/store.ts';
import { aggregateRun } from '../score/aggregate.ts';
import { appendHistory, historyEntryFromRun } from '../report/history.ts';
import { reportCommand } from './report.ts';

/**
 * After the last cell: close the run (meta.finishedAt), add one line to the history when anything was
 * measured, and rebuild the reports.
 */
export async function finishRun(
  ctx: Context,
  run: { meta: RunMeta; dir: string; results: CellResult[]; config: EvalConfig; ci?: boolean; baselineRef?: string },
): Promise<number> {
  await writeMeta(run.dir, run.meta);
  if (run.results.some((r) => isScored(r.status))) {
    await appendHistory(ctx.root, historyEntryFromRun(run.meta, aggregateRun(run.results, { grader: run.meta.grader })));
  }
  return reportCommand(ctx, { run: run.meta.runId });
}
