import { pathExists } from '../io/fs/path-exists.ts';
import path from 'node:path';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { appendHistory, historyEntryFromRun } from '../io/history/history.ts';
import { latencyStats } from '../score/latency.ts';
import { cellKey } from '../plan/matrix.ts';
import { planHashOf } from '../plan/plan-hash.ts';
import { assertRunIdName } from '../io/run/run-id.ts';
import { writeFileAtomic } from '../io/fs/atomic-write.ts';
import { newRunId, readRun, runDir, writeMeta, type LoadedRun } from '../io/run/run-store.ts';
import type { CellResult } from '../schema/result.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { addsHistoryLine, isMeasured } from '../schema/result.ts';
import { aggregateRun } from '../score/aggregate-results.ts';
import { stableJson } from '../shared/stable-json.ts';

export interface MergeOptions {
  /** Shard run folders (paths, or run ids under reports/runs/). */
  runDirs: string[];
  /** Id of the merged run; default a new run id. */
  out?: string;
}

/** At most this many cells are named in one error line; the rest are counted. */
const NAMED = 5;

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
  const shards: LoadedRun[] = [];
  for (const arg of opts.runDirs) {
    const run = await readRun(await locateRun(ctx.root, arg));
    for (const w of run.warnings) ctx.err(`warning: ${w}`);
    shards.push(run);
  }
  const merged = mergeShards(shards, opts.out ?? newRunId());
  const dir = runDir(ctx.root, merged.meta.runId);
  if (await pathExists(dir)) throw new UsageError(`merge: reports/runs/${merged.meta.runId} already exists; choose another --out`);

  await writeFileAtomic(path.join(dir, 'results.jsonl'), merged.results.map((r) => `${JSON.stringify(r)}\n`).join(''));
  await writeMeta(dir, merged.meta);
  const measured = merged.results.filter(isMeasured);
  if (addsHistoryLine(merged.results)) {
    await appendHistory(
      ctx.root,
      historyEntryFromRun(merged.meta, aggregateRun(measured, { grader: merged.meta.grader }), undefined, latencyStats(measured)),
    );
  }
  ctx.out(
    `merged ${shards.length} shards (${shards.map((s) => s.meta.runId).join(', ')}) into run ${merged.meta.runId}: ${merged.results.length} cells`,
  );
  ctx.out(`wrote ${path.relative(ctx.root, dir)} (next: agent-evals gate --run ${merged.meta.runId}, or report / bless)`);
  return 0;
}

/**
 * Pure: shard runs → one run. Every shard must come from the same config and inputs (config,
 * config file, fingerprints of every variant and scenario, mode, grader, shard count), together they
 * must be shards 1..n exactly once, no cell may appear twice, and each shard must hold every cell it
 * planned. The merged run's `planHash` is computed like an unsharded run's, over every cell id.
 * @example mergeShards([shard1, shard2], '20261121-230000-beef').meta.plannedCells
 */
export function mergeShards(
  shards: Array<Pick<LoadedRun, 'dir' | 'meta' | 'results'>>,
  runId: string,
): { meta: RunMeta; results: CellResult[] } {
  const first = shards[0]!;
  const unsharded = shards.find((s) => !s.meta.shard);
  if (unsharded) throw new UsageError(`merge: ${unsharded.dir} is not a shard run (run with --shard i/n); nothing to merge it with`);
  assertSameEval(shards);
  assertEveryShardOnce(shards);
  const results = mergedResults(shards);
  const ids = results.map((r) => r.cellId).sort();
  const times = (f: (m: RunMeta) => string | undefined) =>
    shards
      .map((s) => f(s.meta))
      .filter((t): t is string => Boolean(t))
      .sort();
  const { shard: _shard, ...base } = first.meta;
  const finishedAt = times((m) => m.finishedAt).at(-1);
  const meta: RunMeta = {
    ...base,
    runId,
    startedAt: times((m) => m.startedAt)[0]!,
    ...(finishedAt ? { finishedAt } : {}),
    planHash: planHashOf(ids),
    plannedCells: shards.reduce((sum, s) => sum + s.meta.plannedCells, 0),
    notRun: Object.assign({}, ...shards.map((s) => s.meta.notRun)),
  };
  return { meta, results };
}

type Shard = Pick<LoadedRun, 'dir' | 'meta' | 'results'>;

const shardName = (s: Pick<LoadedRun, 'dir' | 'meta'>) =>
  `${s.meta.shard ? `shard ${s.meta.shard.index}/${s.meta.shard.count} ` : ''}(run ${s.meta.runId})`;

/** Every shard ran the same eval: config, inputs' fingerprints, mode, grader, shard count. */
function assertSameEval(shards: Shard[]): void {
  const first = shards[0]!;
  const checks: Array<[label: string, get: (m: RunMeta) => unknown]> = [
    ['eval config', (m) => m.config],
    ['config file', (m) => m.configFile],
    ['agent variants (fingerprints)', (m) => m.fingerprints.variants],
    ['scenarios (fingerprints)', (m) => m.fingerprints.scenarios],
    ['mode', (m) => m.mode],
    ['grader', (m) => m.grader],
    ['shard count', (m) => m.shard!.count],
    ['baseline carried from', (m) => m.carriedFrom],
  ];
  for (const s of shards.slice(1)) {
    for (const [label, get] of checks) {
      if (stableJson(get(s.meta)) !== stableJson(get(first.meta))) {
        throw new UsageError(
          `merge: ${shardName(s)} and ${shardName(first)} ran different ${label}: shards of one eval only (same commit, config and flags)`,
        );
      }
    }
  }
}

/** Shards 1..n, each exactly once. */
function assertEveryShardOnce(shards: Shard[]): void {
  const count = shards[0]!.meta.shard!.count;
  const byIndex = new Map<number, Shard>();
  for (const s of shards) {
    const other = byIndex.get(s.meta.shard!.index);
    if (other) throw new UsageError(`merge: ${shardName(s)} and ${shardName(other)} are the same shard: their cells overlap`);
    byIndex.set(s.meta.shard!.index, s);
  }
  const absent = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (absent.length)
    throw new UsageError(
      `merge: missing shard${absent.length === 1 ? '' : 's'} ${absent.map((i) => `${i}/${count}`).join(', ')}: every cell of those shards is missing`,
    );
}

/** Every shard's cells, in shard order; no cell twice, and no shard short of the cells it planned. */
function mergedResults(shards: Shard[]): CellResult[] {
  const count = shards[0]!.meta.shard!.count;
  const owner = new Map<string, Shard>();
  const results: CellResult[] = [];
  for (const s of [...shards].sort((a, b) => a.meta.shard!.index - b.meta.shard!.index)) {
    for (const r of s.results) {
      const other = owner.get(r.cellId);
      if (other && other !== s)
        throw new UsageError(`merge: cell ${describeCell(r)} is in ${shardName(other)} and in ${shardName(s)}: shards overlap`);
      if (other) throw new UsageError(`merge: cell ${describeCell(r)} appears twice in ${shardName(s)}: a damaged run folder`);
      owner.set(r.cellId, s);
      results.push(r);
    }
    const measured = s.results.filter(isMeasured).length;
    if (measured < s.meta.plannedCells) {
      const missing = inferMissing(
        shards.flatMap((x) => x.results),
        owner,
      );
      const named = missing.length
        ? `: ${missing.slice(0, NAMED).join(', ')}${missing.length > NAMED ? ` and ${missing.length - NAMED} more` : ''}`
        : '';
      throw new UsageError(
        `merge: ${shardName(s)} is missing ${s.meta.plannedCells - measured} of its ${s.meta.plannedCells} cells${named} (finish it with \`agent-evals eval --shard ${s.meta.shard!.index}/${count} --resume ${s.meta.runId}\`)`,
      );
    }
  }
  return results;
}

/**
 * Cells no shard has, named where the shards' own results reveal them: every variant × model ×
 * scenario seen in some shard should have every repeat index up to the highest one seen.
 */
function inferMissing(all: CellResult[], present: Map<string, unknown>): string[] {
  const groups = new Map<string, CellResult>();
  let repeats = 0;
  for (const r of all) {
    groups.set(`${r.variantId}\u0000${r.model}\u0000${r.scenarioId}`, r);
    repeats = Math.max(repeats, r.repeat + 1);
  }
  const missing: string[] = [];
  for (const r of groups.values()) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      if (!present.has(cellKey(r.variantId, r.model, r.scenarioId, repeat))) missing.push(describeCell({ ...r, repeat }));
    }
  }
  return missing.sort();
}

function describeCell(r: Pick<CellResult, 'variantId' | 'model' | 'scenarioId' | 'repeat'>): string {
  return `${r.variantId} @ ${r.model} / ${r.scenarioId} #${r.repeat}`;
}

/** A run folder path (relative to the project root) or a run id under reports/runs/. */
async function locateRun(root: string, arg: string): Promise<string> {
  const asPath = path.resolve(root, arg);
  if (await pathExists(path.join(asPath, 'meta.json'))) return asPath;
  const asId = runDir(root, arg);
  if (await pathExists(path.join(asId, 'meta.json'))) return asId;
  throw new UsageError(`merge: ${arg}: not a run folder (no meta.json) and no run with that id in reports/runs/`);
}
