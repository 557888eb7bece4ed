import path from 'node:path';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { BASELINE_FILE, baselineFromRun, saveBaseline } from '../io/baseline/baseline.ts';
import { isScored } from '../schema/result.ts';
import { readFinishedRun } from '../io/run/finished-run.ts';
import { resolveRunId } from '../io/run/run-id.ts';
import { INPUT_FOLDERS, uncommittedInputs } from '../io/git/uncommitted-inputs.ts';

/**
 * `agent-evals bless [<run-id>]`: makes a run (default: the latest) the baseline that later runs are
 * gated against, by writing reports/baseline.json. Refuses a run that is only a shard (merge first),
 * unfinished (resume first) or that scored nothing. Files under agents/, scenarios/ and evals/ that differ
 * from the last commit are a warning and are recorded in the baseline (`uncommitted`).
 *
 * @example
 * await blessCommand(ctx, { runId: '20261121-223000-a1b2' }) // 0, reports/baseline.json written
 */
export async function blessCommand(ctx: Context, opts: { runId?: string }): Promise<number> {
  const runId = await resolveRunId(ctx.root, opts.runId);
  const { meta, results } = await readFinishedRun(ctx, runId, 'bless');
  if (meta.shard) {
    throw new UsageError(
      `run ${runId} is shard ${meta.shard.index}/${meta.shard.count}: merge the shards first (agent-evals merge <run-dir>...) and bless the merged run`,
    );
  }
  const scored = results.filter((r) => isScored(r.status)).length;
  if (scored === 0) throw new UsageError(`run ${runId} scored no cell (every cell errored or did not run): nothing to bless`);

  // A baseline made from inputs no commit holds cannot be reproduced from its commit: say so, and keep it in the file.
  const uncommitted = (await uncommittedInputs(ctx.root, [meta.configFile])) ?? [];
  const baseline = baselineFromRun(meta, results, uncommitted);
  const file = await saveBaseline(ctx.root, baseline);
  if (uncommitted.length) {
    const shown = uncommitted.slice(0, 5).join(', ') + (uncommitted.length > 5 ? `, … ${uncommitted.length - 5} more` : '');
    ctx.err(
      `warning: bless: ${uncommitted.length} file${uncommitted.length === 1 ? '' : 's'} under ${INPUT_FOLDERS.map((f) => `${f}/`).join(', ')} differ${uncommitted.length === 1 ? 's' : ''} from the last commit (${shown}): the baseline records them as uncommitted; commit them with ${BASELINE_FILE}, or later runs are gated against inputs no commit holds`,
    );
  }
  const unscored = results.length - scored;
  if (unscored > 0)
    ctx.err(
      `warning: ${unscored} of ${results.length} cells of run ${runId} were not scored (errors or not run); the baseline has no outcome for them`,
    );
  ctx.out(
    `blessed run ${runId}${meta.git.commit ? ` (commit ${meta.git.commit.slice(0, 12)})` : ''}: ${baseline.cells.length} variant × model × scenario aggregates from ${scored} scored cells`,
  );
  ctx.out(`wrote ${path.relative(ctx.root, file)} (commit it: later runs are gated against it)`);
  return 0;
}
