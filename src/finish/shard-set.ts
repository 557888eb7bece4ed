/**
 * The rules a set of shard runs must meet to be merged, and the merged run's meta.json (merge-shards.ts
 * reads and writes; this decides). Pure.
 */
import { UsageError } from '../errors.ts';
import { cellKey } from '../schema/cell-key.ts';
import { planHashOf } from '../schema/plan-hash.ts';
import type { CellVerdict } from '../schema/result.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { stableJson } from '../shared/stable-json.ts';

/** A shard run: its folder and meta.json (its cells are read line by line, never kept). */
export interface ShardRun {
  dir: string;
  meta: RunMeta;
}

export const shardName = (s: ShardRun) =>
  `${s.meta.shard ? `shard ${s.meta.shard.index}/${s.meta.shard.count} ` : ''}(run ${s.meta.runId})`;

export function describeCell(r: Pick<CellVerdict, 'variantId' | 'model' | 'scenarioId' | 'repeat'>): string {
  return `${r.variantId} @ ${r.model} / ${r.scenarioId} #${r.repeat}`;
}

/**
 * Every run is a shard, every shard ran the same eval (config, config file, fingerprints of every variant
 * and scenario, mode, grader, shard count, baseline carried from), and together they are shards 1..n
 * exactly once.
 * @example assertOneEval([shard1, shard2]) // throws a UsageError naming the first difference
 */
export function assertOneEval(shards: ShardRun[]): void {
  const unsharded = shards.find((s) => !s.meta.shard);
  if (unsharded) throw new UsageError(`merge: ${unsharded.dir} is not a shard run (run with --shard i/n); nothing to merge it with`);
  assertSameEval(shards);
  assertEveryShardOnce(shards);
}

function assertSameEval(shards: ShardRun[]): void {
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
function assertEveryShardOnce(shards: ShardRun[]): void {
  const count = shards[0]!.meta.shard!.count;
  const byIndex = new Map<number, ShardRun>();
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

/**
 * The merged run's meta.json: the first shard's, without `shard`, started when the first shard started and
 * finished when the last one finished, its `planHash` computed like an unsharded run's over every cell id.
 * @example mergedMeta([shard1, shard2], '20261121-230000-beef', cellIds).plannedCells
 */
export function mergedMeta(shards: ShardRun[], runId: string, cellIds: readonly string[]): RunMeta {
  const times = (f: (m: RunMeta) => string | undefined) =>
    shards
      .map((s) => f(s.meta))
      .filter((t): t is string => Boolean(t))
      .sort();
  const { shard: _shard, ...base } = shards[0]!.meta;
  const finishedAt = times((m) => m.finishedAt).at(-1);
  return {
    ...base,
    runId,
    startedAt: times((m) => m.startedAt)[0]!,
    ...(finishedAt ? { finishedAt } : {}),
    planHash: planHashOf(cellIds),
    plannedCells: shards.reduce((sum, s) => sum + s.meta.plannedCells, 0),
    notRun: Object.assign({}, ...shards.map((s) => s.meta.notRun)),
  };
}

/**
 * Cells no shard has, named where the shards' own cells reveal them: every variant × model × scenario seen
 * in some shard should have every repeat index up to the highest one seen.
 */
export function missingCells(all: readonly CellVerdict[], present: ReadonlyMap<string, unknown>): string[] {
  const groups = new Map<string, CellVerdict>();
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
