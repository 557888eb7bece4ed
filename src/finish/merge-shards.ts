import { UsageError } from '../errors.ts';
import { appendHistory, historyEntryFromRun } from '../io/history/history.ts';
import { pathExists } from '../io/fs/path-exists.ts';
import { readRunMeta, runDir, streamRun, writeMeta, writeResultsWhole } from '../io/run/run-store.ts';
import { addsHistoryLine, type CellResult, isMeasured } from '../schema/result.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { aggregateRun } from '../score/aggregate-results.ts';
import { ResultFold } from '../score/fold-results.ts';
import { latencyStats } from '../score/latency.ts';
import { assertOneEval, describeCell, mergedMeta, missingCells, type ShardRun, shardName } from './shard-set.ts';

/** At most this many cells are named in one error line; the rest are counted. */
const NAMED = 5;

/**
 * The shard runs of one sharded eval (`eval --shard i/n` on n machines) as one run under reports/runs/<runId>:
 * its results.jsonl (every shard's cells, in shard order), its meta.json (planned like the unsharded run) and,
 * when it measured anything, its history line. Refuses, with one line, shards of different evals, a shard set
 * that overlaps or misses a shard, a cell twice, and a shard short of the cells it planned (named where the
 * shards' own cells reveal them). Each shard is read line by line, twice (checked and folded, then copied):
 * nothing holds a shard's answers, let alone the whole run's.
 *
 * @example
 * const merged = await mergeShardRuns(root, ['shards/1/20261121-223000-a1b2', 'shards/2/20261121-223004-c3d4'], 'merged-1', warn);
 * merged.cells // 30
 */
export async function mergeShardRuns(
  root: string,
  dirs: readonly string[],
  runId: string,
  warn: (line: string) => void,
): Promise<{ meta: RunMeta; cells: number; shards: RunMeta[] }> {
  const shards: ShardRun[] = [];
  for (const dir of dirs) shards.push({ dir, meta: await readRunMeta(dir) });
  assertOneEval(shards);
  // First pass: every shard's cells checked and folded to verdicts (for the history line); only cell ids kept besides.
  const owner = new Map<string, ShardRun>();
  const fold = new ResultFold();
  const measured = new Map<ShardRun, number>();
  const inOrder = [...shards].sort((a, b) => a.meta.shard!.index - b.meta.shard!.index);
  for (const s of inOrder) {
    let n = 0;
    const { warnings } = await streamRun(s.dir, (r) => {
      const other = owner.get(r.cellId);
      if (other && other !== s)
        throw new UsageError(`merge: cell ${describeCell(r)} is in ${shardName(other)} and in ${shardName(s)}: shards overlap`);
      if (other) throw new UsageError(`merge: cell ${describeCell(r)} appears twice in ${shardName(s)}: a damaged run folder`);
      owner.set(r.cellId, s);
      fold.add(r);
      if (isMeasured(r)) n++;
    });
    for (const w of warnings) warn(w);
    measured.set(s, n);
  }
  for (const s of inOrder) {
    const n = measured.get(s)!;
    if (n < s.meta.plannedCells) throw shortShard(s, n, missingCells(fold.cells, owner));
  }
  const meta = mergedMeta(shards, runId, [...owner.keys()]);
  // Second pass: the cells copied, shard by shard, into the merged run (written whole or not at all).
  const dir = runDir(root, runId);
  if (await pathExists(dir)) throw new UsageError(`merge: reports/runs/${runId} already exists; choose another --out`);
  await writeResultsWhole(dir, async (append) => {
    for (const s of inOrder) await streamRun(s.dir, (r: CellResult) => append(r));
  });
  await writeMeta(dir, meta);
  const verdicts = fold.cells;
  const measuredCells = verdicts.filter(isMeasured);
  if (addsHistoryLine(verdicts)) {
    await appendHistory(
      root,
      historyEntryFromRun(meta, aggregateRun(measuredCells, { grader: meta.grader }), undefined, latencyStats(measuredCells)),
    );
  }
  return { meta, cells: owner.size, shards: shards.map((s) => s.meta) };
}

function shortShard(s: ShardRun, measured: number, missing: string[]): UsageError {
  const named = missing.length
    ? `: ${missing.slice(0, NAMED).join(', ')}${missing.length > NAMED ? ` and ${missing.length - NAMED} more` : ''}`
    : '';
  return new UsageError(
    `merge: ${shardName(s)} is missing ${s.meta.plannedCells - measured} of its ${s.meta.plannedCells} cells${named} (finish it with \`agent-evals eval --shard ${s.meta.shard!.index}/${s.meta.shard!.count} --resume ${s.meta.runId}\`)`,
  );
}
