import { isMeasured } from '../../schema/result.ts';
import type { Context } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { otherHostHint, runOwner } from './run-lock.ts';
import { type FoldedRun, readRunFold, runDir } from './run-store.ts';

/**
 * A run a reader may judge: not being written by a live process, and finished (every planned cell has
 * a result). A verdict on part of a run is a verdict the data does not support. Read as verdicts and
 * a bounded set of answers (`readRunFold`): judging and blessing need no answer.
 */
export async function readFinishedRun(ctx: Context, runId: string, command: string): Promise<FoldedRun> {
  const dir = runDir(ctx.root, runId);
  const owner = await runOwner(dir);
  if (owner) {
    throw new UsageError(
      `${command}: run ${runId} is still running (pid ${owner.pid} on ${owner.host}); wait for it to finish${otherHostHint(owner, `reports/runs/${runId}`)}`,
    );
  }
  const run = await readRunFold(dir);
  for (const w of run.warnings) ctx.err(`warning: ${w}`);
  const measured = run.results.filter(isMeasured).length;
  if (run.meta.stopped === 'budget') {
    throw new UsageError(
      `${command}: run ${runId} was stopped by its budget (${measured} of ${run.meta.plannedCells} cells): finish it with \`agent-evals eval --resume ${runId} --budget-usd <more>\` first`,
    );
  }
  if (measured < run.meta.plannedCells || !run.meta.finishedAt) {
    throw new UsageError(
      `${command}: run ${runId} is unfinished (${measured} of ${run.meta.plannedCells} cells): finish it with \`agent-evals eval --resume ${runId}\` first`,
    );
  }
  return run;
}
