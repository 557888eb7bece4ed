import { pathExists } from '../io/fs/path-exists.ts';
import path from 'node:path';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { mergeShardRuns } from '../finish/merge-shards.ts';
import { assertRunIdName } from '../io/run/run-id.ts';
import { newRunId, runDir } from '../io/run/run-store.ts';

interface MergeOptions {
  /** Shard run folders (paths, or run ids under reports/runs/). */
  runDirs: string[];
  /** Id of the merged run; default a new run id. */
  out?: string;
}

/**
 * `agent-evals merge <run-dir>... [--out <run-id>]`: combines the shard runs of one sharded eval
 * (`eval --shard i/n` on n machines) into one run folder under reports/runs/, which `report`, `gate`
 * and `bless` then use like any run. Refuses, with one line and exit 2: shards of different configs
 * or inputs, shard sets that overlap or miss a shard, and shards with missing cells (named).
 *
 * @example
 * await mergeCommand(ctx, { runDirs: ['shards/1/20261121-223000-a1b2', 'shards/2/20261121-223004-c3d4'] }) // 0
 */
export async function mergeCommand(ctx: Context, opts: MergeOptions): Promise<number> {
  if (opts.runDirs.length === 0) throw new UsageError('merge: give the shard run folders to merge');
  // Checked before anything is read: the merged run is written at reports/runs/<out>.
  if (opts.out !== undefined) assertRunIdName(opts.out, 'merge --out');
  const dirs: string[] = [];
  for (const arg of opts.runDirs) dirs.push(await locateRun(ctx.root, arg));
  const merged = await mergeShardRuns(ctx.root, dirs, opts.out ?? newRunId(), (w) => ctx.err(`warning: ${w}`));
  ctx.out(
    `merged ${merged.shards.length} shards (${merged.shards.map((m) => m.runId).join(', ')}) into run ${merged.meta.runId}: ${merged.cells} cells`,
  );
  ctx.out(
    `wrote ${path.relative(ctx.root, runDir(ctx.root, merged.meta.runId))} (next: agent-evals gate --run ${merged.meta.runId}, or report / bless)`,
  );
  return 0;
}

/** A run folder path (relative to the project root) or a run id under reports/runs/. */
async function locateRun(root: string, arg: string): Promise<string> {
  const asPath = path.resolve(root, arg);
  if (await pathExists(path.join(asPath, 'meta.json'))) return asPath;
  const asId = runDir(root, arg);
  if (await pathExists(path.join(asId, 'meta.json'))) return asId;
  throw new UsageError(`merge: ${arg}: not a run folder (no meta.json) and no run with that id in reports/runs/`);
}
